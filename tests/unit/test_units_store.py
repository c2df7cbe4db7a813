"""The units table as the admin keeps it: seeded from the shipped tree, edited, deactivated
(never deleted), imported from CSV all or nothing; on a migrated SQLite file."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cti.domain.organisation import (
    CSV_COLUMNS,
    OrganisationError,
    Unit,
    UnitKind,
    UnknownUnit,
    organisation,
)
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.models import UnitRow
from cti.storage.units import SEED_ACTOR, UnitExists, UnitStore
from tests.unit.auth_support import FakeClock

SEED = organisation()
HEADER = ",".join(CSV_COLUMNS) + "\n"
KULTUR = Unit("seyhan-kultur", "Kültür İşleri Müdürlüğü", "Culture Directorate", "ilce-seyhan",
              UnitKind.DIRECTORATE, "kultur@seyhan.example.org")


@dataclasses.dataclass
class Db:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: FakeClock
    units: UnitStore


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Db]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'units.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = FakeClock()
    units = UnitStore(sessions, clock=clock)
    await units.seed()
    yield Db(engine, sessions, clock, units)
    await engine.dispose()


async def count(db: Db) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(UnitRow)) or 0)


async def test_seeding_fills_an_empty_table_once(db: Db) -> None:
    assert await count(db) == len(SEED.units)
    assert await db.units.seed() == 0
    assert await UnitStore(db.sessions).seed() == 0
    org = await db.units.organisation()
    assert org.units == SEED.units
    assert org.unit("buyuksehir-zabita").code == "abb-zabita"  # the console's earlier codes
    stored = await db.units.get("aski-ariza")
    assert stored is not None and stored.updated_by == SEED_ACTOR
    assert [s.unit.code for s in await db.units.list()] == sorted(SEED.units)


async def test_an_added_and_an_edited_unit_are_in_the_organisation_at_once(db: Db) -> None:
    await db.units.add(KULTUR, "admin")
    assert (await db.units.organisation()).unit("seyhan-kultur") == KULTUR
    edited = dataclasses.replace(KULTUR, name_en="Culture Affairs",
                                 manager_email="mudur@seyhan.example.org")
    db.clock.advance(60)
    stored = await db.units.update(edited, "ayse")
    assert (stored.updated_by, stored.updated_at) == ("ayse", db.clock.now)
    assert (await db.units.organisation()).unit("seyhan-kultur").name_en == "Culture Affairs"
    with pytest.raises(UnitExists):
        await db.units.add(KULTUR, "admin")
    with pytest.raises(UnknownUnit):
        await db.units.update(dataclasses.replace(KULTUR, code="seyhan-yok"), "admin")


async def test_a_unit_under_a_unit_that_does_not_exist_is_refused(db: Db) -> None:
    with pytest.raises(OrganisationError, match="parent 'ilce-nowhere' is not a unit"):
        await db.units.add(dataclasses.replace(KULTUR, parent="ilce-nowhere"), "admin")
    assert await db.units.get("seyhan-kultur") is None


async def test_a_deactivated_unit_keeps_its_code_but_takes_no_tickets(db: Db) -> None:
    await db.units.add(KULTUR, "admin")
    await db.units.deactivate("seyhan-kultur", "admin")
    stored = await db.units.get("seyhan-kultur")
    assert stored is not None and not stored.unit.active
    with pytest.raises(UnknownUnit):
        (await db.units.organisation()).unit("seyhan-kultur")
    await db.units.update(KULTUR, "admin")  # active again
    assert (await db.units.organisation()).unit("seyhan-kultur").active


async def test_a_unit_routing_rules_send_tickets_to_cannot_be_deactivated(db: Db) -> None:
    with pytest.raises(OrganisationError, match=r"routing rules .* send tickets to it"):
        await db.units.deactivate("seyhan-fen-isleri", "admin")
    with pytest.raises(OrganisationError, match="'aski-ariza' cannot be deactivated"):
        await db.units.deactivate("aski-ariza", "admin")
    assert (await db.units.organisation()).unit("seyhan-fen-isleri").active


async def test_a_unit_with_active_units_under_it_cannot_be_deactivated(db: Db) -> None:
    await db.units.add(KULTUR, "admin")
    with pytest.raises(OrganisationError, match="active units are under it"):
        await db.units.deactivate("ilce-seyhan", "admin")
    with pytest.raises(UnknownUnit):
        await db.units.deactivate("nowhere", "admin")


async def test_a_rules_unit_cannot_move_to_another_organisation(db: Db) -> None:
    ariza = (await db.units.organisation()).unit("aski-ariza")
    with pytest.raises(OrganisationError, match="would move from 'aski' to 'buyuksehir'"):
        await db.units.update(dataclasses.replace(ariza, parent="abb-fen-isleri"), "admin")


async def test_an_import_adds_changes_and_counts(db: Db) -> None:
    text = (HEADER
            + "seyhan-kultur,ilce-seyhan,directorate,Kültür,Culture,,,evet\n"
            + "aski-ariza,aski-icme-suyu,branch,İçme Suyu Arıza Şube Müdürlüğü,"
              "Drinking Water Faults Branch,ariza@aski.example,,\n"
            + "aski,,organisation,ASKİ Genel Müdürlüğü,"
              "ASKİ General Directorate (water and sewerage),,,\n")
    counts = await db.units.import_csv(text, "admin")
    assert counts.as_dict() == {"added": 1, "changed": 1, "unchanged": 1, "deactivated": 0}
    org = await db.units.organisation()
    assert org.unit("aski-ariza").email == "ariza@aski.example"
    assert org.unit("seyhan-kultur").parent == "ilce-seyhan"
    assert len(org.units) == len(SEED.units) + 1  # units not in the file stay as they were


async def test_an_import_with_one_bad_line_changes_nothing(db: Db) -> None:
    text = (HEADER
            + "seyhan-kultur,ilce-seyhan,directorate,Kültür,Culture,,,\n"
            + "seyhan-zabita,ilce-seyhan,directorate,Zabıta,Municipal Police,,,hayır\n")
    with pytest.raises(OrganisationError) as error:
        await db.units.import_csv(text, "admin")
    assert error.value.line == 3
    assert "routing rules" in str(error.value)
    assert await db.units.get("seyhan-kultur") is None
    assert await count(db) == len(SEED.units)


async def test_an_import_deactivating_a_parent_above_active_units_names_the_child(
    db: Db,
) -> None:
    await db.units.add(KULTUR, "admin")
    text = HEADER + ("\n" * 3) + "ilce-seyhan,,organisation,Seyhan Belediyesi,Seyhan,,,hayır\n"
    with pytest.raises(OrganisationError, match=r"^line 5: unit 'ilce-seyhan' cannot be deact"):
        await db.units.import_csv(text, "admin")


async def test_a_dry_run_counts_but_writes_nothing(db: Db) -> None:
    text = HEADER + "seyhan-kultur,ilce-seyhan,directorate,Kültür,Culture,,,\n"
    counts = await db.units.import_csv(text, "admin", dry_run=True)
    assert counts.added == 1
    assert await db.units.get("seyhan-kultur") is None


async def test_export_then_import_changes_nothing(db: Db) -> None:
    await db.units.add(KULTUR, "admin")
    await db.units.deactivate("seyhan-kultur", "admin")
    text = await db.units.export_csv()
    assert text.splitlines()[0] == HEADER.strip()
    counts = await db.units.import_csv(text, "other")
    assert counts.as_dict() == {"added": 0, "changed": 0, "unchanged": len(SEED.units) + 1,
                                "deactivated": 0}
    stored = await db.units.get("seyhan-kultur")
    assert stored is not None and stored.updated_by == "admin"


async def test_a_change_made_by_another_process_is_seen(db: Db) -> None:
    assert "seyhan-kultur" not in (await db.units.organisation()).units  # cached now
    other = UnitStore(db.sessions, clock=FakeClock(db.clock.now + 5))
    await other.add(KULTUR, "cli")
    assert (await db.units.organisation()).unit("seyhan-kultur") == KULTUR
    suggestion = (await db.units.routing()).suggest("kaldirim-onarimi", "seyhan")
    assert suggestion.unit is not None and suggestion.unit.code == "seyhan-fen-isleri"


async def test_admins_editing_at_the_same_moment_queue_up_instead_of_failing(db: Db) -> None:
    """Each edit reads the whole tree to check it: on SQLite a read first would pin a snapshot
    that a concurrent commit makes stale ("database is locked"); every edit writes first."""
    stores = [UnitStore(db.sessions, clock=db.clock) for _ in range(2)]
    codes = [code for code, unit in SEED.units.items()
             if unit.kind is UnitKind.DIRECTORATE][:12]

    async def edit(n: int, code: str) -> None:
        current = SEED.units[code]
        await stores[n % 2].update(
            dataclasses.replace(current, email=f"birim{n}@adana.example.org"), f"admin{n % 2}")

    await asyncio.gather(*(edit(n, code) for n, code in enumerate(codes)))
    emails = {stored.unit.code: stored.unit.email for stored in await db.units.list()}
    assert [emails[code] for code in codes] == [f"birim{n}@adana.example.org"
                                                for n in range(len(codes))]
