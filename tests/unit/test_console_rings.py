"""Ring tracking and the console service, on recorded and hand-made AMI frames."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from cti.console.history import PopHistory
from cti.console.hub import ConsoleHub
from cti.console.queue_control import QueueControl
from cti.console.rings import (
    CallAnswered,
    CallEnded,
    CallerWaiting,
    CallGone,
    RingEnded,
    RingStarted,
    RingTracker,
    extension_of,
)
from cti.console.service import ConsoleService
from cti.console.wrapup import WrapUp
from cti.live.state import LiveState
from cti.storage.dispositions import Disposition
from cti.telephony.ami.frames import Frame, FrameBuffer
from tests.transcripts import session_bytes

CALL = "alo153-1795680858.0"


def frame(event: str, **headers: str) -> Frame:
    return Frame((("Event", event), *headers.items()))


def called(extension: str, *, call: str = CALL, leg: str = "", **extra: str) -> Frame:
    return frame("AgentCalled", Interface=f"PJSIP/{extension}", Queue="alo153",
                 Linkedid=call, Uniqueid=call, DestUniqueid=leg or f"{call}-{extension}",
                 CallerIDNum="05321234567", CallerIDName="Ayşe <b>Yılmaz</b>",
                 Timestamp="1795680858.952158", **extra)


def agent(event: str, extension: str, *, call: str = CALL) -> Frame:
    return frame(event, Interface=f"PJSIP/{extension}", Queue="alo153", Linkedid=call,
                 Uniqueid=call, MemberName=f"op{extension}")


def test_a_recorded_answered_call_rings_answers_and_ends_one_operator() -> None:
    tracker, events = RingTracker(), []
    for parsed in FrameBuffer().feed(session_bytes("queue-answered")):
        events += tracker.read(parsed, 0.0)
    kinds = [type(e) for e in events]
    assert kinds == [CallerWaiting, RingStarted, CallAnswered, CallEnded, CallGone]
    ring = events[1]
    assert isinstance(ring, RingStarted)
    assert (ring.extension, ring.queue, ring.at) == ("1001", "alo153", 1795680858.952158)
    assert ring.caller_name == "Vatandas 1"


def test_ring_all_closes_the_pops_of_those_who_did_not_answer() -> None:
    tracker = RingTracker()
    tracker.read(called("1001"), 0)
    tracker.read(called("1002"), 0)
    events = tracker.read(agent("AgentConnect", "1002"), 0)
    assert events[0] == RingEnded(extension="1001", call_id=CALL, reason="answered_elsewhere")
    assert isinstance(events[1], CallAnswered) and events[1].extension == "1002"


def test_a_ring_that_times_out_closes_only_that_pop() -> None:
    tracker = RingTracker()
    tracker.read(called("1001"), 0)
    tracker.read(called("1002"), 0)
    assert tracker.read(agent("AgentRingNoAnswer", "1001"), 0) == [
        RingEnded(extension="1001", call_id=CALL, reason="no_answer")]
    assert tracker.ringing(CALL) == ("1002",)


def test_the_caller_hanging_up_closes_every_pop() -> None:
    tracker = RingTracker()
    tracker.read(called("1001"), 0)
    tracker.read(called("1002"), 0)
    events = tracker.read(frame("Hangup", Uniqueid=CALL, Linkedid=CALL), 0)
    assert {e.extension for e in events if isinstance(e, RingEnded)} == {"1001", "1002"}
    assert events[-1] == CallGone(call_id=CALL)


def test_an_operator_leg_hung_up_while_ringing_closes_its_pop() -> None:
    tracker = RingTracker()
    tracker.read(called("1001", leg="leg-1"), 0)
    events = tracker.read(frame("Hangup", Uniqueid="leg-1", Linkedid=CALL), 0)
    assert events == [RingEnded(extension="1001", call_id=CALL, reason="cancelled")]


def test_hints_come_from_the_lookups_channel_variables() -> None:
    ring = RingTracker().read(Frame((
        *called("1001").headers, ("ChanVariable", "ALO153_OPEN=2"),
        ("ChanVariable", "ALO153_REPEAT=1"), ("ChanVariable", "OTHER=x"),
        ("DestChanVariable", "ALO153_OPEN=9"))), 0)[0]
    assert isinstance(ring, RingStarted)
    assert ring.hints == {"open": "2", "repeat": "1"}


def test_garbage_frames_give_no_events() -> None:
    tracker = RingTracker()
    for bad in (frame("AgentCalled"), frame("AgentConnect", Interface="x"),
                frame("Hangup"), frame("AgentRingNoAnswer", Interface="PJSIP/1")):
        assert isinstance(tracker.read(bad, 0), list)
    assert tracker.read(frame("AgentCalled", Interface="PJSIP/1001"), 0) == []


@pytest.mark.parametrize(("interface", "extension"), [
    ("PJSIP/1001", "1001"), ("Local/1002@alo153-operators/n", "1002"), ("", "")])
def test_extension_of(interface: str, extension: str) -> None:
    assert extension_of(interface) == extension


class FakeAmi:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str | int]]] = []

    async def action(self, name: str, headers: Mapping[str, str | int] | None = None,
                     variables: Mapping[str, str] | None = None, *,
                     timeout: float = 5.0) -> Frame:
        self.sent.append((name, dict(headers or {})))
        return Frame((("Response", "Success"),))


class MemoryDispositions:
    def __init__(self) -> None:
        self.saved: list[Disposition] = []

    async def record(self, disposition: Disposition) -> bool:
        self.saved.append(disposition)
        return True


async def lookup(number: str) -> dict[str, Any]:
    return {"tickets": [{"number": "153-2026-000001", "status": "forwarded"}],
            "calls": [{"call_id": CALL}, {"call_id": "earlier"}]}


@dataclass
class Rig:
    service: ConsoleService
    hub: ConsoleHub
    ami: FakeAmi
    saved: MemoryDispositions
    wrapup: WrapUp


def console(seconds: float = 30.0) -> Rig:
    hub, ami, saved = ConsoleHub(), FakeAmi(), MemoryDispositions()
    wrapup = WrapUp(QueueControl(ami), saved,  # type: ignore[arg-type]
                    seconds={"alo153": seconds})
    service = ConsoleService(hub, PopHistory(lookup), wrapup, LiveState)
    return Rig(service, hub, ami, saved, wrapup)


async def test_the_pop_carries_the_history_fetched_when_the_caller_joined() -> None:
    rig = console()
    service, hub = rig.service, rig.hub
    with hub.subscribe("1001") as outbox:
        service.on_frame(frame("QueueCallerJoin", Linkedid=CALL, Uniqueid=CALL,
                               CallerIDNum="0532 123 45 67", Queue="alo153"))
        await asyncio.sleep(0)
        service.on_frame(called("1001"))
        pop = outbox.messages.get_nowait()
    assert pop["type"] == "pop" and pop["caller"]["number"] == "05321234567"
    assert pop["caller"]["name"] == "Ayşe <b>Yılmaz</b>"  # verbatim: the page escapes it
    assert pop["history"]["tickets"][0]["number"] == "153-2026-000001"
    assert [c["call_id"] for c in pop["history"]["calls"]] == ["earlier"]  # not this call
    await service.close()


async def test_without_history_yet_the_pop_goes_at_once_and_the_history_follows() -> None:
    rig = console()
    service, hub = rig.service, rig.hub
    with hub.subscribe("1001") as outbox:
        service.on_frame(called("1001"))
        first = outbox.messages.get_nowait()
        follow = await asyncio.wait_for(outbox.messages.get(), 1)
    assert first["type"] == "pop" and first["history"] is None
    assert follow["type"] == "history" and follow["call_id"] == CALL
    assert service.hello("1001")["pops"][0]["history"] == follow["history"]
    await service.close()


async def test_answered_call_becomes_the_working_screen_then_wrap_up_pauses() -> None:
    rig = console()
    service, hub, ami, saved, wrapup = rig.service, rig.hub, rig.ami, rig.saved, rig.wrapup
    with hub.subscribe("1002") as two, hub.subscribe("1001") as one:
        service.on_frame(called("1001"))
        service.on_frame(called("1002"))
        service.on_frame(agent("AgentConnect", "1002"))
        service.on_frame(agent("AgentComplete", "1002"))
        await asyncio.sleep(0.01)
        seen_one = [m["type"] for m in _drain(one)]
        seen_two = [m["type"] for m in _drain(two)]
    assert seen_one[0] == "pop" and "pop_closed" in seen_one and "call" not in seen_one
    assert seen_two[:3] == ["pop", "call", "call_ended"] and "wrapup" in seen_two
    assert ("QueuePause", {"Interface": "PJSIP/1002", "Paused": "true", "Reason": "acw"}) \
        in ami.sent
    assert [p.call_id for p in wrapup.pending("1002")] == [CALL]
    await wrapup.dispose("1002", "op1002", CALL, "bilgi_verildi", "ok")
    assert saved.saved[0].code == "bilgi_verildi" and not saved.saved[0].timed_out
    assert ami.sent[-1] == ("QueuePause", {"Interface": "PJSIP/1002", "Paused": "false"})
    assert wrapup.pending("1002") == []
    await service.close()


async def test_wrap_up_times_out_with_the_timeout_code_and_resumes() -> None:
    rig = console(seconds=0.05)
    service, ami, saved = rig.service, rig.ami, rig.saved
    service.on_frame(agent("AgentConnect", "1001"))
    service.on_frame(agent("AgentComplete", "1001"))
    await asyncio.sleep(0.2)
    assert [(d.code, d.timed_out) for d in saved.saved] == [("zaman_asimi", True)]
    assert ami.sent[-1][1]["Paused"] == "false"
    await service.close()


async def test_an_agent_complete_without_the_callers_fields_still_names_the_call() -> None:
    """Raised after the caller's channel is gone, AgentComplete carries only the operator's
    fields; the wrap-up must still be for this call, or no verdict or code could end it."""
    rig = console()
    service, wrapup = rig.service, rig.wrapup
    service.on_frame(agent("AgentConnect", "1001"))
    service.on_frame(frame("AgentComplete", Interface="PJSIP/1001", Queue="alo153",
                           MemberName="op1001", DestLinkedid=CALL, DestUniqueid="op-leg",
                           Reason="caller"))
    await asyncio.sleep(0.01)
    assert [p.call_id for p in wrapup.pending("1001")] == [CALL]
    assert not wrapup.coded("1001", CALL)
    await wrapup.dispose("1001", "op1001", CALL, "geri_arama_cozuldu")
    assert wrapup.pending("1001") == [] and wrapup.coded("1001", CALL)
    await service.close()


async def test_an_agent_complete_without_any_channel_ids_is_for_the_call_the_phone_answered(
) -> None:
    """Once both channels are gone from Asterisk's cache, AgentComplete names neither party
    (seen on a loaded machine): the wrap-up is for the call this phone was talking on."""
    rig = console()
    service, wrapup = rig.service, rig.wrapup
    service.on_frame(agent("AgentConnect", "1001"))
    service.on_frame(agent("AgentConnect", "1002", call="other-call"))
    service.on_frame(frame("AgentComplete", Interface="PJSIP/1001", Queue="alo153",
                           MemberName="op1001", Reason="caller"))
    await asyncio.sleep(0.01)
    assert [p.call_id for p in wrapup.pending("1001")] == [CALL]
    assert wrapup.pending("1002") == []
    # The next call's AgentComplete, also bare, is not mistaken for this one.
    service.on_frame(agent("AgentConnect", "1001", call="next-call"))
    service.on_frame(frame("AgentComplete", Interface="PJSIP/1001", Queue="alo153",
                           MemberName="op1001", Reason="agent"))
    await asyncio.sleep(0.01)
    assert [p.call_id for p in wrapup.pending("1001")] == [CALL, "next-call"]
    await service.close()


def test_a_bare_agent_complete_for_a_phone_that_answered_nothing_names_no_call() -> None:
    tracker = RingTracker()
    [ended] = tracker.read(frame("AgentComplete", Interface="PJSIP/1001", Queue="alo153"), 0)
    assert isinstance(ended, CallEnded) and ended.call_id == ""


def bare_complete(extension: str, queue: str = "alo153") -> Frame:
    return frame("AgentComplete", Interface=f"PJSIP/{extension}", Queue=queue,
                 MemberName=f"op{extension}", Reason="caller")


def ended_call(events: list[object]) -> str:
    [ended] = [e for e in events if isinstance(e, CallEnded)]
    return ended.call_id


def test_a_late_bare_agent_complete_ends_the_oldest_call_of_its_queue() -> None:
    """Connected to the next citizen before the last call's complete came (no wrap-up time in
    the feedback queue): the late, bare complete is the first call's, not the one going on."""
    tracker = RingTracker()
    tracker.read(agent("AgentConnect", "1001", call="first"), 0)
    tracker.read(agent("AgentConnect", "1001", call="second"), 0)
    assert ended_call(tracker.read(bare_complete("1001"), 0)) == "first"
    assert ended_call(tracker.read(agent("AgentComplete", "1001", call="second"), 0)) == "second"
    assert ended_call(tracker.read(bare_complete("1001"), 0)) == ""  # nothing left to end
    tracker.read(agent("AgentConnect", "1001", call="third"), 0)
    assert ended_call(tracker.read(bare_complete("1001", "alo153-feedback"), 0)) == ""


