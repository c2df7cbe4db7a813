"""A unit's names and where its mail goes, read inside the caller's transaction.

The admin's `units` table is the truth for a unit it holds, even when an address there is
empty; a code the table lacks (a database not yet seeded) is looked up in the shipped tree
(`cti/seed/organisation.json`). An empty address falls back to the nearest ancestor's (the
department above a branch), as `cti.storage.units.UnitStore.addresses` does. A unit nobody
knows (an old free-text code) keeps its code as its name and has no address: its messages are
queued as failed, so the gap shows in the delivery log instead of vanishing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from cti.domain.organisation import UnknownUnit, organisation
from cti.storage.models import UnitRow


@dataclass(frozen=True)
class UnitContacts:
    code: str
    name_tr: str
    name_en: str
    email: str  # the unit's, else its nearest ancestor's; "" when nobody has one
    manager_email: str  # who answers for the unit; else the nearest ancestor's address

    def addresses(self, *, with_manager: bool) -> list[tuple[str, bool]]:
        """(address, to the manager): the unit's address (even empty: the outbox records the
        gap), then, `with_manager`, its manager's when that is another one."""
        found = [(self.email, False)]
        if with_manager and self.manager_email and self.manager_email != self.email:
            found.append((self.manager_email, True))
        return found

    def address(self, *, to_manager: bool) -> str:
        return self.manager_email if to_manager else self.email


@dataclass(frozen=True)
class _Entry:
    code: str
    name_tr: str
    name_en: str
    parent: str | None
    email: str
    manager_email: str


async def unit_contacts(session: AsyncSession, code: str) -> UnitContacts:
    code = organisation().aliases.get(code, code)
    entry = await _entry(session, code)
    if entry is None:
        return UnitContacts(code, code, code, "", "")
    inherited = await _inherited_email(session, entry.parent)
    return UnitContacts(entry.code, entry.name_tr, entry.name_en, entry.email or inherited,
                        entry.manager_email or inherited)


async def _entry(session: AsyncSession, code: str) -> _Entry | None:
    row = await session.get(UnitRow, code)
    if row is not None:
        return _Entry(row.code, row.name_tr, row.name_en, row.parent, row.email,
                      row.manager_email)
    try:
        unit = organisation().unit(code)
    except UnknownUnit:
        return None
    return _Entry(unit.code, unit.name_tr, unit.name_en, unit.parent, unit.email,
                  unit.manager_email)


async def _inherited_email(session: AsyncSession, parent: str | None) -> str:
    seen: set[str] = set()
    while parent is not None and parent not in seen:  # a loop in the data ends the walk
        seen.add(parent)
        entry = await _entry(session, parent)
        if entry is None:
            return ""
        if entry.email:
            return entry.email
        parent = entry.parent
    return ""
