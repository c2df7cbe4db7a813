"""The feedback console's API over a real ticket store and read audit on a SQLite file.

The callback queue and the dialer are in-memory stand-ins speaking the ports
(`cti.web.ports.Callbacks`, `Dialer`): the dialer places no calls here, it records what it was
asked. Every JSON answer is held to the OpenAPI document (`answer`).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler

from cti.domain.calendar import ISTANBUL
from cti.domain.roles import Principal, Role
from cti.domain.tickets.feedback import FeedbackEnd, waived
from cti.domain.tickets.ticket import Ticket, TicketDraft
from cti.storage.access_audit import AccessAudit
from cti.storage.call_log import CallLog
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.tickets import TicketStore
from cti.web.app import create_app
from cti.web.identity import PRINCIPAL
from cti.web.server import RUNNER_OPTIONS
from dialer.day_summary import DaySummary, FinishedCallback
from tests.unit.test_web_api import Client, FakeHealth, FakeQueues, answer

UNIT = "abb-aydinlatma"
RESOLUTION = "Direk 14'teki ampul ve sigorta değiştirildi"
WORDS = "Lamba iki gün yandı, yine sönük; sokak karanlık"
USER = "X-Test-User"


def as_user(name: str, role: str, extension: str = "") -> dict[str, str]:
    return {USER: f"{name}:{role}:{extension}"}


FEEDBACK = as_user("fb2001", "feedback_operator", "2001")
OTHER = as_user("fb2002", "feedback_operator", "2002")
NO_PHONE = as_user("fb2003", "feedback_operator")
LEADER = as_user("lead", "supervisor")


@web.middleware
async def principal_from_header(request: web.Request, handler: Handler) -> web.StreamResponse:
    header = request.headers.get(USER)
    if header:
        name, role, extension = header.split(":")
        request[PRINCIPAL] = Principal(user_id=1, username=name, full_name=name,
                                       roles=frozenset({Role(role)}),
                                       extension=extension or None)
    return await handler(request)


@dataclasses.dataclass
class Entry:
    """A callback as `CallbackStore` keeps it, reduced to what the console shows."""

    callback_id: int
    ticket_number: str
    category: str
    unit: str | None
    resolution: str | None
    resolved_at: float
    due_at: float
    status: str = "waiting"
    priority: int = 1
    attempts: int = 0
    max_attempts: int = 3
    last_outcome: str | None = None
    assigned_to: str | None = None
    outcome: str | None = None
    appointment_at: float | None = None

    @property
    def stage(self) -> str:
        if self.status != "waiting":
            return self.status
        return "due" if self.due_at <= time.time() else "scheduled"


class MemoryCallbacks:
    """The callback queue's rules the routes rely on: take only a waiting callback nobody
    else took; close once."""

    def __init__(self) -> None:
        self.entries: dict[int, Entry] = {}
        self.attempts: dict[str, int] = {}
        self.operators: dict[int, str] = {}
        self.withdrawn: list[tuple[int, str, str]] = []

    def add(self, entry: Entry) -> Entry:
        self.entries[entry.callback_id] = entry
        return entry

    async def queue_view(self, limit: int) -> Sequence[Entry]:
        return [e for e in self.entries.values() if e.status != "done"][:limit]

    async def get(self, callback_id: int) -> Entry | None:
        return self.entries.get(callback_id)

    async def of_attempt(self, attempt_id: str) -> Entry | None:
        found = self.attempts.get(attempt_id)
        return None if found is None else self.entries[found]

    async def take(self, callback_id: int, operator: str) -> Entry | None:
        entry = self.entries.get(callback_id)
        if entry is None or entry.status != "waiting" or entry.assigned_to not in (None, operator):
            return None
        entry.assigned_to = operator
        return entry

    async def verdict(self, callback_id: int, verdict: str, end: FeedbackEnd, actor: str,
                      now: float, *, tickets: TicketStore,
                      score: int | None = None) -> Ticket | None:
        entry = self.entries[callback_id]
        if entry.status == "done":
            return None
        ticket = await tickets.feedback_ended(entry.ticket_number, end, actor, score=score)
        entry.status, entry.outcome = "done", verdict
        return ticket

    async def day_summary(self, day: date) -> DaySummary:
        done = [e for e in self.entries.values() if e.status in ("done", "cancelled")]
        return DaySummary(day=day, callbacks=Counter(e.outcome or "unknown" for e in done),
                          finished=tuple(FinishedCallback(
                              e.callback_id, e.ticket_number, e.unit, e.outcome or "unknown",
                              self.operators.get(e.callback_id), None, e.attempts, time.time())
                              for e in reversed(done)))  # the latest first

    async def release(self, callback_id: int, operator: str | None) -> bool:
        entry = self.entries[callback_id]
        if entry.status != "waiting" or entry.assigned_to is None or (
                operator is not None and entry.assigned_to != operator):
            return False
        entry.assigned_to = None
        return True

    async def withdraw(self, callback_id: int, reason: str, actor: str, now: float, *,
                       tickets: TicketStore) -> bool:
        entry = self.entries[callback_id]
        if entry.status != "waiting":
            return False
        entry.status, entry.outcome, entry.assigned_to = "cancelled", "cancelled", None
        self.withdrawn.append((callback_id, reason, actor))
        await tickets.feedback_ended(entry.ticket_number, waived(reason), actor)
        return True

    async def later(self, callback_id: int, at: float, actor: str, now: float,
                    note: str | None = None, *, tickets: object = None) -> float | None:
        entry = self.entries[callback_id]
        if entry.status not in ("calling", "connected"):
            return None
        entry.status, entry.due_at, entry.appointment_at = "waiting", at, at
        return at

    def connect(self, callback_id: int, attempt_id: str, operator: str = "fb2001") -> None:
        """What the dialer does when the citizen answers and an operator takes the call."""
        entry = self.entries[callback_id]
        entry.status, entry.attempts = "connected", entry.attempts + 1
        self.attempts[attempt_id] = callback_id
        self.operators[callback_id] = operator

    async def last_attempt_id(self, callback_id: int) -> str | None:
        found = [a for a, c in self.attempts.items() if c == callback_id]
        return found[-1] if found else None

    async def handled_by(self, callback_id: int) -> str | None:
        return self.operators.get(callback_id)


class RecordingDialer:
    def __init__(self, callbacks: MemoryCallbacks, mode: str = "preview") -> None:
        self.mode = mode
        self.asked: list[tuple[int, str, str]] = []
        self._callbacks = callbacks

    async def call_now(self, callback_id: int, operator: str, extension: str) -> str:
        entry = self._callbacks.entries[callback_id]
        if entry.status != "waiting":
            raise LookupError(callback_id)
        self.asked.append((callback_id, operator, extension))
        attempt_id = f"cb{callback_id}-{entry.attempts + 1}-t0k3n"
        entry.status = "calling"
        self._callbacks.attempts[attempt_id] = callback_id
        return attempt_id


@dataclasses.dataclass
class Setup:
    client: Client
    tickets: TicketStore
    audit: AccessAudit
    callbacks: MemoryCallbacks
    dialer: RecordingDialer

    async def resolved(self, *, due_in: float = -60.0, **fields: Any) -> Entry:
        """A phoned-in ticket forwarded, resolved by its unit, and queued for a callback."""
        draft = TicketDraft(**{"description": "Sokak lambası yanmıyor", "category":
                               "sokak-lambasi", "citizen_phone": "05321112233",
                               "citizen_name": "Zeynep Kaya", **fields})
        ticket = await self.tickets.create(draft, "op1001")
        await self.tickets.forward(ticket.number, UNIT, None, "op1001")
        await self.tickets.resolve(ticket.number, RESOLUTION, "birim1")
        now = time.time()
        return self.callbacks.add(Entry(
            len(self.callbacks.entries) + 1, ticket.number, ticket.category, UNIT,
            RESOLUTION, resolved_at=now - 600, due_at=now + due_in))


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cti.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    tickets = TicketStore(sessions, attachments_dir=tmp_path / "files")
    audit = AccessAudit(sessions)
    callbacks = MemoryCallbacks()
    dialer = RecordingDialer(callbacks)
    app = create_app(calls=CallLog(sessions), queues=FakeQueues(), health=FakeHealth(),
                     auth=principal_from_header, tickets=tickets, access_audit=audit,
                     callbacks=callbacks, dialer=dialer)
    server = TestServer(app)
    await server.start_server(**RUNNER_OPTIONS)
    client = TestClient(server)
    await client.start_server()
    yield Setup(client, tickets, audit, callbacks, dialer)
    await client.close()
    await engine.dispose()


async def queue(setup: Setup, headers: dict[str, str] = FEEDBACK) -> Any:
    return await answer(setup.client, "/api/callbacks", 200, headers=headers)


def numbers(section: list[dict[str, Any]]) -> list[str]:
    return [c["ticket_number"] for c in section]


async def outcome(setup: Setup, entry: Entry, status: int, **body: Any) -> Any:
    return await answer(setup.client, f"/api/callbacks/{entry.callback_id}/outcome", status,
                        method="post", json=body, headers=FEEDBACK)


async def test_the_queue_shows_due_scheduled_and_calling_callbacks_with_the_resolution(
    setup: Setup,
) -> None:
    due = await setup.resolved()
    later = await setup.resolved(due_in=7200)
    on_line = await setup.resolved()
    setup.callbacks.connect(on_line.callback_id, "cb3-1-abc")
    shown = await queue(setup)
    assert shown["mode"] == "preview"
    assert numbers(shown["waiting"]) == [due.ticket_number]
    assert numbers(shown["scheduled"]) == [later.ticket_number]
    assert numbers(shown["calling"]) == [on_line.ticket_number]
    first = shown["waiting"][0]
    assert (first["unit"], first["resolution"], first["category"]) == (
        UNIT, RESOLUTION, "sokak-lambasi")
    assert shown["scheduled"][0]["due_at"] == pytest.approx(later.due_at)
    entries = await setup.audit.entries(actor="fb2001")
    assert [(e.action, e.subject) for e in entries] == [("list_callbacks", "count=3")]


async def test_another_operators_preview_is_theirs_alone_but_the_leader_sees_it(
    setup: Setup,
) -> None:
    mine, theirs = await setup.resolved(), await setup.resolved()
    await answer(setup.client, f"/api/callbacks/{theirs.callback_id}/take", 200,
                 method="post", headers=OTHER)
    assert numbers((await queue(setup))["waiting"]) == [mine.ticket_number]
    leader = await queue(setup, LEADER)
    assert numbers(leader["waiting"]) == [mine.ticket_number, theirs.ticket_number]
    assert leader["waiting"][1]["assigned_to"] == "fb2002"
    await answer(setup.client, f"/api/callbacks/{theirs.callback_id}/take", 409,
                 method="post", headers=FEEDBACK)


async def test_preview_shows_the_ticket_then_calls_the_citizen_to_the_operators_phone(
    setup: Setup,
) -> None:
    entry = await setup.resolved()
    url = f"/api/callbacks/{entry.callback_id}"
    refused = await answer(setup.client, f"{url}/call", 409, method="post", headers=FEEDBACK)
    assert refused["error"]["code"] == "callback_not_taken"
    taken = await answer(setup.client, f"{url}/take", 200, method="post", headers=FEEDBACK)
    ticket = taken["ticket"]
    assert (ticket["number"], ticket["resolution"], ticket["citizen_name"]) == (
        entry.ticket_number, RESOLUTION, "Zeynep Kaya")
    assert taken["callback"]["assigned_to"] == "fb2001"
    entries = await setup.audit.entries(actor="fb2001")
    assert ("read_ticket", entry.ticket_number) in [(e.action, e.subject) for e in entries]

    placed = await answer(setup.client, f"{url}/call", 202, method="post", headers=FEEDBACK)
    assert placed == {"callback_id": entry.callback_id, "attempt_id": "cb1-1-t0k3n"}
    assert setup.dialer.asked == [(entry.callback_id, "fb2001", "2001")]
    again = await answer(setup.client, f"{url}/call", 409, method="post", headers=FEEDBACK)
    assert again["error"]["code"] == "callback_not_taken"
    assert len(setup.dialer.asked) == 1


async def test_a_preview_call_needs_preview_mode_and_a_softphone(setup: Setup) -> None:
    entry = await setup.resolved()
    url = f"/api/callbacks/{entry.callback_id}"
    await answer(setup.client, f"{url}/take", 200, method="post", headers=NO_PHONE)
    refused = await answer(setup.client, f"{url}/call", 409, method="post", headers=NO_PHONE)
    assert refused["error"]["code"] == "no_extension"
    setup.dialer.mode = "progressive"
    for step in ("take", "call"):
        refused = await answer(setup.client, f"{url}/{step}", 409, method="post",
                               headers=FEEDBACK)
        assert refused["error"]["code"] == "not_preview"
    assert setup.dialer.asked == []


async def test_the_pop_finds_the_ticket_of_the_attempt_on_the_line(setup: Setup) -> None:
    entry = await setup.resolved()
    setup.callbacks.connect(entry.callback_id, "cb1-1-x9")
    popped = await answer(setup.client, "/api/callbacks/attempts/cb1-1-x9", 200,
                          headers=FEEDBACK)
    assert (popped["callback"]["callback_id"], popped["callback"]["section"]) == (
        entry.callback_id, "calling")
    assert (popped["ticket"]["number"], popped["ticket"]["resolution"]) == (
        entry.ticket_number, RESOLUTION)
    entries = await setup.audit.entries(actor="fb2001")
    assert [(e.action, e.subject) for e in entries] == [("read_ticket", entry.ticket_number)]
    await answer(setup.client, "/api/callbacks/attempts/cb9-1-none", 404, headers=FEEDBACK)
    await answer(setup.client, "/api/callbacks/attempts/cb1%3B1", 400, headers=FEEDBACK)


async def test_not_solved_reopens_at_the_same_unit_higher_with_the_citizens_words(
    setup: Setup,
) -> None:
    entry = await setup.resolved(priority="normal")
    setup.callbacks.connect(entry.callback_id, "cb1-1-aa")
    done = await outcome(setup, entry, 200, outcome="not_solved", words=WORDS, satisfaction=2)
    ticket = done["ticket"]
    assert (ticket["status"], ticket["unit"], ticket["priority"], ticket["satisfaction"]) == (
        "reopened", UNIT, "high", 2)
    assert (done["callback"]["status"], done["callback"]["section"]) == ("done", "done")
    assert setup.callbacks.entries[entry.callback_id].outcome == "not_solved"
    detail = await setup.tickets.detail(entry.ticket_number)
    assert detail is not None
    reopened = [e for e in detail.events if e.changes.get("status", [None, None])[1]
                == "reopened"]
    assert len(reopened) == 1 and reopened[0].actor == "fb2001"
    assert reopened[0].changes["note"] == [None, WORDS]


async def test_confirmed_closes_the_ticket_and_keeps_the_score(setup: Setup) -> None:
    entry = await setup.resolved()
    setup.callbacks.connect(entry.callback_id, "cb1-1-bb")
    done = await outcome(setup, entry, 200, outcome="confirmed", satisfaction=5)
    assert (done["ticket"]["status"], done["ticket"]["satisfaction"]) == ("closed", 5)
    assert setup.callbacks.entries[entry.callback_id].outcome == "confirmed"
    again = await outcome(setup, entry, 409, outcome="confirmed")  # a second click
    assert again["error"]["code"] == "no_call"


async def test_a_wrong_number_closes_the_ticket_without_a_survey(setup: Setup) -> None:
    entry = await setup.resolved()
    setup.callbacks.connect(entry.callback_id, "cb1-1-cc")
    done = await outcome(setup, entry, 200, outcome="wrong_number")
    assert (done["ticket"]["status"], done["ticket"]["satisfaction"]) == ("closed", None)
    assert setup.callbacks.entries[entry.callback_id].outcome == "wrong_number"


async def test_a_citizen_who_asks_to_be_called_later_gets_an_appointment(setup: Setup) -> None:
    entry = await setup.resolved()
    setup.callbacks.connect(entry.callback_id, "cb1-1-ee")
    tomorrow = datetime.now(ISTANBUL).replace(microsecond=0) + timedelta(days=1)
    later = await outcome(setup, entry, 200, outcome="later", at=tomorrow.isoformat(),
                          words="Akşam işten sonra arayın")
    assert later["callback"]["section"] == "scheduled"
    assert later["callback"]["appointment_at"] == tomorrow.timestamp()
    assert later["ticket"]["status"] == "resolved"  # nothing decided yet
    assert setup.callbacks.entries[entry.callback_id].outcome is None


@pytest.mark.parametrize("at", [
    None, "", "yarın", "2026-11-27T15:00", True, [], -1, "now+5",  # no timezone, no moment
])
async def test_an_appointment_needs_a_moment_with_a_timezone(setup: Setup, at: Any) -> None:
    entry = await setup.resolved()
    setup.callbacks.connect(entry.callback_id, "cb1-1-ff")
    body = {"outcome": "later"} if at is None else {"outcome": "later", "at": at}
    refused = await outcome(setup, entry, 400, **body)
    assert refused["error"]["code"] == "invalid_parameter"
    assert setup.callbacks.entries[entry.callback_id].status == "connected"


@pytest.mark.parametrize("ahead", [60.0, 15 * 86400.0, -3600.0])
async def test_an_appointment_is_five_minutes_to_two_weeks_ahead(
    setup: Setup, ahead: float
) -> None:
    entry = await setup.resolved()
    setup.callbacks.connect(entry.callback_id, "cb1-1-gg")
    refused = await outcome(setup, entry, 400, outcome="later", at=time.time() + ahead)
    assert refused["error"]["code"] == "invalid_parameter"


async def test_an_outcome_needs_a_call_waiting_for_it(setup: Setup) -> None:
    entry = await setup.resolved()
    refused = await outcome(setup, entry, 409, outcome="confirmed")
    assert refused["error"]["code"] == "no_call"
    ticket = await setup.tickets.get(entry.ticket_number)
    assert ticket is not None and ticket.status.value == "resolved"


@pytest.mark.parametrize(("body", "code"), [
    ({"outcome": "maybe"}, "invalid_parameter"),
    ({}, "invalid_parameter"),
    ({"outcome": "not_solved"}, "invalid_field"),
    ({"outcome": "not_solved", "words": "   "}, "invalid_field"),
    ({"outcome": "not_solved", "words": "x" * 2001}, "invalid_field"),
    ({"outcome": "not_solved", "words": 7}, "invalid_parameter"),
    ({"outcome": "wrong_number", "words": "kimse"}, "invalid_parameter"),
    ({"outcome": "wrong_number", "satisfaction": 3}, "invalid_parameter"),
    ({"outcome": "confirmed", "satisfaction": 0}, "invalid_parameter"),
    ({"outcome": "confirmed", "satisfaction": 6}, "invalid_parameter"),
    ({"outcome": "confirmed", "satisfaction": True}, "invalid_parameter"),
    ({"outcome": "confirmed", "satisfaction": "5"}, "invalid_parameter"),
    ({"outcome": "confirmed", "satisfaction": 4.5}, "invalid_parameter"),
    ({"outcome": "confirmed", "note": "x"}, "unknown_parameter"),
    ({"outcome": "confirmed", "at": 1795000000}, "invalid_parameter"),
    ({"outcome": "later", "at": 1795000000, "satisfaction": 4}, "invalid_parameter"),
])
async def test_a_bad_outcome_is_refused_and_changes_nothing(
    setup: Setup, body: dict[str, Any], code: str,
) -> None:
    entry = await setup.resolved()
    setup.callbacks.connect(entry.callback_id, "cb1-1-dd")
    refused = await outcome(setup, entry, 400, **body)
    assert refused["error"]["code"] == code
    ticket = await setup.tickets.get(entry.ticket_number)
    assert ticket is not None and ticket.status.value == "resolved"
    assert setup.callbacks.entries[entry.callback_id].status == "connected"


@pytest.mark.parametrize(("path", "status"), [
    ("/api/callbacks/0/take", 400), ("/api/callbacks/abc/take", 400),
    ("/api/callbacks/99999999999/take", 400),
    ("/api/callbacks/99/take", 404), ("/api/callbacks/99/outcome", 404),
    ("/api/callbacks/1x/call", 400),
])
async def test_a_bad_or_unknown_callback_is_refused(setup: Setup, path: str,
                                                    status: int) -> None:
    await setup.resolved()
    await answer(setup.client, path, status, method="post", json={"outcome": "confirmed"}
                 if path.endswith("outcome") else None, headers=FEEDBACK)


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=x", "limit=1&limit=2", "q=1"])
async def test_the_queues_parameters_are_strict(setup: Setup, query: str) -> None:
    await answer(setup.client, f"/api/callbacks?{query}", 400, headers=FEEDBACK)


async def test_a_body_on_take_must_be_an_empty_object(setup: Setup) -> None:
    entry = await setup.resolved()
    await answer(setup.client, f"/api/callbacks/{entry.callback_id}/take", 400, method="post",
                 json={"operator": "someone-else"}, headers=FEEDBACK)
    assert setup.callbacks.entries[entry.callback_id].assigned_to is None


async def test_only_the_operator_who_had_the_call_records_its_verdict(setup: Setup) -> None:
    entry = await setup.resolved()
    setup.callbacks.connect(entry.callback_id, "cb1-1-aa", operator="fb2001")
    refused = await answer(setup.client, f"/api/callbacks/{entry.callback_id}/outcome", 409,
                           method="post", json={"outcome": "confirmed"}, headers=OTHER)
    assert refused["error"]["code"] == "not_your_call"
    ticket = await setup.tickets.get(entry.ticket_number)
    assert ticket is not None and ticket.status.value == "resolved"  # nothing changed
    await outcome(setup, entry, 200, outcome="confirmed")


async def test_a_taken_callback_goes_back_by_its_operator_or_the_team_leader(
    setup: Setup,
) -> None:
    entry = await setup.resolved()
    url = f"/api/callbacks/{entry.callback_id}"
    refused = await answer(setup.client, f"{url}/release", 409, method="post", headers=FEEDBACK)
    assert refused["error"]["code"] == "callback_not_taken"  # nobody took it
    await answer(setup.client, f"{url}/take", 200, method="post", headers=FEEDBACK)
    await answer(setup.client, f"{url}/release", 409, method="post", headers=OTHER)
    freed = await answer(setup.client, f"{url}/release", 200, method="post", headers=FEEDBACK)
    assert freed["callback"]["assigned_to"] is None
    await answer(setup.client, f"{url}/take", 200, method="post", headers=OTHER)
    freed = await answer(setup.client, f"{url}/release", 200, method="post", headers=LEADER)
    assert freed["callback"]["assigned_to"] is None
    assert numbers((await queue(setup))["waiting"]) == [entry.ticket_number]
    setup.callbacks.connect(entry.callback_id, "cb1-1-aa")  # being called: nothing to put back
    refused = await answer(setup.client, f"{url}/release", 409, method="post", headers=LEADER)
    assert refused["error"]["code"] == "callback_not_waiting"


async def test_the_team_leader_cancels_a_waiting_callback_with_a_reason(setup: Setup) -> None:
    entry, on_line = await setup.resolved(), await setup.resolved()
    setup.callbacks.connect(on_line.callback_id, "cb2-1-aa")
    reason = "Vatandaş aranmak istemediğini bildirdi"
    for body in ({}, {"reason": "  "}, {"reason": reason, "extra": 1}, {"reason": 5}):
        await answer(setup.client, f"/api/callbacks/{entry.callback_id}/cancel", 400,
                     method="post", json=body, headers=LEADER)
    assert setup.callbacks.withdrawn == []
    done = await answer(setup.client, f"/api/callbacks/{entry.callback_id}/cancel", 200,
                        method="post", json={"reason": reason}, headers=LEADER)
    assert done["callback"]["status"] == "cancelled"
    assert setup.callbacks.withdrawn == [(entry.callback_id, reason, "lead")]
    ticket = await setup.tickets.get(entry.ticket_number)
    assert ticket is not None and ticket.status.value == "closed"
    for busy in (entry, on_line):  # finished, or a call is on: nothing to take off the list
        refused = await answer(setup.client, f"/api/callbacks/{busy.callback_id}/cancel", 409,
                               method="post", json={"reason": reason}, headers=LEADER)
        assert refused["error"]["code"] == "callback_not_waiting"
    await answer(setup.client, "/api/callbacks/99/cancel", 404, method="post",
                 json={"reason": reason}, headers=LEADER)


async def test_the_team_leader_reads_the_day_s_finished_callbacks_one_by_one(
    setup: Setup,
) -> None:
    reached, cancelled = await setup.resolved(), await setup.resolved()
    setup.callbacks.connect(reached.callback_id, "cb1-1-aa")
    await outcome(setup, reached, 200, outcome="confirmed")
    await answer(setup.client, f"/api/callbacks/{cancelled.callback_id}/cancel", 200,
                 method="post", json={"reason": "Aranmak istemiyor"}, headers=LEADER)
    day = await answer(setup.client, "/api/callbacks/summary?day=2026-11-26", 200,
                       headers=LEADER)
    assert day["callbacks"] == {"confirmed": 1, "cancelled": 1}
    assert [(f["ticket_number"], f["outcome"], f["operator"]) for f in day["finished"]] == [
        (cancelled.ticket_number, "cancelled", None),
        (reached.ticket_number, "confirmed", "fb2001")]
    audited = [e.subject for e in await setup.audit.entries(actor="lead")
               if e.action == "callback_summary"]
    assert audited == ["day=2026-11-26 count=2"]
