"""The organisation as the admin keeps it: the `units` table, seeded from the shipped tree.

Every change (one unit, or a whole CSV file in one transaction) is checked as the whole
organisation it would leave behind (`cti.domain.unit_changes`) before it is written. The
organisation and its routing rules are cached and rebuilt when the table changes, also when
another process (`cti org import`) changed it: a cheap version query decides.
"""

from __future__ import annotations

import builtins
import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.organisation import (
    Organisation,
    OrganisationError,
    Unit,
    UnitKind,
    UnknownUnit,
    organisation,
    read_csv,
    units_to_csv,
)
from cti.domain.routing import Routing
from cti.domain.unit_changes import Checked, check
from cti.storage.models import UnitRow

SEED_ACTOR = "seed"
Version = tuple[int, float | None]


class UnitExists(OrganisationError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unit {code!r} already exists")
        self.code = code


@dataclass(frozen=True)
class StoredUnit:
    unit: Unit
    updated_at: float
    updated_by: str


@dataclass(frozen=True)
class ImportCounts:
    added: int
    changed: int
    unchanged: int
    deactivated: int  # of the changed, those the file deactivates

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


class UnitStore:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, clock: Callable[[], float] = time.time
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._aliases = dict(organisation().aliases)
        self._cached: tuple[Version, Checked] | None = None

    async def seed(self) -> int:
        """Fill an empty table from `cti/seed/organisation.json`; the units added (0 if any
        were there: the admin's data is never overwritten)."""
        now = self._clock()
        try:
            async with self._sessions.begin() as session:
                if await session.scalar(select(func.count()).select_from(UnitRow)):
                    return 0
                units = organisation().units.values()
                session.add_all(_row(unit, now, SEED_ACTOR) for unit in units)
        except IntegrityError:  # another process seeded it at the same moment
            return 0
        self._cached = None
        return len(units)

    async def organisation(self) -> Organisation:
        """The active units, with the shipped aliases of earlier codes."""
        return (await self._checked()).organisation

    async def routing(self) -> Routing:
        """The shipped routing rules over the active units."""
        return (await self._checked()).routing

    async def list(self) -> builtins.list[StoredUnit]:
        """Every unit, inactive ones too, by code."""
        async with self._sessions() as session:
            rows = await session.scalars(select(UnitRow).order_by(UnitRow.code))
            return [_stored(row) for row in rows]

    async def get(self, code: str) -> StoredUnit | None:
        async with self._sessions() as session:
            row = await session.get(UnitRow, code)
            return None if row is None else _stored(row)

    async def add(self, unit: Unit, actor: str) -> StoredUnit:
        """A new unit; UnitExists, or OrganisationError if the tree would break."""
        async with self._sessions.begin() as session:
            await _serialised(session)
            current = await _all(session)
            if unit.code in current:
                raise UnitExists(unit.code)
            check({**current, unit.code: unit}, self._aliases)
            row = _row(unit, self._clock(), actor)
            session.add(row)
        self._cached = None
        return _stored(row)

    async def update(self, unit: Unit, actor: str) -> StoredUnit:
        """Replace a unit's data (deactivating too); UnknownUnit, OrganisationError."""
        async with self._sessions.begin() as session:
            await _serialised(session)
            current = await _all(session)
            if unit.code not in current:
                raise UnknownUnit(unit.code)
            check({**current, unit.code: unit}, self._aliases)
            row = await session.get(UnitRow, unit.code)
            assert row is not None
            if current[unit.code] != unit:
                _fill(row, unit, self._clock(), actor)
        self._cached = None
        return _stored(row)

    async def deactivate(self, code: str, actor: str) -> StoredUnit:
        found = await self.get(code)
        if found is None:
            raise UnknownUnit(code)
        return await self.update(dataclasses.replace(found.unit, active=False), actor)

    async def import_csv(self, text: str, actor: str, *, dry_run: bool = False) -> ImportCounts:
        """Add and change the file's units, all or nothing; units not in the file stay as they
        are. OrganisationError names the line at fault. `dry_run` checks and counts only."""
        async with self._sessions.begin() as session:
            await _serialised(session)
            current = await _all(session)
            units, lines = read_csv(text, known=current)
            check({**current, **{u.code: u for u in units}}, self._aliases, lines)
            counts = _counts(units, current)
            if not dry_run:
                await _write(session, units, current, self._clock(), actor)
        if not dry_run:
            self._cached = None
        return counts

    async def export_csv(self) -> str:
        """Every unit, inactive ones too, parents first, as `import_csv` reads it."""
        return units_to_csv(stored.unit for stored in await self.list())

    async def _checked(self) -> Checked:
        async with self._sessions() as session:
            version = await _version(session)
            if self._cached is not None and self._cached[0] == version:
                return self._cached[1]
            checked = check(await _all(session), self._aliases)
        self._cached = (version, checked)
        return checked


async def _serialised(session: AsyncSession) -> None:
    """Queue this edit behind any other: every edit checks the whole tree, so two at once
    must not both pass on what they read. A no-op write to one row, the first statement of
    the transaction: on PostgreSQL that row's lock (READ COMMITTED: the reads after it see
    the edit before); on SQLite the database's write lock, taken before anything is read (a
    read first would pin a snapshot a concurrent commit makes stale: "database is locked")."""
    first = select(func.min(UnitRow.code)).scalar_subquery()
    await session.execute(
        update(UnitRow).where(UnitRow.code == first).values(updated_at=UnitRow.updated_at)
        .execution_options(synchronize_session=False))


async def _version(session: AsyncSession) -> Version:
    count, latest = (await session.execute(
        select(func.count(), func.max(UnitRow.updated_at)).select_from(UnitRow)
    )).one()
    return int(count), latest


async def _all(session: AsyncSession) -> dict[str, Unit]:
    rows = await session.scalars(select(UnitRow))
    return {row.code: _unit(row) for row in rows}


async def _write(
    session: AsyncSession, units: Iterable[Unit], current: Mapping[str, Unit], now: float,
    actor: str,
) -> None:
    for unit in units:
        if unit.code not in current:
            session.add(_row(unit, now, actor))
        elif current[unit.code] != unit:
            row = await session.get(UnitRow, unit.code)
            assert row is not None
            _fill(row, unit, now, actor)


def _counts(units: Iterable[Unit], current: Mapping[str, Unit]) -> ImportCounts:
    added = changed = unchanged = deactivated = 0
    for unit in units:
        before = current.get(unit.code)
        if before is None:
            added += 1
        elif before == unit:
            unchanged += 1
        else:
            changed += 1
            deactivated += before.active and not unit.active
    return ImportCounts(added, changed, unchanged, deactivated)


def _unit(row: UnitRow) -> Unit:
    return Unit(row.code, row.name_tr, row.name_en, row.parent, UnitKind(row.kind), row.email,
                row.manager_email, row.active)


def _stored(row: UnitRow) -> StoredUnit:
    return StoredUnit(_unit(row), row.updated_at, row.updated_by)


def _row(unit: Unit, now: float, actor: str) -> UnitRow:
    row = UnitRow(code=unit.code)
    _fill(row, unit, now, actor)
    return row


def _fill(row: UnitRow, unit: Unit, now: float, actor: str) -> None:
    row.parent, row.kind = unit.parent, unit.kind.value
    row.name_tr, row.name_en = unit.name_tr, unit.name_en
    row.email, row.manager_email, row.active = unit.email, unit.manager_email, unit.active
    row.updated_at, row.updated_by = now, actor[:64]
