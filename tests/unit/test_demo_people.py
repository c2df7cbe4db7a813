"""The demo's people and its history: who can sign in, and earlier tickets that give the pops,
the unit inboxes and the escalation ladder something to show."""

from __future__ import annotations

import time
from pathlib import Path

from cti.demo_people import DEMO_PASSWORD, UNIT_STAFF, seed_history, seed_people
from cti.domain.organisation import organisation
from cti.domain.roles import Role
from cti.domain.tickets.status import TicketStatus
from cti.simulate.traffic import Traffic
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.tickets import TicketStore
from cti.storage.users import UserStore


async def test_the_demo_seeds_people_and_a_history_with_overdue_forwards(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        users = UserStore(sessions)
        names = await seed_people(users, ["1001", "1002"])
        assert await seed_people(users, ["1001", "1002"]) == names  # a second run keeps them
        for username, _, unit in UNIT_STAFF:
            user = await users.authenticate(username, DEMO_PASSWORD)
            assert user is not None and user.unit == unit and Role.UNIT_STAFF in user.roles
            assert organisation().unit(unit).active
        tickets = TicketStore(sessions, attachments_dir=tmp_path / "files")
        made = await seed_history(tickets, Traffic())
        assert made > 20 and await seed_history(tickets, Traffic()) == 0
        forwarded = (await tickets.search(status=TicketStatus.FORWARDED, limit=500)).tickets
        assert forwarded and all(organisation().unit(t.unit or "").active for t in forwarded)
        assert min(t.created_at for t in forwarded) < time.time() - 14 * 86_400
        assert (await tickets.search(overdue=True, limit=1)).tickets  # the ladder has work
    finally:
        await engine.dispose()
