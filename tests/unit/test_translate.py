import random

import pytest

from cti.domain.calls.events import (
    ALL_EVENTS,
    CallCompleted,
    CallStarted,
    ChannelHungUp,
    Fallback,
    LookupTimedOut,
    OperatorRingEnded,
    QueueJoined,
)
from cti.domain.calls.record import AttemptResult, HungUpBy
from cti.telephony.ami.frames import Frame, FrameBuffer
from cti.telephony.ami.translate import Malformed, interpret, translate
from tests.transcripts import names, session_bytes

CLOCK = 1_800_000_000.0
CALL = "alo153-1800000000.7"


def frames_of(name: str) -> list[Frame]:
    return list(FrameBuffer().feed(session_bytes(name)))


def frame(event: str, *pairs: tuple[str, str], **headers: str) -> Frame:
    return Frame((("Event", event), *pairs, *headers.items()))


def channel(uniqueid: str = CALL, linkedid: str = CALL, **extra: str) -> dict[str, str]:
    return {"Channel": "PJSIP/trunk-00000001", "Uniqueid": uniqueid, "Linkedid": linkedid,
            "Timestamp": "1800000001.250000", **extra}


def test_an_answered_call_reads_as_the_events_the_product_cares_about() -> None:
    events = [translate(f, CLOCK) for f in frames_of("queue-answered")]
    kinds = [e.kind for e in events if e is not None]
    assert kinds == [
        "call_started", "queue_joined", "operator_ringing", "operator_ring_ended",
        "queue_left", "operator_connected", "call_completed", "channel_hung_up",
        "channel_hung_up",
    ]


def test_every_event_belongs_to_the_citizens_linkedid() -> None:
    events = [translate(f, CLOCK) for f in frames_of("queue-answered")]
    assert {e.call_id for e in events if e is not None} == {"alo153spike-1795680858.0"}


def test_event_time_is_the_pbx_timestamp_not_the_reader_clock() -> None:
    event = translate(frame("Hangup", **channel(Cause="16")), CLOCK)
    assert event is not None and event.at == 1800000001.25


@pytest.mark.parametrize("stamp", ["", "nan", "inf", "-inf", "-5", "0", "abc", "1e400", "9" * 5000])
def test_event_time_falls_back_to_the_clock_without_a_usable_timestamp(stamp: str) -> None:
    event = translate(frame("Hangup", **channel(Timestamp=stamp)), CLOCK)
    assert event is not None and event.at == CLOCK


def test_the_first_channel_of_a_call_starts_it_with_a_normalized_number() -> None:
    newchannel = frame("Newchannel", **channel(
        ChannelState="4", CallerIDNum="+905321112233", CallerIDName="Ayşe Şahin"))
    event = translate(newchannel, CLOCK)
    assert event == CallStarted(
        call_id=CALL, at=1800000001.25, uniqueid=CALL, channel="PJSIP/trunk-00000001",
        caller_number="05321112233", caller_name="Ayşe Şahin", inbound=True)


def test_a_withheld_caller_has_no_number_and_no_name() -> None:
    newchannel = frame("Newchannel", **channel(
        ChannelState="4", CallerIDNum="<unknown>", CallerIDName="<unknown>"))
    event = translate(newchannel, CLOCK)
    assert isinstance(event, CallStarted)
    assert (event.caller_number, event.caller_name) == (None, "")


def test_operator_legs_do_not_start_a_call() -> None:
    leg = frame("Newchannel", **channel(uniqueid="alo153-1800000000.8", ChannelState="0"))
    assert translate(leg, CLOCK) is None


def test_a_channel_the_pbx_created_to_call_out_is_not_inbound() -> None:
    started = [translate(f, CLOCK) for f in frames_of("originate-answered")]
    first = next(e for e in started if isinstance(e, CallStarted))
    assert first.call_id == "cb-T-2026-000123" and not first.inbound


def test_a_ring_no_answer_is_reported_by_the_queue_and_twice_by_the_dial_layer() -> None:
    name = "variants/queue-ringnoanswer-then-answered.eventfilter-exclude"
    ended = [e for f in frames_of(name) if isinstance(e := translate(f, CLOCK), OperatorRingEnded)]
    first_leg = ended[0].leg_id
    assert [e.result for e in ended if e.leg_id == first_leg] == [
        AttemptResult.NO_ANSWER, AttemptResult.NO_ANSWER, AttemptResult.CANCELLED]
    assert ended[0].operator == "Operator 1001"


