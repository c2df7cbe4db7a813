import random
from collections.abc import Iterable

import pytest

from cti.domain.calls.events import (
    CallerAbandoned,
    CallEvent,
    CallStarted,
    ChannelHungUp,
    OperatorConnected,
    OperatorRingEnded,
    OperatorRinging,
    QueueJoined,
)
from cti.domain.calls.record import AttemptResult, CallRecord, HungUpBy, Outcome
from cti.domain.calls.tracker import CallTracker
from cti.domain.numbers import normalize_number
from cti.telephony.ami.frames import FrameBuffer
from cti.telephony.ami.translate import translate
from tests.transcripts import names, session_bytes

CLOCK = 1_800_000_000.0
ANSWERED = "queue-answered"
ABANDONED = "queue-abandoned"
RING_NO_ANSWER = "variants/queue-ringnoanswer-then-answered.eventfilter-exclude"


def events_of(data: bytes, chunks: Iterable[int] | None = None) -> list[CallEvent]:
    buffer, events, at = FrameBuffer(), [], 0
    for size in chunks or [len(data)]:
        for frame in buffer.feed(data[at:at + size]):
            if (event := translate(frame, CLOCK)) is not None:
                events.append(event)
        at += size
    return events


def replay(events: Iterable[CallEvent], tracker: CallTracker | None = None) -> list[CallRecord]:
    tracker = CallTracker() if tracker is None else tracker
    return [record for event in events for record in tracker.apply(event)]


def final_record(events: Iterable[CallEvent]) -> CallRecord:
    published = replay(events)
    assert published and published[-1].finished
    return published[-1]


def stamp(name: str, event: str, **match: str) -> float:
    """The Timestamp of the first frame of `event` in a recording whose headers match."""
    for frame in FrameBuffer().feed(session_bytes(name)):
        if frame.event == event and all(frame.get(k) == v for k, v in match.items()):
            return float(frame.get("Timestamp") or "nan")
    raise LookupError(event)


def ami(*frames: dict[str, str | list[str]]) -> bytes:
    """Synthetic AMI bytes, for dialplan paths the recordings do not cover."""
    lines = []
    for headers in frames:
        for name, value in headers.items():
            values = value if isinstance(value, list) else [value]
            lines += [f"{name}: {v}" for v in values]
        lines.append("")
    return ("\r\n".join(lines) + "\r\n").encode()


def channel_frame(event: str, uniqueid: str, at: float, linkedid: str = "c-1",
                  **extra: str | list[str]) -> dict[str, str | list[str]]:
    return {"Event": event, "Timestamp": f"{at:.6f}", "Channel": f"PJSIP/x-{uniqueid}",
            "Uniqueid": uniqueid, "Linkedid": linkedid, "CallerIDNum": "05321112233",
            "CallerIDName": "Ayşe", **extra}


# ------------------------------------------------------------------ recorded calls


def test_answered_call_is_logged_with_the_operator_and_times_from_the_pbx_clock() -> None:
    record = final_record(events_of(session_bytes(ANSWERED)))
    joined = stamp(ANSWERED, "QueueCallerJoin")
    connected = stamp(ANSWERED, "AgentConnect")
    completed = stamp(ANSWERED, "AgentComplete")
    assert record.outcome is Outcome.ANSWERED
    assert record.answered_by == "Operator 1001"
    assert (record.queue, record.position_at_entry, record.entered_queue_at) == (
        "alo153", 1, joined)
    assert record.wait_seconds == round(connected - joined, 3) == 0.308
    assert record.talk_seconds == round(completed - connected, 3) == 4.196
    assert record.hung_up_by is HungUpBy.CALLER
    assert record.ended_at == stamp(ANSWERED, "Hangup", Uniqueid=record.call_id)
    assert [(a.operator, a.interface, a.result) for a in record.attempts] == [
        ("Operator 1001", "PJSIP/1001", AttemptResult.ANSWERED)]


def test_answered_call_keeps_who_called_and_when() -> None:
    record = final_record(events_of(session_bytes(ANSWERED)))
    assert record.call_id == record.channel_uniqueid == "alo153spike-1795680858.0"
    assert record.caller_name == "Vatandas 1"
    # The test trunk sent 9 digits: not a Turkish number, so none is kept.
    assert record.caller_number is None
    assert record.started_at == stamp(ANSWERED, "Newchannel")
    assert [entry.kind for entry in record.timeline] == [
        "call_started", "queue_joined", "operator_ringing", "operator_ring_ended",
        "queue_left", "operator_connected", "call_completed", "channel_hung_up"]


