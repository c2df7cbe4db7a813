"""The dialer's engine without a PBX: events folded per attempt, progressive pacing, the one
Originate per attempt, and what a restart does with attempts left unfinished."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cti.live.state import DeviceState, LiveState, Membership, Operator
from cti.telephony.ami.frames import Frame
from cti.telephony.ami.session import AmiError
from dialer.callback_views import Attempt, Due, PlannedAttempt
from dialer.config import DialerConfig, DialerMode
from dialer.engine import Dialer
from dialer.hours import CallingHours
from dialer.outcomes import Outcome
from dialer.states import AttemptState
from dialer.tracking import AttemptTracker, Step

ALWAYS = CallingHours.parse("mon-sun=00:00-24:00", is_holiday=lambda day: False)
NEVER_NOW = CallingHours.parse("mon-sun=03:00-03:01", is_holiday=lambda day: False)
ID = "cb7-1-0123abcd"


def frame(**headers: str) -> Frame:
    return Frame(tuple(headers.items()))


def answered_call(attempt: str = ID) -> list[Frame]:
    return [
        frame(Event="DialBegin", Context="alo153-dialout", Linkedid=attempt,
              DestUniqueid="citizen-leg", DestLinkedid=attempt),
        frame(Event="DialEnd", Context="alo153-dialout", Linkedid=attempt,
              DestUniqueid="citizen-leg", DialStatus="ANSWER"),
        frame(Event="OriginateResponse", Uniqueid=attempt, Response="Success", Reason="4"),
        frame(Event="QueueCallerJoin", Queue="alo153-feedback", Linkedid=attempt),
        frame(Event="AgentConnect", Queue="alo153-feedback", Linkedid=attempt,
              MemberName="op1010"),
        frame(Event="Hangup", Uniqueid=attempt, Linkedid=attempt, Cause="16"),
    ]


def test_an_answered_call_goes_ringing_answered_queued_connected_ended() -> None:
    tracker = AttemptTracker()
    tracker.follow(ID)
    steps = [fact.step for f in answered_call() if (fact := tracker.feed(f)) is not None]
    assert steps == [Step.RINGING, Step.ANSWERED, Step.ANSWERED, Step.QUEUED, Step.CONNECTED,
                     Step.ENDED]
    assert ID not in tracker.known  # forgotten once ended


def test_a_busy_call_is_judged_at_its_hangup_with_the_late_dial_status() -> None:
    tracker = AttemptTracker()
    tracker.follow(ID)
    frames = [
        frame(Event="OriginateResponse", Uniqueid=ID, Response="Failure", Reason="0"),
        frame(Event="DialEnd", Context="alo153-dialout", Linkedid=ID, DialStatus="BUSY"),
        frame(Event="Hangup", Uniqueid="citizen-leg", Linkedid=ID, Cause="17"),
        frame(Event="Hangup", Uniqueid=ID, Linkedid=ID, Cause="17"),
    ]
    facts = [tracker.feed(f) for f in frames]
    last = facts[-1]
    assert last is not None and last.step is Step.ENDED
    assert (last.facts.dial_status, last.facts.hangup_cause, last.facts.answered) == (
        "BUSY", "17", False)


def steps_of(frames: list[Frame]) -> list[Step]:
    """The steps a followed attempt goes through on `frames`."""
    tracker = AttemptTracker()
    tracker.follow(ID)
    return [fact.step for f in frames if (fact := tracker.feed(f)) is not None]


def agent_complete(reason: str) -> Frame:
    return frame(Event="AgentComplete", Queue="alo153-feedback", Linkedid=ID,
                 MemberName="op1010", Reason=reason, TalkTime="2")


def preview_call(*hung_up: str) -> list[Frame]:
    """A preview call: the citizen answered, the operator's own phone answered, then the
    `hung_up` legs hung up in that order, the attempt's own channel last."""
    return [
        *answered_call()[:3],
        frame(Event="DialBegin", Context="alo153-callback", Linkedid=ID,
              DestUniqueid="operator-leg"),
        frame(Event="DialEnd", Context="alo153-callback", Linkedid=ID,
              DestUniqueid="operator-leg", DialStatus="ANSWER"),
        *(frame(Event="Hangup", Uniqueid=leg, Linkedid=ID, Cause="16")
          for leg in (*hung_up, ID)),
    ]


