"""The caller directory on a migrated database: what the `incoming` lookup tells the dialplan.

`CallerDirectoryBehaviour` runs on SQLite here, entered (its own connection, straight to the
driver) and not entered (pooled connections through SQLAlchemy, the PostgreSQL path); a
subclass with a PostgreSQL `url` runs the same tests there.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agi_scripts import incoming
from cti.domain.callers import CallerHints
from cti.storage.caller_directory import CallerDirectory
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.models import CallRow, Ticket
from cti.telephony.agi.request import AgiRequest

NOW = 1_795_680_000.0
HOUR = 3600.0
AYSE = "05321112233"
MEHMET = "05329998877"
BLOCKED = "05550000000"

Sessions = async_sessionmaker[AsyncSession]


async def add_tickets(sessions: Sessions, phone: str, *statuses: str) -> list[str]:
    """Tickets for `phone`, one a day, oldest first; returns their numbers."""
    numbers = [f"153-2026-{phone[-4:]}{n:02d}" for n in range(len(statuses))]
    rows = [
        {
            "number": number, "citizen_phone": phone, "status": status, "channel": "phone",
            "created_at": NOW - (len(statuses) - n) * 24 * HOUR, "updated_at": NOW,
        }
        for n, (number, status) in enumerate(zip(numbers, statuses, strict=True))
    ]
    async with sessions.begin() as session:
        await session.execute(insert(Ticket), rows)
    return numbers


async def add_call(sessions: Sessions, phone: str, *, hours_ago: float) -> None:
    started = NOW - hours_ago * HOUR
    row = {
        "call_id": f"alo153-{started:.6f}", "caller_number": phone, "caller_name": "Ayşe Yılmaz",
        "started_at": started, "channel_uniqueid": f"alo153-{started:.6f}",
        "outcome": "answered", "source": "ami", "updated_at": started,
    }
    async with sessions.begin() as session:
        await session.execute(insert(CallRow), [row])


class RecordingChannel:
    """Stands in for Asterisk's side of a FastAGI session."""

    def __init__(self) -> None:
        self.variables: dict[str, str] = {}

    async def set_variable(self, name: str, value: str | int) -> None:
        self.variables[name] = str(value)