def test_abandoned_call_is_logged_with_its_wait_time() -> None:
    record = final_record(events_of(session_bytes(ABANDONED)))
    assert record.outcome is Outcome.ABANDONED
    assert record.hung_up_by is HungUpBy.CALLER
    joined, abandoned = stamp(ABANDONED, "QueueCallerJoin"), stamp(ABANDONED, "QueueCallerAbandon")
    assert record.wait_seconds == round(abandoned - joined, 3) == 2.505
    assert record.answered_by is None and record.talk_seconds is None
    assert record.attempts == []
    assert record.caller_number == normalize_number("0532270641")


def test_ring_no_answer_then_answer_logs_two_attempts_the_first_no_answer() -> None:
    record = final_record(events_of(session_bytes(RING_NO_ANSWER)))
    first, second = record.attempts
    assert (first.operator, first.result) == ("Operator 1001", AttemptResult.NO_ANSWER)
    assert first.ring_seconds == round(
        stamp(RING_NO_ANSWER, "AgentRingNoAnswer") - stamp(RING_NO_ANSWER, "AgentCalled"), 3)
    assert (second.operator, second.result) == ("Operator 1002", AttemptResult.ANSWERED)
    assert record.answered_by == "Operator 1002"
    assert record.wait_seconds == round(
        stamp(RING_NO_ANSWER, "AgentConnect") - stamp(RING_NO_ANSWER, "QueueCallerJoin"), 3)


@pytest.mark.parametrize("call", ["queue-answered", "queue-abandoned"])
def test_every_event_filter_sees_the_same_record(call: str) -> None:
    expected = final_record(events_of(session_bytes(call)))
    for variant in names(f"variants/{call}.*"):
        assert final_record(events_of(session_bytes(variant))) == expected, variant


def test_every_event_filter_sees_the_same_ring_no_answer() -> None:
    expected = final_record(events_of(session_bytes(RING_NO_ANSWER)))
    for variant in names("variants/queue-ringnoanswer-then-answered.*"):
        assert final_record(events_of(session_bytes(variant))) == expected, variant


@pytest.mark.parametrize("callback", names("originate-*"))
def test_callbacks_are_not_recorded_as_citizen_calls(callback: str) -> None:
    tracker = CallTracker()
    assert replay(events_of(session_bytes(callback)), tracker) == []
    assert tracker.tracked == 0


@pytest.mark.parametrize("call", [ANSWERED, ABANDONED, RING_NO_ANSWER])
def test_finished_calls_leave_no_state_behind(call: str) -> None:
    tracker = CallTracker()
    replay(events_of(session_bytes(call)), tracker)
    assert tracker.tracked == 0 and tracker.active() == []


# ------------------------------------------------------------------ delivery


@pytest.mark.parametrize("call", [ANSWERED, ABANDONED, RING_NO_ANSWER])
def test_random_chunk_sizes_give_the_same_records(call: str) -> None:
    data = session_bytes(call)
    expected = replay(events_of(data))
    rng = random.Random(call)
    for _ in range(20):
        sizes: list[int] = []
        while sum(sizes) < len(data):
            sizes.append(rng.randint(1, 700))
        assert replay(events_of(data, sizes)) == expected


@pytest.mark.parametrize("call", [ANSWERED, ABANDONED, RING_NO_ANSWER])
def test_events_delivered_twice_give_the_same_record(call: str) -> None:
    events = events_of(session_bytes(call))
    doubled = [event for event in events for _ in range(2)]
    assert replay(doubled) == replay(events)


@pytest.mark.parametrize("call", [ANSWERED, ABANDONED, RING_NO_ANSWER])
def test_a_stream_replayed_from_the_start_midway_gives_the_same_record(call: str) -> None:
    events = events_of(session_bytes(call))
    for cut in range(1, len(events)):
        replayed = events[:cut] + events[:cut] + events[cut:]
        assert replay(replayed)[-1] == replay(events)[-1]


def test_late_duplicates_do_not_reopen_a_finished_call() -> None:
    events = events_of(session_bytes(ANSWERED))
    tracker = CallTracker()
    replay(events, tracker)
    assert replay(events, tracker) == []
    assert tracker.tracked == 0


