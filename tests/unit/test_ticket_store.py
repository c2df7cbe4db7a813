"""The ticket store and the read audit on a SQLite file; `TicketStoreBehaviour` runs on
PostgreSQL too (tests/integration/test_ticket_store_postgres.py)."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.domain.tickets.errors import (
    AttachmentRefused,
    InvalidTicket,
    InvalidTransition,
    TicketNotFound,
)
from cti.domain.tickets.fields import Channel, Priority
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import TicketDraft, TicketPatch
from cti.storage.access_audit import AccessAudit
from cti.storage.db import create_engine, session_factory
from cti.storage.keyset import InvalidCursor
from cti.storage.migrate import upgrade
from cti.storage.tickets import TicketStore, history_statement

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z, 03:00 in Adana
PHONE = "05321112233"
OTHER = "05329998877"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
XSS = '<script>alert("153")</script><img src=x onerror=alert(1)>'


class Clock:
    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0  # every call a second later: orders are predictable
        return self.now


def draft(description: str = "Sokakta su borusu patladı", **kw: object) -> TicketDraft:
    values: dict[str, object] = {"citizen_phone": PHONE, "category": "su-arizasi", **kw}
    return TicketDraft(description=description, **values)  # type: ignore[arg-type]


class TicketStoreBehaviour:
    """What the ticket store does on every database; a subclass provides the `url` fixture."""

    @pytest.fixture
    async def engine(self, url: str) -> AsyncIterator[AsyncEngine]:
        await upgrade(url)
        engine = create_engine(url)
        yield engine
        await engine.dispose()

    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    @pytest.fixture
    def store(self, engine: AsyncEngine, clock: Clock, tmp_path: Path) -> TicketStore:
        return TicketStore(session_factory(engine), attachments_dir=tmp_path / "files",
                           clock=clock)

    async def test_a_new_ticket_is_numbered_in_its_year_and_recorded_in_the_trail(
        self, store: TicketStore
    ) -> None:
        ticket = await store.create(draft(), "op1001")
        assert ticket.number == "153-2026-000001"
        assert ticket.status is TicketStatus.NEW and ticket.is_open
        assert ticket.priority is Priority.HIGH  # the category's default
        assert ticket.created_by == "op1001"
        assert await store.get(ticket.number) == ticket
        [event] = await store.events(ticket.number)
        assert (event.actor, event.action) == ("op1001", "created")
        assert event.changes["status"] == [None, "new"]
        assert event.changes["citizen_phone"] == [None, PHONE]

    async def test_the_year_is_the_one_in_adana(self, engine: AsyncEngine, tmp_path: Path) -> None:
        # 2025-12-31 22:30 UTC is already 01:30 on 1 January 2026 in Adana.
        store = TicketStore(session_factory(engine), attachments_dir=tmp_path,
                            clock=Clock(T0 - 5400))
        assert (await store.create(draft(), "op")).number == "153-2026-000001"
        late = TicketStore(session_factory(engine), attachments_dir=tmp_path,
                           clock=Clock(T0 - 4 * 3600))
        assert (await late.create(draft(), "op")).number == "153-2025-000001"

    async def test_fifty_concurrent_creates_get_fifty_consecutive_numbers(
        self, store: TicketStore
    ) -> None:
        tickets = await asyncio.gather(*(store.create(draft(), f"op{n}") for n in range(50)))
        numbers = sorted(t.number for t in tickets)
        assert numbers == [f"153-2026-{n:06d}" for n in range(1, 51)]
        assert len((await store.search(limit=100)).tickets) == 50

    async def test_an_unknown_ticket_is_none_or_not_found(self, store: TicketStore) -> None:
        assert await store.get("153-2026-000999") is None
        assert await store.detail("153-2026-000999") is None
        with pytest.raises(TicketNotFound):
            await store.update("153-2026-000999", TicketPatch(citizen_name="X"), "op")
        with pytest.raises(TicketNotFound):
            await store.link_call("153-2026-000999", "alo153-1.1", "op")

    async def test_a_patch_is_recorded_as_a_diff_of_what_changed(self, store: TicketStore) -> None:
        ticket = await store.create(draft(district="seyhan", neighbourhood="Reşatbey"), "op1")
        patch = TicketPatch(citizen_name="Ayşe Yılmaz", priority=Priority.URGENT,
                            description=ticket.description)  # unchanged: not in the diff
        changed = await store.update(ticket.number, patch, "sup1")
        assert changed.citizen_name == "Ayşe Yılmaz" and changed.updated_at > ticket.updated_at
        event = (await store.events(ticket.number))[-1]
        assert (event.actor, event.action) == ("sup1", "updated")
        assert event.changes == {"citizen_name": [None, "Ayşe Yılmaz"],
                                 "priority": ["high", "urgent"]}

    async def test_a_patch_that_changes_nothing_writes_nothing(self, store: TicketStore) -> None:
        ticket = await store.create(draft(), "op1")
        same = await store.update(ticket.number, TicketPatch(category="su-arizasi"), "op2")
        assert same == ticket
        assert len(await store.events(ticket.number)) == 1

    async def test_a_new_district_drops_a_neighbourhood_that_is_not_in_it(
        self, store: TicketStore
    ) -> None:
        ticket = await store.create(draft(district="seyhan", neighbourhood="Reşatbey"), "op1")
        moved = await store.update(ticket.number, TicketPatch(district="yuregir"), "op1")
        assert (moved.district, moved.neighbourhood) == ("yuregir", None)
        with pytest.raises(InvalidTicket) as refused:
            await store.update(ticket.number, TicketPatch(neighbourhood="Reşatbey"), "op1")
        assert refused.value.field == "neighbourhood"

    async def test_a_status_in_a_patch_goes_through_the_lifecycle_atomically(
        self, store: TicketStore
    ) -> None:
        ticket = await store.create(draft(), "op1")
        refused = TicketPatch(citizen_name="Ali", status=TicketStatus.CLOSED)
        with pytest.raises(InvalidTransition):
            await store.update(ticket.number, refused, "op1")
        assert await store.get(ticket.number) == ticket  # the name was not kept either
        patch = TicketPatch(resolution="Vana kapatıldı", status=TicketStatus.FIRST_CONTACT_SOLVED,
                            note="telefonda")
        solved = await store.update(ticket.number, patch, "op1")
        assert solved.status is TicketStatus.FIRST_CONTACT_SOLVED
        updated, status = (await store.events(ticket.number))[-2:]
        assert updated.changes == {"resolution": [None, "Vana kapatıldı"]}
        assert status.changes == {"status": ["new", "first_contact_solved"],
                                  "note": [None, "telefonda"]}

    async def test_solving_at_first_contact_closes_in_two_recorded_steps(
        self, store: TicketStore
    ) -> None:
        ticket = await store.create(draft(), "op1")
        with pytest.raises(InvalidTicket):
            await store.solve_first_contact(ticket.number, "   ", "op1")
        closed = await store.solve_first_contact(ticket.number, "Arıza ekibi yönlendirildi", "op1")
        assert closed.status is TicketStatus.CLOSED and not closed.is_open
        assert closed.resolution == "Arıza ekibi yönlendirildi"
        assert closed.closed_at is not None
        first, second = (await store.events(ticket.number))[-2:]
        assert first.changes["status"] == ["new", "first_contact_solved"]
        assert first.changes["resolution"] == [None, "Arıza ekibi yönlendirildi"]
        assert second.changes["status"] == ["first_contact_solved", "closed"]
        assert second.changes["closed_at"] == [None, closed.closed_at]
        with pytest.raises(InvalidTransition):
            await store.solve_first_contact(ticket.number, "again", "op1")

    async def test_forwarding_sets_the_unit_and_a_return_clears_it(
        self, store: TicketStore
    ) -> None:
        ticket = await store.create(draft(), "op1")
        with pytest.raises(InvalidTicket):
            await store.forward(ticket.number, "Not A Unit!", None, "op1")
        forwarded = await store.forward(ticket.number, "aski-ariza", "Acil bakılsın", "op1")
        assert (forwarded.status, forwarded.unit) == (TicketStatus.FORWARDED, "aski-ariza")
        event = (await store.events(ticket.number))[-1]
        # A burst pipe is an emergency: its 2 hours run on New Year's night all the same.
        assert forwarded.forwarded_at is not None
        assert forwarded.ack_due_at == forwarded.forwarded_at + 2 * 3600
        assert event.changes == {"status": ["new", "forwarded"], "unit": [None, "aski-ariza"],
                                 "note": [None, "Acil bakılsın"],
                                 "ack_due_at": [None, forwarded.ack_due_at],
                                 "resolve_due_at": [None, forwarded.resolve_due_at]}
        returned = await store.transition(ticket.number, TicketStatus.RETURNED, "aski1",
                                          "bizim değil")
        assert (returned.status, returned.unit) == (TicketStatus.RETURNED, None)
        with pytest.raises(InvalidTransition):
            await store.transition(ticket.number, TicketStatus.RESOLVED, "op1")

    async def test_the_whole_lifecycle_to_reopened_and_closed_again(
        self, store: TicketStore
    ) -> None:
        number = (await store.create(draft(), "op1")).number
        await store.forward(number, "fen-isleri", None, "op1")
        await store.transition(number, TicketStatus.IN_PROGRESS, "unit1")
        with pytest.raises(InvalidTicket):  # resolved needs a resolution
            await store.transition(number, TicketStatus.RESOLVED, "unit1")
        await store.update(number, TicketPatch(resolution="Asfalt yapıldı",
                                               status=TicketStatus.RESOLVED), "unit1")
        await store.transition(number, TicketStatus.FEEDBACK, "fb1")
        reopened = await store.transition(number, TicketStatus.REOPENED, "fb1", "Vatandaş: olmadı")
        assert reopened.status is TicketStatus.REOPENED and reopened.is_open
        again = await store.transition(number, TicketStatus.FORWARDED, "sup1")
        assert again.unit == "fen-isleri"  # forwarded back where it was
        statuses = [e.changes["status"][1] for e in await store.events(number) if "status" in
                    e.changes and e.action == "status"]
        assert statuses == ["forwarded", "in_progress", "resolved", "feedback", "reopened",
                            "forwarded"]

    async def test_a_units_actions_each_leave_their_words_in_the_trail(
        self, store: TicketStore
    ) -> None:
        number = (await store.create(draft(), "op1")).number
        forwarded = await store.forward(number, "aski-ariza", None, "op1", suggested="aski-ariza")
        assert forwarded.acknowledged_at is None and forwarded.ack_due_at is not None
        with pytest.raises(InvalidTransition):  # nobody asked anything yet
            await store.answer_info(number, "Kapı no 7", "op1")
        answered = await store.unit_answer(number, "Ekip yola çıktı", "aski1")
        assert answered.status is TicketStatus.FORWARDED  # an answer moves nothing
        assert answered.acknowledged_at is not None  # but shows the unit has seen it
        asked = await store.request_info(number, "Kapı numarası?", "aski1")
        assert asked.status is TicketStatus.INFO_REQUESTED
        with pytest.raises(InvalidTicket):
            await store.answer_info(number, "   ", "op1")
        await store.answer_info(number, "Kapı no 7", "op1")
        resolved = await store.resolve(number, "Boru değiştirildi", "aski1")
        assert (resolved.status, resolved.resolution) == (TicketStatus.RESOLVED,
                                                          "Boru değiştirildi")
        assert resolved.resolved_at is not None
        trail = await store.events(number)
        assert trail[-5].changes["suggested"] == [None, "aski-ariza"]
        assert "overridden" not in trail[-5].changes
        assert trail[-4].action == "answer" and trail[-4].changes == {
            "answer": [None, "Ekip yola çıktı"]}
        assert trail[-3].changes["note"] == [None, "Kapı numarası?"]
        assert trail[-2].changes["status"] == ["info_requested", "in_progress"]
        assert trail[-2].actor == "op1" and trail[-2].changes["note"] == [None, "Kapı no 7"]

    async def test_a_return_needs_a_reason_and_a_reroute_another_unit(
        self, store: TicketStore
    ) -> None:
        number = (await store.create(draft(), "op1")).number
        await store.forward(number, "aski-ariza", None, "op1", suggested="aski-ariza")
        with pytest.raises(InvalidTicket):
            await store.return_to_call_centre(number, "", "aski1")
        with pytest.raises(InvalidTransition):
            await store.forward(number, "aski-ariza", None, "op1")
        moved = await store.forward(number, "aski-kanal", "Kanal", "sup1", suggested="aski-ariza")
        assert moved.unit == "aski-kanal"
        last = (await store.events(number))[-1]
        assert last.changes["overridden"] == [None, True]
        assert last.changes["unit"] == ["aski-ariza", "aski-kanal"]
        returned = await store.return_to_call_centre(number, "Bizim değil", "aski2")
        assert (returned.status, returned.unit, returned.resolve_due_at) == (
            TicketStatus.RETURNED, None, None)
        assert returned.is_open  # waiting at 153, not closed

    async def test_feedback_outcomes_close_or_send_back_to_the_same_unit(
        self, store: TicketStore
    ) -> None:
        async def resolved(category: str = "asfalt-cukuru") -> str:
            number = (await store.create(draft(category=category), "op1")).number
            await store.forward(number, "seyhan-fen-isleri", None, "op1")
            await store.resolve(number, "Yama yapıldı", "birim1")
            return number

        confirmed = await resolved()
        with pytest.raises(InvalidTransition):
            await store.feedback_confirmed((await store.create(draft(), "op1")).number, None,
                                           "geri1")
        on_call = await store.feedback_started(confirmed, "geri1")
        assert on_call.status is TicketStatus.FEEDBACK
        closed = await store.feedback_confirmed(confirmed, None, "geri1")
        assert (closed.status, closed.resolution) == (TicketStatus.CLOSED, "Yama yapıldı")

        again = await resolved()
        with pytest.raises(InvalidTicket):
            await store.feedback_not_solved(again, " ", "geri1")
        reopened = await store.feedback_not_solved(again, "Çukur hâlâ orada", "geri1")
        assert (reopened.status, reopened.unit, reopened.priority) == (
            TicketStatus.REOPENED, "seyhan-fen-isleri", Priority.HIGH)
        assert reopened.ack_due_at is not None and reopened.resolved_at is None
        last = (await store.events(again))[-1]
        assert last.changes["note"] == [None, "Çukur hâlâ orada"]
        assert last.changes["priority"] == ["normal", "high"]

        lost = await store.feedback_unreachable(await resolved(), "dialer", 3)
        assert lost.status is TicketStatus.CLOSED
        wrong = await store.feedback_wrong_number(await resolved(), "geri1")
        assert wrong.status is TicketStatus.CLOSED
        scored = await store.set_satisfaction(confirmed, 4, "survey")
        assert scored.satisfaction == 4
        with pytest.raises(InvalidTicket):
            await store.set_satisfaction(confirmed, 6, "survey")

    async def test_calls_and_tickets_link_many_to_many_once_each(self, store: TicketStore) -> None:
        first = await store.create(draft(), "op1", call_id="alo153-1767225600.1")
        second = await store.create(draft("Çöp alınmadı", category="cop-toplama"), "op1")
        assert await store.link_call(second.number, "alo153-1767225600.1", "op1") is True
        assert await store.link_call(second.number, "alo153-1767225600.1", "op1") is False
        assert await store.link_call(second.number, "alo153-1767229999.7", "op2") is True
        assert await store.tickets_of_call("alo153-1767225600.1") == [first.number, second.number]
        calls = await store.calls(second.number)
        assert [(c.call_id, c.linked_by) for c in calls] == [
            ("alo153-1767225600.1", "op1"), ("alo153-1767229999.7", "op2")]
        links = [e for e in await store.events(second.number) if e.action == "linked_call"]
        assert len(links) == 2
        assert await store.tickets_of_call("alo153-0.0") == []
        with pytest.raises(InvalidTicket):
            await store.link_call(first.number, "bad id!", "op1")

    async def test_an_image_is_kept_under_its_hash_and_read_back(
        self, store: TicketStore, tmp_path: Path
    ) -> None:
        number = (await store.create(draft(), "op1")).number
        added = await store.add_attachment(number, filename="../../etc/çukur.png", data=PNG,
                                           actor="op1")
        digest = hashlib.sha256(PNG).hexdigest()
        assert (added.filename, added.content_type, added.size, added.sha256) == (
            "çukur.png", "image/png", len(PNG), digest)
        assert (tmp_path / "files" / digest[:2] / digest).read_bytes() == PNG
        found = await store.attachment(number, added.id)
        assert found == (added, PNG)
        assert (await store.detail(number)).attachments == [added]  # type: ignore[union-attr]
        other = (await store.create(draft(), "op1")).number
        assert await store.attachment(other, added.id) is None

    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            (b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), "too_large"),
            (b"<svg onload=alert(1)>", "unsupported_type"),
            (b"MZ\x90\x00", "unsupported_type"),
            (b"", "empty"),
        ],
    )
    async def test_an_oversized_or_foreign_file_is_refused(
        self, store: TicketStore, data: bytes, reason: str
    ) -> None:
        number = (await store.create(draft(), "op1")).number
        with pytest.raises(AttachmentRefused) as refused:
            await store.add_attachment(number, filename="a.png", data=data, actor="op1")
        assert refused.value.reason == reason
        with pytest.raises(TicketNotFound):
            await store.add_attachment("153-2026-009999", filename="a.png", data=PNG, actor="x")

    async def test_search_filters_each_narrow_the_list(self, store: TicketStore) -> None:
        a = await store.create(draft(district="seyhan"), "op1")
        b = await store.create(draft("Çöp", category="cop-toplama", citizen_phone=OTHER,
                                     district="yuregir"), "op1")
        c = await store.create(draft(citizen_phone="+44 20 7946 0958"), "op1")
        await store.forward(b.number, "yuregir-temizlik", None, "op1")
        cases: list[tuple[dict[str, object], list[str]]] = [
            ({}, [c.number, b.number, a.number]),
            ({"phone": "+90 (532) 111-22-33"}, [a.number]),
            ({"phone": "905329998877"}, [b.number]),
            ({"phone": "+442079460958"}, [c.number]),
            ({"number": a.number}, [a.number]),
            ({"status": TicketStatus.FORWARDED}, [b.number]),
            ({"category": "su-arizasi"}, [c.number, a.number]),
            ({"district": "yuregir"}, [b.number]),
            ({"unit": "yuregir-temizlik"}, [b.number]),
            ({"since": b.created_at}, [c.number, b.number]),
            ({"until": b.created_at}, [a.number]),
            ({"category": "su-arizasi", "district": "seyhan"}, [a.number]),
            ({"phone": "05000000000"}, []),
        ]
        for filters, expected in cases:
            page = await store.search(**filters)  # type: ignore[arg-type]
            assert [t.number for t in page.tickets] == expected, filters

    @pytest.mark.parametrize("limit", [1, 2, 3, 7, 8])
    async def test_pages_visit_every_ticket_once_newest_first(
        self, store: TicketStore, clock: Clock, limit: int
    ) -> None:
        made = []
        for n in range(7):
            if n in (3, 4):
                clock.now -= 1  # two tickets in the same second: the id breaks the tie
            made.append(await store.create(draft(), "op1"))
        expected = [t.number for t in sorted(made, key=lambda t: (t.created_at, t.number),
                                             reverse=True)]
        seen: list[str] = []
        after = None
        for _ in range(10):
            page = await store.search(limit=limit, after=after)
            seen += [t.number for t in page.tickets]
            after = page.next_cursor
            if after is None:
                break
        assert seen == expected

    async def test_a_cursor_the_store_never_gave_is_refused(self, store: TicketStore) -> None:
        with pytest.raises(InvalidCursor):
            await store.search(after="bm90LWEtY3Vyc29y")
        with pytest.raises(ValueError):
            await store.search(limit=0)

    async def test_a_phones_history_lists_open_tickets_first_then_newest(
        self, store: TicketStore
    ) -> None:
        old_open = await store.create(draft("Eski açık kayıt"), "op1")
        closed = await store.create(draft("Kapanmış"), "op1")
        await store.solve_first_contact(closed.number, "çözüldü", "op1")
        new_open = await store.create(draft("x" * 500, category="gurultu", district="cukurova"),
                                      "op1")
        await store.create(draft("başkası", citizen_phone=OTHER), "op1")
        history = await store.history_for_phone("0532 111 22 33")
        assert [h.number for h in history] == [new_open.number, old_open.number, closed.number]
        assert [h.is_open for h in history] == [True, True, False]
        assert history[0].excerpt == "x" * 120
        assert (history[0].category, history[0].district) == ("gurultu", "cukurova")
        assert len(await store.history_for_phone(PHONE, limit=1)) == 1
        assert await store.history_for_phone("0000") == []
        as_json = await store.history_json(PHONE, 5)
        assert as_json[2] == {"number": closed.number, "status": "closed", "open": False,
                              "category": "su-arizasi", "district": None,
                              "created_at": closed.created_at, "excerpt": "Kapanmış"}

    async def test_script_payloads_are_stored_verbatim(self, store: TicketStore) -> None:
        ticket = await store.create(draft(XSS, citizen_name=XSS, address=XSS), "op1")
        again = await store.get(ticket.number)
        assert again is not None
        assert (again.description, again.citizen_name, again.address) == (XSS, XSS, XSS)

    async def test_channels_and_citizen_fields_come_back_as_given(
        self, store: TicketStore
    ) -> None:
        ticket = await store.create(
            draft(channel=Channel.CIMER, citizen_tc="10000000146", latitude=37.0001,
                  longitude=35.3213, priority=Priority.LOW), "op1")
        again = await store.get(ticket.number)
        assert again == ticket
        assert (again.channel, again.citizen_tc, again.latitude) == (  # type: ignore[union-attr]
            Channel.CIMER, "10000000146", 37.0001)

    async def test_the_read_audit_records_who_read_what_without_phone_numbers(
        self, engine: AsyncEngine
    ) -> None:
        times = itertools.count(T0)
        audit = AccessAudit(session_factory(engine), clock=lambda: float(next(times)))
        await audit.record("op1", "read_ticket", "153-2026-000001")
        await audit.record("op2", "search_tickets", "phone=05321112233")
        await audit.record("op1", "pop", "alo153-1767225600.12 from +905321112233")
        entries = await audit.entries()
        assert [(e.actor, e.action) for e in entries] == [
            ("op1", "pop"), ("op2", "search_tickets"), ("op1", "read_ticket")]
        assert entries[1].subject == "phone=*********33"
        assert entries[0].subject == "alo153-1767225600.12 from ***********33"
        mine = await audit.entries(actor="op1", since=T0, until=T0 + 1)
        assert [e.subject for e in mine] == ["153-2026-000001"]


class TestTicketStoreOnSqlite(TicketStoreBehaviour):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"

    async def test_the_history_query_reads_one_phones_index_entries(
        self, store: TicketStore, engine: AsyncEngine
    ) -> None:
        statement = history_statement(PHONE, 20).compile(
            dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
        )
        async with engine.connect() as connection:
            plan = (await connection.execute(text(f"EXPLAIN QUERY PLAN {statement}"))).all()
        details = " | ".join(str(row[-1]) for row in plan)
        assert "USING INDEX ix_tickets_citizen_phone" in details, details
        assert "SCAN tickets" not in details.replace("SCAN tickets USING", "")

    async def test_concurrent_changes_of_one_ticket_all_land(self, store: TicketStore) -> None:
        number = (await store.create(draft(), "op1")).number
        calls = [f"alo153-1767225600.{n}" for n in range(20)]
        await asyncio.gather(*(store.link_call(number, c, "op1") for c in calls))
        assert sorted(c.call_id for c in await store.calls(number)) == sorted(calls)