def test_an_originates_own_dial_result_is_not_an_operator_ring() -> None:
    events = [translate(f, CLOCK) for f in frames_of("originate-busy")]
    assert [type(e).__name__ for e in events if e is not None] == ["CallStarted", "ChannelHungUp"]


@pytest.mark.parametrize(
    ("status", "result"),
    [("ANSWER", AttemptResult.ANSWERED), ("NOANSWER", AttemptResult.NO_ANSWER),
     ("CANCEL", AttemptResult.CANCELLED), ("BUSY", AttemptResult.BUSY),
     ("CONGESTION", AttemptResult.FAILED), ("CHANUNAVAIL", AttemptResult.FAILED)],
)
def test_dial_statuses_become_attempt_results(status: str, result: AttemptResult) -> None:
    dial_end = frame("DialEnd", **channel(DestUniqueid="leg-1", DialStatus=status))
    assert translate(dial_end, CLOCK) == OperatorRingEnded(
        call_id=CALL, at=1800000001.25, leg_id="leg-1", result=result)


def test_an_unknown_dial_status_is_ignored() -> None:
    dial_end = frame("DialEnd", **channel(DestUniqueid="leg-1", DialStatus="TORTURE"))
    assert translate(dial_end, CLOCK) is None


@pytest.mark.parametrize(
    ("reason", "who"),
    [("caller", HungUpBy.CALLER), ("agent", HungUpBy.OPERATOR), ("transfer", HungUpBy.SYSTEM),
     ("", HungUpBy.UNKNOWN), ("x" * 10_000, HungUpBy.UNKNOWN)],
)
def test_agent_complete_says_who_hung_up(reason: str, who: HungUpBy) -> None:
    complete = frame("AgentComplete", **channel(
        Queue="alo153", MemberName="op1001", Interface="PJSIP/1001", DestUniqueid="leg-1",
        HoldTime="3", TalkTime="61", Reason=reason))
    event = translate(complete, CLOCK)
    assert isinstance(event, CallCompleted)
    assert (event.hung_up_by, event.hold_seconds, event.talk_seconds) == (who, 3, 61)


def test_the_fallback_user_event_names_its_call_and_reason() -> None:
    # Asterisk puts the channel snapshot (with its Linkedid) before the dialplan's body.
    user_event = frame("UserEvent", *channel().items(), ("UserEvent", "Alo153Fallback"),
                       ("Reason", "max-wait"), ("Linkedid", CALL))
    assert translate(user_event, CLOCK) == Fallback(call_id=CALL, at=1800000001.25,
                                                    reason="max-wait")


def test_a_lookup_timeout_user_event_is_understood() -> None:
    user_event = frame("UserEvent", UserEvent="Alo153LookupTimeout", Linkedid=CALL)
    assert translate(user_event, CLOCK) == LookupTimedOut(call_id=CALL, at=CLOCK)


def test_other_user_events_are_ignored() -> None:
    assert translate(frame("UserEvent", UserEvent="SomethingElse", Linkedid=CALL), CLOCK) is None


def test_the_dialplans_marks_are_read_from_channel_variables() -> None:
    hangup = frame("Hangup", ("ChanVariable", "ALO153_CALL=" + CALL),
                   ("ChanVariable", "ALO153_ATTEMPT=att-42"), ("ChanVariable", "ALO153_PRIO="),
                   **channel(Cause="16"))
    event = translate(hangup, CLOCK)
    assert isinstance(event, ChannelHungUp)
    assert (event.marks.citizen, event.marks.attempt_id) == (True, "att-42")


def test_empty_marks_mean_unmarked() -> None:
    join = frame("QueueCallerJoin", ("ChanVariable", "ALO153_CALL="),
                 ("ChanVariable", "ALO153_ATTEMPT="), Queue="alo153", **channel())
    event = translate(join, CLOCK)
    assert isinstance(event, QueueJoined)
    assert (event.marks.citizen, event.marks.attempt_id) == (False, None)