def test_a_ring_no_answer_stays_no_answer_when_only_the_dial_layer_reports_it() -> None:
    events = [e for e in events_of(session_bytes(RING_NO_ANSWER))
              if not (isinstance(e, OperatorRingEnded) and e.operator is not None)]
    first = final_record(events).attempts[0]
    assert first.result is AttemptResult.NO_ANSWER


def test_a_call_whose_hangup_was_lost_is_closed_by_sweep() -> None:
    events = [e for e in events_of(session_bytes(ANSWERED)) if not isinstance(e, ChannelHungUp)]
    tracker = CallTracker()
    replay(events, tracker)
    started = events[0].at
    assert tracker.sweep(started + 60, max_age=3600) == []
    (record,) = tracker.sweep(started + 7200, max_age=3600)
    assert record.outcome is Outcome.ANSWERED and record.finished
    assert record.talk_seconds == 4.196
    assert record.ended_at == stamp(ANSWERED, "AgentComplete")
    assert record.timeline[-1].kind == "swept"
    assert tracker.tracked == 0 and tracker.sweep(started + 9000, max_age=3600) == []


def test_a_swept_call_does_not_invent_who_hung_up_or_how_long_it_waited() -> None:
    events = events_of(session_bytes(ABANDONED))[:2]  # started and joined; the rest was lost
    tracker = CallTracker()
    replay(events, tracker)
    (record,) = tracker.sweep(events[0].at + 7200, max_age=3600)
    assert record.outcome is Outcome.ABANDONED
    assert record.hung_up_by is HungUpBy.UNKNOWN and record.wait_seconds is None


def test_sweep_keeps_calls_the_pbx_still_reports() -> None:
    events = events_of(session_bytes(ANSWERED))[:3]
    tracker = CallTracker()
    replay(events, tracker)
    assert tracker.sweep(events[0].at + 7200, 3600, alive={events[0].call_id}) == []
    assert [r.call_id for r in tracker.active()] == [events[0].call_id]


def test_a_call_whose_start_was_lost_is_opened_by_its_queue_join() -> None:
    events = [e for e in events_of(session_bytes(ANSWERED)) if not isinstance(e, CallStarted)]
    record = final_record(events)
    assert record.outcome is Outcome.ANSWERED
    assert record.started_at == record.entered_queue_at == stamp(ANSWERED, "QueueCallerJoin")


def test_malformed_frames_are_skipped_without_exceptions() -> None:
    recorded = session_bytes(ANSWERED)
    called = recorded.index(b"Event: AgentCalled")
    cut = recorded.index(b"Linkedid: ", called)
    # The AgentCalled frame loses its Linkedid; every Position is garbage (invalid UTF-8).
    data = recorded[:cut] + recorded[recorded.index(b"\r\n", cut) + 2:]
    data = data.replace(b"Position: 1", b"Position: \xff\xfe-1")
    noise = ami({"Event": "AgentConnect", "Linkedid": "x" * 10_000},
                {"Event": "Hangup", "Uniqueid": "", "Linkedid": ""},
                {"Event": "QueueCallerJoin", "Linkedid": "c-9", "Uniqueid": "c-9"})
    record = final_record(events_of(noise + data))
    assert record.outcome is Outcome.ANSWERED and record.position_at_entry is None
    # The ring whose report was unusable is rebuilt from the connect.
    assert [a.result for a in record.attempts] == [AttemptResult.ANSWERED]


def test_a_call_is_published_once_it_is_known_to_be_a_citizens() -> None:
    events = events_of(session_bytes(ANSWERED))
    tracker = CallTracker()
    assert tracker.apply(events[0]) == []  # an inbound channel: maybe an operator's own call
    assert [r.queue for r in tracker.apply(events[1])] == ["alo153"]


def test_records_handed_out_do_not_change_afterwards() -> None:
    events = events_of(session_bytes(ANSWERED))
    tracker = CallTracker()
    tracker.apply(events[0])
    (joined,) = tracker.apply(events[1])
    replay(events[2:], tracker)
    assert joined.outcome is Outcome.IN_PROGRESS and joined.attempts == []
    assert len(joined.timeline) == 2


# ------------------------------------------------------------------ the product's dialplan


@pytest.mark.parametrize(
    "contexts",
    [(b"alo153-entry", b"alo153-operators"), (b"alo153-inbound", b"anything"),
     (b"x", b"y")],
)
def test_citizen_calls_are_recognised_whatever_the_contexts_are_called(
    contexts: tuple[bytes, bytes],
) -> None:
    citizen, operator = contexts
    for call in (ANSWERED, ABANDONED, RING_NO_ANSWER):
        data = session_bytes(call)
        renamed = data.replace(b"from-citizen", citizen).replace(b"from-operator", operator)
        assert final_record(events_of(renamed)) == final_record(events_of(data))