def test_the_operator_hanging_up_first_is_left_and_the_call_goes_on_to_the_survey() -> None:
    *before, hangup = answered_call()
    complete = agent_complete("agent")
    steps = steps_of([*before, complete, complete, hangup])
    assert steps[-3:] == [Step.CONNECTED, Step.LEFT, Step.ENDED]  # left once


def test_the_citizen_hanging_up_first_is_no_left() -> None:
    *before, hangup = answered_call()
    steps = steps_of([*before, agent_complete("caller"), hangup])
    assert Step.LEFT not in steps and steps[-1] is Step.ENDED


def test_preview_the_operators_phone_hanging_up_is_left() -> None:
    steps = steps_of(preview_call("operator-leg"))
    assert steps[-3:] == [Step.CONNECTED, Step.LEFT, Step.ENDED]


def test_preview_the_citizen_hanging_up_first_is_no_left() -> None:
    steps = steps_of(preview_call("citizen-leg", "operator-leg"))
    assert Step.LEFT not in steps and steps[-1] is Step.ENDED


def test_calls_the_dialer_did_not_place_are_ignored() -> None:
    tracker = AttemptTracker()
    assert tracker.feed(answered_call()[0]) is None  # not followed
    tracker.follow(ID)
    assert tracker.feed(frame(Event="Hangup", Uniqueid="1795.1", Linkedid="1795.1")) is None


@dataclass
class FakeCallbacks:
    due_now: list[Due] = field(default_factory=list)
    planned: list[int] = field(default_factory=list)
    ended: list[tuple[str, Outcome]] = field(default_factory=list)
    advanced: list[tuple[str, object, object, object]] = field(default_factory=list)
    left_unfinished: list[Attempt] = field(default_factory=list)

    awaiting: frozenset[str] = frozenset()

    async def due(self, now: float, limit: int) -> list[Due]:
        return self.due_now[:limit]

    async def awaiting_verdict(self) -> frozenset[str]:
        return self.awaiting

    async def plan(self, callback_id: int, now: float,
                   operator: str | None = None) -> PlannedAttempt | None:
        if callback_id in self.planned:
            return None
        self.planned.append(callback_id)
        return PlannedAttempt(f"cb{callback_id}-1-00000000", callback_id, 1, "153-2026-000001",
                              "05321112233", operator, now)

    async def advance(self, attempt_id: str, **kw: object) -> str | None:
        self.advanced.append((attempt_id, kw.get("state"), kw.get("operator"), kw.get("at")))
        return None

    async def end(self, attempt_id: str, *, outcome: Outcome, cause: str | None,
                  at: float, tickets: object = None) -> None:
        self.ended.append((attempt_id, outcome))

    async def unfinished(self) -> list[Attempt]:
        return self.left_unfinished


@dataclass
class FakeAmi:
    answer: str = "Success"
    fail: bool = False
    sent: list[Mapping[str, str | int]] = field(default_factory=list)
    channels: list[Frame] = field(default_factory=list)

    async def action(self, name: str, headers: Mapping[str, str | int] | None = None,
                     variables: Mapping[str, str] | None = None, *,
                     timeout: float = 5.0) -> Frame:
        self.sent.append({**(headers or {}), **(variables or {})})
        if self.fail:
            raise AmiError("AMI link closed")
        return frame(Response=self.answer)

    async def action_list(self, name: str, headers: Mapping[str, str | int] | None = None, *,
                          timeout: float = 10.0) -> list[Frame]:
        return self.channels


