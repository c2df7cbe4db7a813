"""The live state, replayed from recorded AMI sessions (tests/transcripts), and its in-process
publication. Frames not recorded (a QueueEntry, a "Mola" pause) are real frames with one
header changed, or built with the header set Asterisk 22's app_queue.c writes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping

import pytest

from cti.live.bus import InProcessBus, Subscription
from cti.live.from_ami import HANDLERS, apply, rebuild
from cti.live.keeper import LiveStateKeeper
from cti.live.messages import Json, change_message, snapshot_message
from cti.live.state import DeviceState, DisplayStatus, LiveState
from cti.telephony.ami.frames import Frame, FrameBuffer
from tests.transcripts import names, session_bytes

NOW = 1_795_681_000.0
ANSWERED_CALL = "alo153spike-1795680858.0"
ABANDONED_CALL = "alo153spike-1795679979.3002"
RING_NO_ANSWER = "variants/queue-ringnoanswer-then-answered.login-events-call-agent"


def frames_of(name: str) -> list[Frame]:
    return list(FrameBuffer().feed(session_bytes(name)))


def replay(frames: list[Frame], state: LiveState | None = None) -> LiveState:
    state = state or LiveState()
    for frame in frames:
        state, _ = apply(state, frame, NOW)
    return state


def until(frames: list[Frame], event: str, n: int = 1) -> list[Frame]:
    """The frames up to and including the n-th `event`."""
    seen = 0
    for index, frame in enumerate(frames):
        seen += frame.event == event
        if seen == n:
            return frames[: index + 1]
    raise AssertionError(f"no {event} #{n}")


def altered(frame: Frame, **changes: str) -> Frame:
    return Frame(tuple((name, changes.get(name, value)) for name, value in frame.headers))


def queue_status_list() -> list[Frame]:
    """The QueueStatus answer recorded in member-admin (ActionID adm-149)."""
    return [f for f in frames_of("member-admin") if f.action_id == "adm-149"]


def queue_entry(wait: int) -> Frame:
    return Frame((("Event", "QueueEntry"), ("Queue", "alo153"), ("Position", "1"),
                  ("Channel", "PJSIP/citizen-in-00000bba"), ("Uniqueid", ABANDONED_CALL),
                  ("CallerIDNum", "0532270641"), ("CallerIDName", "Vatandas 1"),
                  ("ConnectedLineNum", "unknown"), ("ConnectedLineName", "unknown"),
                  ("Wait", str(wait)), ("Priority", "0"), ("ActionID", "qs-1")))


# Operators: added, paused, unpaused, removed (member-admin.ami)

def test_a_queue_add_makes_an_available_operator_in_that_queue() -> None:
    state = replay(until(frames_of("member-admin"), "QueueMemberAdded"))
    operator = state.operators["PJSIP/1006"]
    assert (operator.name, operator.queues) == ("Operator 1006", ("alo153",))
    assert operator.status() is DisplayStatus.AVAILABLE
    assert operator.logged_in_since == 1795680077.0
    assert operator.device is DeviceState.NOT_INUSE


def test_a_pause_shows_its_reason_and_when_it_began() -> None:
    state = replay(until(frames_of("member-admin"), "QueueMemberPause"))
    operator = state.operators["PJSIP/1006"]
    assert operator.status() is DisplayStatus.PAUSED
    pause = operator.pause()
    assert pause is not None
    assert (pause.pause_reason, pause.paused_since) == ("Yemek molasi", 1795680077.565388)


def test_a_mola_pause_reads_as_paused_with_reason_mola() -> None:
    unpause = until(frames_of(RING_NO_ANSWER), "QueueMemberPause")[-1]
    state = replay([altered(unpause, Paused="1")])
    pause = state.operators["PJSIP/1002"].pause()
    assert pause is not None and pause.pause_reason == "Mola"
    assert snapshot_message(state, NOW)["operators"]["PJSIP/1002"]["pause_reason"] == "Mola"


def test_an_unpause_that_repeats_the_old_reason_is_no_pause() -> None:
    # Recorded: QueuePause Paused=false Reason=Mola gives Paused: 0 with PausedReason: Mola.
    unpause = until(frames_of(RING_NO_ANSWER), "QueueMemberPause")[-1]
    assert unpause.get("PausedReason") == "Mola"
    operator = replay([unpause]).operators["PJSIP/1002"]
    assert operator.pause() is None and operator.status() is DisplayStatus.AVAILABLE


def test_a_status_event_during_a_pause_keeps_when_the_pause_began() -> None:
    pause = until(frames_of("member-admin"), "QueueMemberPause")[-1]
    later = altered(pause, Event="QueueMemberStatus", Timestamp="1795680099.0")
    state = replay([pause, later])
    assert state.operators["PJSIP/1006"].memberships[0].paused_since == 1795680077.565388


def test_an_after_call_work_pause_reads_as_after_call_work() -> None:
    pause = until(frames_of("member-admin"), "QueueMemberPause")[-1]
    state = replay([altered(pause, PausedReason="acw")])
    assert state.operators["PJSIP/1006"].status() is DisplayStatus.AFTER_CALL_WORK
    counts = snapshot_message(state, NOW)["queues"]["alo153"]["operators"]
    assert (counts["after_call_work"], counts["paused"], counts["logged_in"]) == (1, 0, 1)


def test_an_unpaused_operator_is_available_and_a_removed_one_is_gone() -> None:
    frames = frames_of("member-admin")
    state = replay(until(frames, "QueueMemberPause", 3))  # the unpause of 1006
    assert state.operators["PJSIP/1006"].status() is DisplayStatus.AVAILABLE
    state = replay(until(frames, "QueueMemberRemoved"))
    assert "PJSIP/1006" not in state.operators
    assert replay(frames).operators == {}


# Callers: waiting, answered by operator 1001, abandoned (queue-*.ami)

def test_a_waiting_caller_answered_by_1001_puts_the_operator_on_the_call_then_frees_it() -> None:
    frames = frames_of("queue-answered")
    waiting = replay(until(frames, "QueueCallerJoin")).queues["alo153"].callers
    assert [(c.call_id, c.number, c.position) for c in waiting] == [
        (ANSWERED_CALL, "053294781", 1)]
    ringing = replay(until(frames, "AgentCalled")).operators["PJSIP/1001"]
    assert ringing.status() is DisplayStatus.RINGING
    assert ringing.ringing is not None and ringing.ringing.call_id == ANSWERED_CALL
    connected = replay(until(frames, "AgentConnect"))
    operator = connected.operators["PJSIP/1001"]
    assert operator.status() is DisplayStatus.ON_CALL and operator.call is not None
    assert (operator.call.call_id, operator.call.since) == (ANSWERED_CALL, 1795680859.258089)
    assert connected.queues["alo153"].callers == ()
    done = replay(frames)
    assert done.operators["PJSIP/1001"].status() is DisplayStatus.AVAILABLE
    assert done.queues["alo153"].completed == 1


def test_an_abandoned_call_empties_the_waiting_list_and_is_counted() -> None:
    state = replay(frames_of("queue-abandoned"))
    assert state.queues["alo153"].callers == ()
    assert state.queues["alo153"].abandoned == 1


def test_wait_seconds_count_from_the_join() -> None:
    state = replay(until(frames_of("queue-abandoned"), "QueueCallerJoin"))
    caller = state.queues["alo153"].callers[0]
    assert caller.wait_seconds(1795679980.324591 + 2.5) == pytest.approx(2.5)
    queue = snapshot_message(state, 1795679980.324591 + 2.5)["queues"]["alo153"]
    assert (queue["callers"][0]["wait_seconds"], queue["longest_wait"]) == (2.5, 2.5)


def test_an_operator_not_answering_is_auto_paused_and_the_next_one_takes_the_call() -> None:
    frames = frames_of(RING_NO_ANSWER)
    state = replay(until(frames, "AgentConnect"))
    first, second = state.operators["PJSIP/1001"], state.operators["PJSIP/1002"]
    assert first.ringing is None and first.status() is DisplayStatus.PAUSED
    assert first.memberships[0].pause_reason == "Auto-Pause"
    assert second.status() is DisplayStatus.ON_CALL
    assert replay(frames).operators["PJSIP/1002"].status() is DisplayStatus.AVAILABLE


def test_a_hangup_ends_an_operator_leg_whose_agent_complete_was_lost() -> None:
    frames = [f for f in frames_of("queue-answered") if f.event != "AgentComplete"]
    assert replay(frames).operators["PJSIP/1001"].call is None


def test_callers_behind_a_leaving_caller_move_up() -> None:
    frames = frames_of("queue-abandoned")
    join, leave = until(frames, "QueueCallerJoin")[-1], until(frames, "QueueCallerLeave")[-1]
    second = altered(join, Uniqueid="b", Linkedid="b", Position="2", CallerIDNum="0532000")
    state = replay([join, second, leave])
    assert [(c.call_id, c.position) for c in state.queues["alo153"].callers] == [("b", 1)]


# Rebuild from QueueStatus: the truth after a reconnect

def test_a_rebuild_reads_the_recorded_queue_status_list() -> None:
    state = rebuild(queue_status_list(), NOW)
    queue = state.queues["alo153"]
    assert (queue.strategy, queue.completed, queue.abandoned) == ("rrmemory", 1, 3002)
    assert len(state.operators) == 9
    paused = {i: op.pause() for i, op in state.operators.items() if op.pause()}
    assert {i: (p.pause_reason, p.paused_since) for i, p in paused.items() if p} == {
        "PJSIP/1006": ("Yemek molasi", 1795680077.0), "PJSIP/1007": ("Egitim", 1795680077.0)}
    assert state.operators["PJSIP/1008"].memberships[0].penalty == 2
    assert state.operators["PJSIP/1004"].memberships[0].dynamic is False


def test_a_lost_pause_event_is_corrected_by_the_next_rebuild() -> None:
    events = [f for f in frames_of("member-admin") if f.action_id != "adm-149"]
    lost = until(events, "QueueMemberPause", 2)[-1]
    state = replay([f for f in until(events, "QueueMemberPenalty") if f is not lost])
    assert state.operators["PJSIP/1007"].status() is DisplayStatus.AVAILABLE
    rebuilt = rebuild(queue_status_list(), NOW, previous=state)
    assert rebuilt.operators["PJSIP/1007"].status() is DisplayStatus.PAUSED
    assert rebuilt.version == state.version + 1


def test_a_lost_agent_complete_is_corrected_by_the_next_rebuild() -> None:
    state = replay(until(frames_of("queue-answered"), "AgentConnect"))
    assert state.operators["PJSIP/1001"].status() is DisplayStatus.ON_CALL
    rebuilt = rebuild(queue_status_list(), NOW, previous=state)  # 1001: InCall 0
    assert rebuilt.operators["PJSIP/1001"].status() is DisplayStatus.AVAILABLE


def test_a_rebuild_keeps_the_call_an_operator_is_still_on() -> None:
    state = replay(until(frames_of("queue-answered"), "AgentConnect"))
    listed = [altered(f, InCall="1") if f.get("Location") == "PJSIP/1001" else f
              for f in queue_status_list()]
    call = rebuild(listed, NOW, previous=state).operators["PJSIP/1001"].call
    assert call is not None and call.call_id == ANSWERED_CALL
    unknown = rebuild(listed, NOW).operators["PJSIP/1001"].call
    assert unknown is not None and unknown.call_id is None


def test_a_rebuild_reads_waiting_callers_from_queue_entries() -> None:
    state = rebuild([*queue_status_list(), queue_entry(wait=7)], NOW)
    caller = state.queues["alo153"].callers[0]
    assert (caller.call_id, caller.number, caller.position) == (ABANDONED_CALL, "0532270641", 1)
    assert caller.wait_seconds(NOW) == 7.0


def test_a_rebuild_keeps_the_exact_join_time_it_already_knew() -> None:
    joined = replay(until(frames_of("queue-abandoned"), "QueueCallerJoin"))
    state = rebuild([*queue_status_list(), queue_entry(wait=2)], 1795679982.9, previous=joined)
    assert state.queues["alo153"].callers[0].entered_at == 1795679980.324591


# Robustness

@pytest.mark.parametrize("event", [*HANDLERS, "QueueSummary", "Newexten", ""])
def test_frames_without_headers_change_nothing(event: str) -> None:
    state = replay(frames_of("queue-answered")[:3])
    after, change = apply(state, Frame((("Event", event),)), NOW)
    assert after is state and not change


def test_a_rebuild_from_frames_without_headers_is_empty() -> None:
    kinds = ["QueueParams", "QueueMember", "QueueEntry", "QueueStatusComplete", "Newexten"]
    state = rebuild([Frame((("Event", kind),)) for kind in kinds], NOW)
    assert (state.queues, state.operators) == ({}, {})


@pytest.mark.parametrize("name", names("*") + names("variants/*"))
def test_every_recorded_session_replays(name: str) -> None:
    state = replay(frames_of(name))
    json.dumps(snapshot_message(state, NOW))
    assert all(q.callers == () for q in state.queues.values())


# Publication in process

def publish_replay(bus: InProcessBus, name: str) -> LiveState:
    state = LiveState()
    bus.publish(snapshot_message(state, NOW))
    for frame in frames_of(name):
        state, change = apply(state, frame, NOW)
        if change:
            bus.publish(change_message(state, change, NOW))
    return state


@pytest.mark.parametrize("name", ["member-admin", "queue-answered", RING_NO_ANSWER])
def test_changes_merged_into_the_first_snapshot_give_the_final_snapshot(name: str) -> None:
    bus = InProcessBus()
    state = publish_replay(bus, name)
    assert bus.current() == snapshot_message(state, NOW)


async def next_message(subscription: Subscription) -> Json:
    return await asyncio.wait_for(anext(subscription), 2.0)


async def test_a_subscriber_gets_the_snapshot_then_each_change_in_order() -> None:
    bus = InProcessBus()
    async with bus.subscribe() as subscription:
        state = publish_replay(bus, "queue-answered")
        # The published snapshot supersedes the (empty) one the subscriber had not read yet.
        received = [await next_message(subscription) for _ in range(state.version + 1)]
    assert received[0]["type"] == "snapshot"
    assert [m["version"] for m in received[1:]] == list(range(1, state.version + 1))
    assert all(m["type"] == "change" for m in received[1:])


async def test_a_slow_subscriber_gets_a_fresh_snapshot_and_never_holds_the_publisher() -> None:
    bus = InProcessBus(subscriber_limit=3)
    slow = bus.subscribe()
    state = publish_replay(bus, "member-admin")  # 13 messages, no await in between
    first = await next_message(slow)
    assert first == bus.current() and first["version"] == state.version
    assert slow.resets >= 1
    slow.close()


async def test_closing_the_bus_ends_every_subscription() -> None:
    bus = InProcessBus()
    subscription = bus.subscribe()
    await next_message(subscription)
    waiting = asyncio.create_task(anext(subscription))
    await asyncio.sleep(0)
    await bus.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(waiting, 1.0)
    assert bus.subscribers == 0


# The keeper: what the AMI client calls

class RecordedAmi:
    """Answers QueueStatus with the recorded list; `during` runs while the answer travels."""

    def __init__(self, during: Callable[[], Awaitable[None]] | None = None) -> None:
        self.during = during

    async def action_list(
        self, name: str, headers: Mapping[str, str | int] | None = None, *, timeout: float = 10.0
    ) -> list[Frame]:
        assert name == "QueueStatus"
        if self.during is not None:
            await self.during()
        return queue_status_list()


async def test_the_keeper_publishes_a_snapshot_on_connect_then_only_changes() -> None:
    bus = InProcessBus()
    keeper = LiveStateKeeper(bus, clock=lambda: NOW)
    await keeper.on_connected(RecordedAmi())
    assert bus.current() == snapshot_message(keeper.state, NOW)
    assert len(bus.current()["operators"]) == 9
    subscription = bus.subscribe()
    await next_message(subscription)
    pause = until(frames_of("member-admin"), "QueueMemberPause")[-1]
    unpause = altered(pause, Paused="0")
    for frame in [Frame((("Event", "Newexten"),)), pause, unpause, unpause]:
        await keeper.on_event(frame)  # the list already had the pause: one change only
    change = await next_message(subscription)
    assert list(change["operators"]) == ["PJSIP/1006"] and change["queues"]
    assert change["version"] == keeper.state.version
    assert bus.current() == snapshot_message(keeper.state, NOW)
    await bus.close()


async def test_a_sweep_publishes_only_when_it_corrects_something() -> None:
    bus = InProcessBus()
    keeper = LiveStateKeeper(bus, clock=lambda: NOW)
    await keeper.on_connected(RecordedAmi())
    version = keeper.state.version
    keeper.rebuild_from(queue_status_list(), always=False)
    assert keeper.state.version == version  # nothing new: nothing published
    unpause = altered(until(frames_of("member-admin"), "QueueMemberPause")[-1], Paused="0")
    await keeper.on_event(unpause)  # as if the list's pause of 1006 had been lost
    keeper.rebuild_from(queue_status_list(), always=False)
    assert keeper.state.operators["PJSIP/1006"].status() is DisplayStatus.PAUSED
    assert bus.current()["type"] == "snapshot"


async def test_a_sweep_overtaken_by_an_event_waits_for_the_next_one() -> None:
    bus = InProcessBus()
    keeper = LiveStateKeeper(bus, clock=lambda: NOW)
    await keeper.on_connected(RecordedAmi())
    join = until(frames_of("queue-answered"), "QueueCallerJoin")[-1]

    joined = asyncio.Event()

    async def caller_joins() -> None:
        await keeper.on_event(join)
        joined.set()

    sweeping = asyncio.create_task(keeper.sweep(RecordedAmi(caller_joins), interval=0.01))
    # One sweep only: the join is applied again on each, and a later sweep whose list came
    # with no event meanwhile rightly takes the list (here without the caller) as the truth;
    # stopping after some number of sweeps made the outcome depend on the machine's speed.
    await joined.wait()
    sweeping.cancel()  # lands at the sweep's next sleep, after it judged this list
    with pytest.raises(asyncio.CancelledError):
        await sweeping
    # The list (without the caller) never replaced the newer state (with it).
    assert [c.call_id for c in keeper.state.queues["alo153"].callers] == [ANSWERED_CALL]