def test_a_caller_hanging_up_during_the_greeting_is_logged_before_queue() -> None:
    mark = ["ALO153_CALL=c-1", "ALO153_ATTEMPT="]
    data = ami(
        channel_frame("Newchannel", "c-1", CLOCK, ChannelState="4", Context="alo153-inbound"),
        channel_frame("Newstate", "c-1", CLOCK + 0.1, ChannelState="6", ChanVariable=mark),
        channel_frame("Hangup", "c-1", CLOCK + 2.5, Cause="16", ChanVariable=mark),
    )
    record = final_record(events_of(data))
    assert record.outcome is Outcome.HUNG_UP_BEFORE_QUEUE
    assert record.hung_up_by is HungUpBy.CALLER
    assert (record.caller_number, record.ended_at, record.wait_seconds) == (
        "05321112233", CLOCK + 2.5, None)


def test_a_blocked_caller_is_logged_as_blocked() -> None:
    mark = ["ALO153_CALL=c-1"]
    data = ami(
        channel_frame("Newchannel", "c-1", CLOCK, ChannelState="4"),
        channel_frame("Hangup", "c-1", CLOCK + 0.2, Cause="21", ChanVariable=mark),
    )
    record = final_record(events_of(data))
    assert (record.outcome, record.hung_up_by) == (Outcome.BLOCKED, HungUpBy.SYSTEM)


def test_a_caller_reaching_the_maximum_wait_is_logged_as_timed_out() -> None:
    data = ami(
        channel_frame("Newchannel", "c-1", CLOCK, ChannelState="4"),
        channel_frame("QueueCallerJoin", "c-1", CLOCK + 1, Queue="alo153", Position="3"),
        channel_frame("QueueCallerLeave", "c-1", CLOCK + 301, Queue="alo153", Position="1"),
        channel_frame("UserEvent", "c-1", CLOCK + 301.1, UserEvent="Alo153Fallback",
                      Reason="max-wait"),
        channel_frame("Hangup", "c-1", CLOCK + 305, Cause="16"),
    )
    record = final_record(events_of(data))
    assert (record.outcome, record.fallback_reason) == (Outcome.TIMED_OUT, "max-wait")
    assert (record.hung_up_by, record.wait_seconds) == (HungUpBy.SYSTEM, 300.0)
    assert record.position_at_entry == 3


def test_a_caller_turned_away_before_the_queue_is_logged_as_timed_out() -> None:
    data = ami(
        channel_frame("Newchannel", "c-1", CLOCK, ChannelState="4"),
        channel_frame("UserEvent", "c-1", CLOCK + 1, UserEvent="Alo153Fallback",
                      Reason="no-operators"),
        channel_frame("Hangup", "c-1", CLOCK + 5, Cause="16"),
    )
    record = final_record(events_of(data))
    assert (record.outcome, record.fallback_reason) == (Outcome.TIMED_OUT, "no-operators")
    assert record.queue is None and record.wait_seconds is None


def test_an_operator_calling_a_colleague_is_not_a_citizen_call() -> None:
    data = ami(
        channel_frame("Newchannel", "o-1", CLOCK, linkedid="o-1", ChannelState="4",
                      Context="alo153-operators"),
        channel_frame("Newchannel", "o-2", CLOCK, linkedid="o-1", ChannelState="0"),
        channel_frame("DialEnd", "o-1", CLOCK + 3, linkedid="o-1", DestUniqueid="o-2",
                      DialStatus="ANSWER"),
        channel_frame("Hangup", "o-2", CLOCK + 9, linkedid="o-1", Cause="16"),
        channel_frame("Hangup", "o-1", CLOCK + 9, linkedid="o-1", Cause="16"),
    )
    tracker = CallTracker()
    assert replay(events_of(data), tracker) == [] and tracker.tracked == 0