def live(free: int, busy: int = 0) -> LiveState:
    def member(n: int, device: DeviceState) -> Operator:
        return Operator(interface=f"PJSIP/10{n:02d}", name=f"op10{n:02d}", device=device,
                        memberships=(Membership(queue="alo153-feedback"),))
    operators = [member(n, DeviceState.NOT_INUSE) for n in range(free)]
    operators += [member(50 + n, DeviceState.INUSE) for n in range(busy)]
    return LiveState(operators={op.interface: op for op in operators})


def dialer(callbacks: FakeCallbacks, ami: FakeAmi, state: LiveState,
           hours: CallingHours = ALWAYS) -> Dialer:
    config = DialerConfig(mode=DialerMode.PROGRESSIVE, hours=hours)
    return Dialer(callbacks=callbacks, tickets=None, ami=ami,  # type: ignore[arg-type]
                  live=lambda: state, config=config, clock=lambda: 1_795_700_000.0)


def due(*ids: int) -> list[Due]:
    return [Due(n, f"153-2026-{n:06d}", "05321112233", 0) for n in ids]


async def test_one_call_per_free_operator_not_already_promised_one() -> None:
    callbacks, ami = FakeCallbacks(due_now=due(1, 2, 3)), FakeAmi()
    engine = dialer(callbacks, ami, live(free=2, busy=3))
    assert await engine.pace() == 2
    assert [h["ChannelId"] for h in ami.sent] == ["cb1-1-00000000", "cb2-1-00000000"]
    assert ami.sent[0]["__ALO153_ATTEMPT"] == "cb1-1-00000000"
    assert ami.sent[0]["Channel"] == "Local/05321112233@alo153-dialout/n"
    # Both operators are promised to the calls in flight: nothing more until one connects.
    assert await engine.pace() == 0


async def test_nothing_is_placed_outside_calling_hours_or_without_free_operators() -> None:
    assert await dialer(FakeCallbacks(due_now=due(1)), FakeAmi(), live(free=0)).pace() == 0
    outside = dialer(FakeCallbacks(due_now=due(1)), FakeAmi(), live(free=3), hours=NEVER_NOW)
    assert await outside.pace() == 0


async def test_an_originate_whose_answer_is_lost_is_never_sent_again() -> None:
    callbacks, ami = FakeCallbacks(due_now=due(1)), FakeAmi(fail=True)
    engine = dialer(callbacks, ami, live(free=1))
    assert await engine.pace() == 1
    assert await engine.pace() == 0  # still promised to its operator, and never re-sent
    assert len(ami.sent) == 1 and callbacks.ended == []


async def test_a_refused_originate_ends_its_attempt_as_failed() -> None:
    callbacks, ami = FakeCallbacks(due_now=due(1)), FakeAmi(answer="Error")
    assert await dialer(callbacks, ami, live(free=1)).pace() == 0
    assert callbacks.ended == [("cb1-1-00000000", Outcome.FAILED)]


@pytest.mark.parametrize("alive", [True, False])
async def test_after_a_restart_a_live_attempt_is_followed_and_a_gone_one_ended(
    alive: bool,
) -> None:
    left = Attempt(ID, 7, 1, "153-2026-000007", "05321112233", AttemptState.RINGING, None,
                   0.0, None, None, None, None, None, None)
    callbacks = FakeCallbacks(left_unfinished=[left])
    channels = [frame(Event="Status", Linkedid=ID)] if alive else []
    engine = dialer(callbacks, FakeAmi(channels=channels), live(free=1))
    await engine.recover()
    if alive:
        assert callbacks.ended == []
        fact = engine._tracker.feed(frame(Event="Hangup", Uniqueid=ID, Linkedid=ID, Cause="16"))
        assert fact is not None and fact.step is Step.ENDED
    else:
        assert callbacks.ended == [(ID, Outcome.UNKNOWN)]


ENTERED = f"1795700000|{ID}|alo153-feedback|NONE|ENTERQUEUE||05321112233|1"
CONNECTED = f"1795700001|{ID}|alo153-feedback|op1010|CONNECT|1|alo153-1795700001.3|0"