def test_after_a_resync_no_call_is_guessed_for_a_bare_agent_complete() -> None:
    tracker = RingTracker()
    tracker.read(agent("AgentConnect", "1001"), 0)
    tracker.resynced()  # its complete may have been lost with the link
    assert ended_call(tracker.read(bare_complete("1001"), 0)) == ""


async def test_a_code_given_during_the_call_skips_wrap_up() -> None:
    rig = console()
    service, ami, wrapup = rig.service, rig.ami, rig.wrapup
    service.on_frame(agent("AgentConnect", "1001"))
    await wrapup.dispose("1001", "op1001", CALL, "cozuldu")
    service.on_frame(agent("AgentComplete", "1001"))
    await asyncio.sleep(0.01)
    assert wrapup.pending("1001") == [] and not any(h.get("Reason") for _, h in ami.sent)
    await service.close()


async def test_codes_only_for_ones_own_calls_and_known_codes() -> None:
    from cti.console.wrapup import WrapUpError

    rig = console()
    service, saved, wrapup = rig.service, rig.saved, rig.wrapup
    service.on_frame(agent("AgentConnect", "1001"))
    with pytest.raises(WrapUpError):
        await wrapup.dispose("1002", "op1002", CALL, "cozuldu")
    with pytest.raises(WrapUpError):
        await wrapup.dispose("1001", "op1001", CALL, "<script>")
    assert saved.saved == []
    await service.close()