@pytest.mark.parametrize(
    "event",
    ["Newchannel", "QueueCallerJoin", "AgentCalled", "AgentRingNoAnswer", "AgentDump",
     "DialEnd", "AgentConnect", "AgentComplete", "QueueCallerAbandon", "QueueCallerLeave",
     "Hangup"],
)
def test_a_frame_without_linkedid_is_malformed_and_translates_to_nothing(event: str) -> None:
    bare = frame(event, Channel="PJSIP/x-1", Uniqueid="u", Queue="q", MemberName="m",
                 Interface="PJSIP/1", DestUniqueid="d", DialStatus="ANSWER", ChannelState="4")
    assert interpret(bare, CLOCK) == Malformed(event, "Linkedid")
    assert translate(bare, CLOCK) is None


def test_an_agent_complete_after_the_caller_left_is_the_operators_call() -> None:
    # Raised once the caller's channel is gone: only the operator's (Dest*) fields.
    done = frame("AgentComplete", Queue="alo153", MemberName="op1001", Interface="PJSIP/1001",
                 DestUniqueid="op-leg", DestLinkedid="1795.7", HoldTime="3", TalkTime="40",
                 Reason="caller")
    event = translate(done, CLOCK)
    assert event is not None and event.call_id == "1795.7"


def test_a_linkedid_longer_than_asterisk_allows_is_malformed() -> None:
    hangup = frame("Hangup", **channel(linkedid="x" * 151))
    assert interpret(hangup, CLOCK) == Malformed("Hangup", "Linkedid")


@pytest.mark.parametrize("garbage", ["abc", "-1", "1.5", "²", "٣", "9" * 5000, ""])
def test_numbers_that_are_not_numbers_become_none(garbage: str) -> None:
    join = frame("QueueCallerJoin", Queue="alo153", Position=garbage, **channel())
    event = translate(join, CLOCK)
    assert isinstance(event, QueueJoined) and event.position is None


def test_huge_text_is_cut_not_fatal() -> None:
    newchannel = frame("Newchannel", **channel(
        ChannelState="4", CallerIDNum="0" * 100_000, CallerIDName="Ş" * 100_000))
    event = translate(newchannel, CLOCK)
    assert isinstance(event, CallStarted)
    assert event.caller_number is None and len(event.caller_name) <= 200


def test_unknown_events_and_action_responses_are_ignored() -> None:
    assert translate(frame("VarSet", **channel()), CLOCK) is None
    assert translate(Frame((("Response", "Success"), ("ActionID", "1"))), CLOCK) is None
    assert translate(Frame(()), CLOCK) is None


def test_random_frames_never_raise() -> None:
    rng = random.Random(153)
    names_ = ["Event", "Linkedid", "Uniqueid", "Channel", "ChannelState", "Queue", "Position",
              "MemberName", "Interface", "DestUniqueid", "DialStatus", "Cause", "Timestamp",
              "UserEvent", "Reason", "ChanVariable", "HoldTime", "CallerIDNum"]
    events = ["Newchannel", "QueueCallerJoin", "AgentCalled", "AgentRingNoAnswer", "AgentDump",
              "DialEnd", "AgentConnect", "AgentComplete", "QueueCallerAbandon",
              "QueueCallerLeave", "Hangup", "UserEvent"]
    values = ["", "0", "4", "x", "=", "ALO153_ATTEMPT=", "Alo153Fallback", "ANSWER", "nan",
              "<unknown>", "\ufffd" * 3, "9" * 400, CALL]
    for _ in range(5000):
        headers = [(rng.choice(names_), rng.choice(values)) for _ in range(rng.randint(0, 12))]
        interpret(Frame((("Event", rng.choice(events)), *headers)), CLOCK)


@pytest.mark.parametrize("name", names("*") + names("variants/*"))
def test_every_recorded_frame_translates_without_a_malformed_result(name: str) -> None:
    results = [interpret(f, CLOCK) for f in frames_of(name)]
    assert not [r for r in results if isinstance(r, Malformed)]


def test_every_event_type_has_its_own_timeline_kind() -> None:
    kinds = [event_type.kind for event_type in ALL_EVENTS]
    assert len(set(kinds)) == len(kinds) and "call_event" not in kinds