def recovering(tmp_path: Path, lines: list[str], channels: list[Frame],
               callbacks: FakeCallbacks) -> Dialer:
    queue_log = tmp_path / "queue_log"
    queue_log.write_text("".join(f"{line}\n" for line in lines))
    config = DialerConfig(mode=DialerMode.PROGRESSIVE, hours=ALWAYS)
    return Dialer(callbacks=callbacks, tickets=None, ami=FakeAmi(channels=channels),  # type: ignore[arg-type]
                  live=lambda: live(free=1), config=config, clock=lambda: 1_795_700_040.0,
                  queue_log=queue_log)


def ringing_left() -> FakeCallbacks:
    return FakeCallbacks(left_unfinished=[Attempt(
        ID, 7, 1, "153-2026-000007", "05321112233", AttemptState.RINGING, None, 0.0, None,
        None, None, None, None, None)])


@pytest.mark.parametrize(("lines", "outcome", "steps"), [
    ([ENTERED, CONNECTED,
      f"1795700009|{ID}|alo153-feedback|op1010|COMPLETECALLER|1|8|1"],
     Outcome.ANSWERED, [(ID, AttemptState.QUEUED, None, 1795700000.0),
                        (ID, AttemptState.CONNECTED, "op1010", 1795700001.0)]),
    ([ENTERED, f"1795700030|{ID}|alo153-feedback|NONE|ABANDON|1|1|30"], Outcome.ABANDONED,
     [(ID, AttemptState.QUEUED, None, 1795700000.0)]),
    (["1795700000|cb8-1-00000000|alo153-feedback|op1010|CONNECT|0|x|0"], Outcome.UNKNOWN, []),
])
async def test_a_call_that_ended_while_the_dialer_was_away_is_judged_from_queue_log(
    tmp_path: Path, lines: list[str], outcome: Outcome,
    steps: list[tuple[str, AttemptState, str | None, float]],
) -> None:
    """A dialer down (or waiting for the pacer's lease) while its call was answered and
    talked: the citizen spoke to an operator, who gives the verdict; not an unknown end
    that would call them again. The times are Asterisk's, not the recovery's."""
    callbacks = ringing_left()
    await recovering(tmp_path, lines, [], callbacks).recover()
    assert callbacks.ended == [(ID, outcome)]
    assert callbacks.advanced == steps  # the ticket moves to feedback as on a live connect


async def test_a_call_still_up_that_an_operator_took_while_no_dialer_looked_is_connected(
    tmp_path: Path,
) -> None:
    """The common crash: the next dialer comes within the lease's 15 s, the citizen still
    talks. The connect it missed is taken from queue_log, so the operator's hanging up goes on
    to the survey and the end is answered, not abandoned or unknown."""
    callbacks = ringing_left()
    engine = recovering(tmp_path, [ENTERED, CONNECTED], [frame(Event="Status", Linkedid=ID)],
                        callbacks)
    await engine.recover()
    assert callbacks.ended == []  # followed, not ended
    assert [step[1] for step in callbacks.advanced] == [AttemptState.QUEUED,
                                                        AttemptState.CONNECTED]
    steps = [engine._tracker.feed(f) for f in (
        agent_complete("agent"), frame(Event="Hangup", Uniqueid=ID, Linkedid=ID, Cause="16"))]
    assert [f.step for f in steps if f is not None] == [Step.LEFT, Step.ENDED]
    last = steps[-1]
    assert last is not None and last.facts.connected and last.facts.operator == "op1010"


async def test_an_unreadable_queue_log_leaves_the_old_judgement(tmp_path: Path) -> None:
    callbacks = ringing_left()
    engine = recovering(tmp_path, [], [], callbacks)
    (tmp_path / "queue_log").unlink()
    (tmp_path / "queue_log").mkdir()  # not a file: reading it fails
    await engine.recover()
    assert callbacks.ended == [(ID, Outcome.UNKNOWN)]