async def test_an_operator_who_paused_during_wrap_up_stays_paused() -> None:
    ami, saved = FakeAmi(), MemoryDispositions()
    wrapup = WrapUp(QueueControl(ami), saved, seconds={"alo153": 30},  # type: ignore[arg-type]
                    pause_reason=lambda extension: "mola")
    wrapup.answered("1001", CALL)
    await wrapup.call_ended("1001", "op1001", CALL, "alo153")
    await wrapup.dispose("1001", "op1001", CALL, "cozuldu")
    assert ami.sent[-1][1].get("Paused") == "true"  # the acw pause; no resume after it
    await wrapup.close()


def test_a_browser_that_stops_reading_is_cut_not_waited_for() -> None:
    hub = ConsoleHub()
    with hub.subscribe("1001") as outbox:
        for i in range(600):
            hub.publish("1001", {"type": "agent", "i": i})
        assert outbox.overflowed.is_set()
    assert hub.connected() == []


def _drain(outbox: Any) -> list[dict[str, Any]]:
    found = []
    while not outbox.messages.empty():
        found.append(outbox.messages.get_nowait())
    return found


async def test_after_a_restart_operators_left_in_wrap_up_are_resumed() -> None:
    from cti.live.state import Membership, Operator

    left = Operator(interface="PJSIP/1003", name="op1003", memberships=(
        Membership(queue="alo153", paused=True, pause_reason="acw"),))
    on_break = Operator(interface="PJSIP/1004", name="op1004", memberships=(
        Membership(queue="alo153", paused=True, pause_reason="mola"),))
    hub, ami, saved = ConsoleHub(), FakeAmi(), MemoryDispositions()
    wrapup = WrapUp(QueueControl(ami), saved)  # type: ignore[arg-type]
    live = LiveState(operators={o.interface: o for o in (left, on_break)})
    service = ConsoleService(hub, PopHistory(lookup), wrapup, lambda: live)
    service.on_resynced()
    await asyncio.sleep(0.01)
    assert ami.sent == [("QueuePause", {"Interface": "PJSIP/1003", "Paused": "false"})]
    await service.close()


