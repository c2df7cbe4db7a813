"""Wrap-up codes given to answered calls: one per (call, operator), read with the call log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.storage.models import DispositionRow

BATCH = 500


@dataclass(frozen=True, kw_only=True)
class Disposition:
    call_id: str
    operator: str  # username (the queue member's name)
    code: str
    note: str = ""
    set_at: float
    timed_out: bool = False


class DispositionLog:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, disposition: Disposition) -> bool:
        """Save it. An operator's own code replaces anything; a timeout never replaces a code
        the operator gave (it may arrive a moment after it). True when written."""
        values = {
            "call_id": disposition.call_id, "operator": disposition.operator,
            "code": disposition.code, "note": disposition.note,
            "set_at": disposition.set_at, "timed_out": disposition.timed_out,
        }
        async with self._sessions.begin() as session:
            insert = _insert(session.get_bind().dialect.name, values)
            keys = [DispositionRow.call_id, DispositionRow.operator]
            if disposition.timed_out:
                statement = insert.on_conflict_do_nothing(index_elements=keys)
            else:
                statement = insert.on_conflict_do_update(
                    index_elements=keys,
                    set_={k: v for k, v in values.items() if k not in ("call_id", "operator")},
                )
            result = await session.execute(statement)
        return bool(getattr(result, "rowcount", 1))

    async def for_calls(self, call_ids: Iterable[str]) -> dict[str, list[Disposition]]:
        wanted = list(dict.fromkeys(call_ids))
        found: dict[str, list[Disposition]] = {}
        async with self._sessions() as session:
            for start in range(0, len(wanted), BATCH):
                rows = await session.scalars(
                    select(DispositionRow)
                    .where(DispositionRow.call_id.in_(wanted[start:start + BATCH]))
                    .order_by(DispositionRow.set_at)
                )
                for row in rows:
                    found.setdefault(row.call_id, []).append(_disposition(row))
        return found


def _insert(dialect: str, values: dict[str, object]) -> sqlite.Insert | postgresql.Insert:
    # Same words, two dialects: both speak INSERT … ON CONFLICT … DO NOTHING / DO UPDATE.
    if dialect == "postgresql":
        return postgresql.insert(DispositionRow).values(values)
    return sqlite.insert(DispositionRow).values(values)


def _disposition(row: DispositionRow) -> Disposition:
    return Disposition(call_id=row.call_id, operator=row.operator, code=row.code, note=row.note,
                       set_at=row.set_at, timed_out=row.timed_out)


def disposition_json(disposition: Disposition) -> dict[str, object]:
    return {"operator": disposition.operator, "code": disposition.code,
            "note": disposition.note, "set_at": disposition.set_at,
            "timed_out": disposition.timed_out}