async def test_nothing_is_planned_while_the_pbx_link_is_down() -> None:
    callbacks, ami = FakeCallbacks(due_now=due(1)), FakeAmi()
    config = DialerConfig(mode=DialerMode.PROGRESSIVE, hours=ALWAYS)
    engine = Dialer(callbacks=callbacks, tickets=None, ami=ami,  # type: ignore[arg-type]
                    live=lambda: live(free=2), config=config, link_up=lambda: False)
    assert await engine.pace() == 0
    assert callbacks.planned == [] and ami.sent == []  # no attempt spent on a dead link


async def test_a_call_an_operator_had_is_answered_though_its_end_was_missed() -> None:
    left = Attempt(ID, 7, 1, "153-2026-000007", "05321112233", AttemptState.CONNECTED,
                   "op1010", 0.0, 1.0, 2.0, None, None, None, None)
    callbacks = FakeCallbacks(left_unfinished=[left])
    await dialer(callbacks, FakeAmi(channels=[]), live(free=1)).recover()
    assert callbacks.ended == [(ID, Outcome.ANSWERED)]  # the verdict is still the operator's


async def test_an_operator_who_owes_a_verdict_gets_no_new_call() -> None:
    callbacks = FakeCallbacks(due_now=due(1, 2), awaiting=frozenset({"op1000"}))
    ami = FakeAmi()
    assert await dialer(callbacks, ami, live(free=2)).pace() == 1  # op1001 only


@dataclass
class FakeLease:
    """The pacer's lease as another dialer leaves it: held by us or not."""

    ours: bool
    released: bool = False
    sure: bool = True

    async def hold(self) -> bool:
        return self.ours

    def valid(self) -> bool:
        return self.ours and self.sure

    async def release(self) -> None:
        self.released = True


def leased(callbacks: FakeCallbacks, ami: FakeAmi, lease: FakeLease) -> Dialer:
    config = DialerConfig(mode=DialerMode.PROGRESSIVE, hours=ALWAYS)
    return Dialer(callbacks=callbacks, tickets=None, ami=ami,  # type: ignore[arg-type]
                  live=lambda: live(free=2), config=config, clock=lambda: 1_795_700_000.0,
                  lease=lease)


async def test_a_dialer_without_the_pacers_lease_places_no_call() -> None:
    callbacks, ami, lease = FakeCallbacks(due_now=due(1, 2)), FakeAmi(), FakeLease(ours=False)
    engine = leased(callbacks, ami, lease)
    engine.start()
    try:
        await engine.on_connected()
        await asyncio.sleep(0.2)  # the pacing loop has looked at least once
        assert callbacks.planned == [] and ami.sent == []
        lease.ours = True  # the other dialer stopped
        engine._wake.set()
        for _ in range(50):
            if len(ami.sent) == 2:
                break
            await asyncio.sleep(0.02)
        assert [h["ChannelId"] for h in ami.sent] == ["cb1-1-00000000", "cb2-1-00000000"]
    finally:
        await engine.stop()
    assert lease.released  # a clean stop lets the next dialer pace at once


async def test_a_round_of_calls_stops_when_the_lease_is_no_longer_sure() -> None:
    callbacks, ami = FakeCallbacks(due_now=due(1, 2)), FakeAmi()
    engine = leased(callbacks, ami, FakeLease(ours=True, sure=False))
    assert await engine.lead()
    assert await engine.pace() == 0 and ami.sent == []


async def test_taking_the_lease_over_first_accounts_for_the_calls_the_last_pacer_left() -> None:
    left = Attempt(ID, 7, 1, "153-2026-000007", "05321112233", AttemptState.RINGING, None,
                   0.0, None, None, None, None, None, None)
    callbacks, lease = FakeCallbacks(left_unfinished=[left]), FakeLease(ours=False)
    engine = leased(callbacks, FakeAmi(channels=[]), lease)
    await engine.on_connected()
    assert callbacks.ended == []  # the pacer's own calls: the pacer follows them
    assert not await engine.lead()
    lease.ours = True
    assert await engine.lead()
    assert callbacks.ended == [(ID, Outcome.UNKNOWN)]  # gone with the last pacer
    assert await engine.lead() and len(callbacks.ended) == 1  # looked at once