async def test_pops_whose_ring_ended_while_the_link_was_down_close_on_link_up() -> None:
    rig = console()
    with rig.hub.subscribe("1001") as outbox:
        rig.service.on_frame(called("1001"))  # its AgentRingNoAnswer is lost with the link
        rig.service.on_resynced()  # the rebuilt state says 1001 rings nothing
        kinds = [m["type"] for m in _drain(outbox)]
    assert "pop_closed" in kinds and rig.service.hello("1001")["pops"] == []
    await rig.service.close()


async def test_a_verdict_code_never_replaces_the_operators_own_code() -> None:
    from cti.console.desk import ConsoleDesk
    from cti.domain.roles import Principal, Role

    rig = console()
    control = QueueControl(rig.ami)  # type: ignore[arg-type]
    desk = ConsoleDesk(rig.service, rig.hub, control, rig.wrapup)
    fatma = Principal(user_id=1, username="op1001", full_name="Fatma Bulut",
                      roles=frozenset({Role.FEEDBACK_OPERATOR}), extension="1001")
    rig.service.on_frame(agent("AgentConnect", "1001"))
    rig.service.on_frame(agent("AgentComplete", "1001"))
    await asyncio.sleep(0.01)
    await desk.dispose(fatma, CALL, "bilgi_verildi", "ayrıntılı anlatıldı", None)
    await desk.code_unless_coded(fatma, CALL, "geri_arama_cozuldu")
    assert [(d.code, d.note) for d in rig.saved.saved] == [
        ("bilgi_verildi", "ayrıntılı anlatıldı")]
    other = "1795.99"  # not coded yet: the verdict codes it
    rig.service.on_frame(agent("AgentConnect", "1001", call=other))
    rig.service.on_frame(agent("AgentComplete", "1001", call=other))
    await asyncio.sleep(0.01)
    await desk.code_unless_coded(fatma, other, "geri_arama_cozuldu")
    assert rig.saved.saved[-1].code == "geri_arama_cozuldu"
    assert rig.wrapup.pending("1001") == []
    await rig.service.close()