class CallerDirectoryBehaviour:
    """What the directory answers on every database; a subclass provides the `url` fixture."""

    @pytest.fixture
    async def sessions(self, url: str) -> AsyncIterator[Sessions]:
        await upgrade(url)
        engine = create_engine(url)
        yield session_factory(engine)
        await engine.dispose()

    @pytest.fixture(params=["entered", "not entered"])
    async def directory(
        self, sessions: Sessions, request: pytest.FixtureRequest
    ) -> AsyncIterator[CallerDirectory]:
        directory = CallerDirectory(sessions, frozenset({BLOCKED}), clock=lambda: NOW)
        if request.param == "not entered":
            yield directory
            return
        async with directory:
            yield directory

    async def test_an_unknown_caller_has_no_history(self, directory: CallerDirectory) -> None:
        assert await directory.hints(AYSE) == CallerHints()

    async def test_a_withheld_number_has_no_history(self, directory: CallerDirectory) -> None:
        assert await directory.hints(None) == CallerHints()

    async def test_open_tickets_leave_out_closed_and_first_contact_solved(
        self, directory: CallerDirectory, sessions: Sessions
    ) -> None:
        await add_tickets(
            sessions, AYSE, "closed", "first_contact_solved", "new", "forwarded",
            "in_progress", "resolved", "feedback", "reopened",
        )
        hints = await directory.hints(AYSE)
        assert hints.known
        assert hints.open_tickets == 6

    async def test_the_last_ticket_is_the_newest_whatever_its_status(
        self, directory: CallerDirectory, sessions: Sessions
    ) -> None:
        numbers = await add_tickets(sessions, AYSE, "in_progress", "closed")
        hints = await directory.hints(AYSE)
        assert (hints.known, hints.open_tickets, hints.last_ticket) == (True, 1, numbers[-1])

    async def test_a_citizen_whose_tickets_are_all_closed_is_known_with_none_open(
        self, directory: CallerDirectory, sessions: Sessions
    ) -> None:
        numbers = await add_tickets(sessions, AYSE, "closed", "first_contact_solved")
        assert await directory.hints(AYSE) == CallerHints(known=True, last_ticket=numbers[-1])

    async def test_another_citizens_tickets_do_not_count(
        self, directory: CallerDirectory, sessions: Sessions
    ) -> None:
        await add_tickets(sessions, MEHMET, "new", "new")
        assert await directory.hints(AYSE) == CallerHints()

    async def test_a_call_in_the_last_day_makes_a_repeat_caller(
        self, directory: CallerDirectory, sessions: Sessions
    ) -> None:
        await add_call(sessions, AYSE, hours_ago=23)
        hints = await directory.hints(AYSE)
        assert hints.repeat
        assert hints.queue_priority == 1
        assert not hints.known  # a call is no ticket

    async def test_a_call_more_than_a_day_ago_is_no_repeat(
        self, directory: CallerDirectory, sessions: Sessions
    ) -> None:
        await add_call(sessions, AYSE, hours_ago=25)
        assert not (await directory.hints(AYSE)).repeat

    async def test_the_call_being_looked_up_already_in_the_log_is_no_repeat(
        self, directory: CallerDirectory, sessions: Sessions
    ) -> None:
        await add_call(sessions, AYSE, hours_ago=3 / HOUR)  # started 3 s ago: this very call
        assert not (await directory.hints(AYSE)).repeat

    async def test_a_second_lookup_is_a_repeat_before_the_first_call_is_logged(
        self, directory: CallerDirectory
    ) -> None:
        assert not (await directory.hints(AYSE)).repeat
        assert (await directory.hints(AYSE)).repeat
        assert not (await directory.hints(MEHMET)).repeat

    async def test_a_blocked_number_is_said_so_with_its_history(
        self, directory: CallerDirectory, sessions: Sessions
    ) -> None:
        numbers = await add_tickets(sessions, BLOCKED, "new")
        assert await directory.hints(BLOCKED) == CallerHints(
            known=True, open_tickets=1, last_ticket=numbers[0], blocked=True
        )

    @pytest.mark.parametrize("presented", ["+905321112233", "905321112233", "0 (532) 111 22 33"])
    async def test_every_written_form_of_the_number_finds_the_same_citizen(
        self, directory: CallerDirectory, sessions: Sessions, presented: str
    ) -> None:
        numbers = await add_tickets(sessions, AYSE, "new")
        channel = RecordingChannel()
        request = AgiRequest({"agi_network_script": "incoming", "agi_callerid": presented})
        await incoming.route(directory)(request, channel)  # type: ignore[arg-type]
        assert channel.variables["ALO153_KNOWN"] == "1"
        assert channel.variables["ALO153_OPEN"] == "1"
        assert channel.variables["ALO153_LAST"] == numbers[0]


class TestCallerDirectoryOnSqlite(CallerDirectoryBehaviour):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'cti.db'}"


@pytest.mark.parametrize("entered", [True, False])
async def test_a_failing_database_still_refuses_blocked_callers(
    tmp_path: Path, entered: bool
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}")
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(engine.dispose)
        directory = CallerDirectory(session_factory(engine), frozenset({BLOCKED}))
        if entered:
            await stack.enter_async_context(directory)
        assert await directory.hints(BLOCKED) == CallerHints(blocked=True)
        assert await directory.hints(BLOCKED) == CallerHints(repeat=True, blocked=True)


async def test_leaving_gives_the_connection_back(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cti.db'}")
    try:
        async with CallerDirectory(session_factory(engine)):
            assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