def test_a_dialer_callback_through_a_local_channel_is_not_recorded() -> None:
    attempt = ["ALO153_ATTEMPT=att-7", "ALO153_CALL=cb-1"]
    local = {"Channel": "Local/05321112233@alo153-dialout-00000001;1"}
    data = ami(
        {**channel_frame("Newchannel", "cb-1", CLOCK, linkedid="cb-1", ChannelState="0"),
         **local},
        channel_frame("Newchannel", "cb-2", CLOCK, linkedid="cb-1", ChannelState="0"),
        {**channel_frame("QueueCallerJoin", "cb-1", CLOCK + 9, linkedid="cb-1",
                         Queue="alo153-feedback", Position="1", ChanVariable=attempt), **local},
        {**channel_frame("Hangup", "cb-1", CLOCK + 30, linkedid="cb-1", Cause="16",
                         ChanVariable=attempt), **local},
    )
    tracker = CallTracker()
    assert replay(events_of(data), tracker) == [] and tracker.tracked == 0


def test_a_callback_whose_start_was_lost_is_still_known_by_its_attempt_id() -> None:
    data = ami(
        channel_frame("QueueCallerJoin", "cb-1", CLOCK + 9, linkedid="cb-1",
                      Queue="alo153-feedback", ChanVariable=["ALO153_ATTEMPT=att-7"]),
        channel_frame("Hangup", "cb-1", CLOCK + 30, linkedid="cb-1", Cause="16"),
    )
    assert replay(events_of(data)) == []


# ------------------------------------------------------------------ operator attempts


def _queued(*more: CallEvent) -> list[CallEvent]:
    return [
        CallStarted(call_id="c-1", at=CLOCK, uniqueid="c-1", channel="PJSIP/t-1",
                    caller_number=None, caller_name="", inbound=True),
        QueueJoined(call_id="c-1", at=CLOCK + 1, uniqueid="c-1", channel="PJSIP/t-1",
                    queue="alo153", position=1, caller_number=None, caller_name=""),
        OperatorRinging(call_id="c-1", at=CLOCK + 2, queue="alo153", operator="op1001",
                        interface="PJSIP/1001", leg_id="leg-1"),
        *more,
    ]


def test_an_operator_dropping_an_answered_ring_is_a_failed_attempt() -> None:
    events = _queued(
        OperatorRingEnded(call_id="c-1", at=CLOCK + 4, leg_id="leg-1",
                          result=AttemptResult.ANSWERED),
        OperatorRingEnded(call_id="c-1", at=CLOCK + 5, leg_id="leg-1",
                          result=AttemptResult.FAILED, operator="op1001"),
        OperatorRingEnded(call_id="c-1", at=CLOCK + 5, leg_id="leg-1",
                          result=AttemptResult.CANCELLED),
        ChannelHungUp(call_id="c-1", at=CLOCK + 20, uniqueid="c-1", channel="", cause=16),
    )
    record = final_record(events)
    assert record.attempts[0].result is AttemptResult.FAILED
    assert record.attempts[0].ring_seconds == 2.0
    assert record.outcome is Outcome.ABANDONED


def test_a_caller_leaving_while_an_operator_rings_cancels_the_ring() -> None:
    events = _queued(
        CallerAbandoned(call_id="c-1", at=CLOCK + 6, queue="alo153", position=1,
                        original_position=1, hold_seconds=5),
        ChannelHungUp(call_id="c-1", at=CLOCK + 6, uniqueid="c-1", channel="", cause=16),
    )
    record = final_record(events)
    assert record.attempts[0].result is AttemptResult.CANCELLED
    assert (record.outcome, record.wait_seconds) == (Outcome.ABANDONED, 5.0)


def test_other_operators_rung_at_once_are_cancelled_when_one_answers() -> None:
    events = _queued(
        OperatorRinging(call_id="c-1", at=CLOCK + 2, queue="alo153", operator="op1002",
                        interface="PJSIP/1002", leg_id="leg-2"),
        OperatorConnected(call_id="c-1", at=CLOCK + 3, queue="alo153", operator="op1002",
                          interface="PJSIP/1002", leg_id="leg-2", hold_seconds=2,
                          ring_seconds=1),
        ChannelHungUp(call_id="c-1", at=CLOCK + 60, uniqueid="c-1", channel="", cause=16),
    )
    record = final_record(events)
    assert [a.result for a in record.attempts] == [AttemptResult.CANCELLED,
                                                   AttemptResult.ANSWERED]
    assert (record.talk_seconds, record.hung_up_by) == (57.0, HungUpBy.UNKNOWN)


def test_a_frame_for_an_unknown_call_changes_nothing() -> None:
    tracker = CallTracker()
    assert tracker.apply(_queued()[2]) == [] and tracker.tracked == 0
