"""Server-side sessions of signed-in browsers.

The cookie holds a random token; the table holds only its SHA-256, so a copy of the database
signs nobody in. A session ends after `idle_timeout` without a request (a shift with its
breaks) or `lifetime` after sign-in, whichever comes first, and at once when its user is
deactivated.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.roles import Principal
from cti.storage.models import UserRow, WebSessionRow
from cti.storage.users import to_user

IDLE_TIMEOUT = 9 * 3600.0
LIFETIME = 12 * 3600.0
# last_seen_at is written at most this often: one UPDATE per minute per browser, not per request.
TOUCH_EVERY = 60.0
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # token_urlsafe(32)


class SignedIn(NamedTuple):
    principal: Principal
    csrf_token: str


class SessionStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], float] = time.time,
        idle_timeout: float = IDLE_TIMEOUT,
        lifetime: float = LIFETIME,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.idle_timeout = idle_timeout
        self.lifetime = lifetime

    async def create(self, user_id: int) -> tuple[str, str]:
        """A new session: (token for the cookie, CSRF token for the page)."""
        token, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = self._clock()
        async with self._sessions.begin() as session:
            session.add(
                WebSessionRow(
                    token_hash=_digest(token),
                    user_id=user_id,
                    csrf_token=csrf_token,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self.lifetime,
                )
            )
        return token, csrf_token

    async def resolve(self, token: str) -> SignedIn | None:
        """Who holds this token, or None: unknown, expired, idle too long, user inactive."""
        if not _TOKEN.fullmatch(token):
            return None
        now = self._clock()
        digest = _digest(token)
        statement = (
            select(WebSessionRow, UserRow)
            .join(UserRow, UserRow.id == WebSessionRow.user_id)
            .where(WebSessionRow.token_hash == digest)
        )
        async with self._sessions() as session:
            found = (await session.execute(statement)).one_or_none()
        if found is None:
            return None
        row, user = found
        if not user.active or self._ended(row, now):
            await self.delete(token)
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            await self._touch(digest, now)
        return SignedIn(to_user(user).principal(), row.csrf_token)

    async def delete(self, token: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(WebSessionRow).where(WebSessionRow.token_hash == _digest(token))
            )

    async def delete_all_for(self, user_id: int) -> int:
        """Sign a user out everywhere; how many sessions ended."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(WebSessionRow).where(WebSessionRow.user_id == user_id)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_expired(self) -> int:
        """Delete sessions past their lifetime or idle timeout (housekeeping, hourly)."""
        now = self._clock()
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(WebSessionRow).where(
                    or_(
                        WebSessionRow.expires_at <= now,
                        WebSessionRow.last_seen_at <= now - self.idle_timeout,
                    )
                )
            )
        return int(getattr(result, "rowcount", 0) or 0)

    def _ended(self, row: WebSessionRow, now: float) -> bool:
        return now >= row.expires_at or now - row.last_seen_at >= self.idle_timeout

    async def _touch(self, digest: str, now: float) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(WebSessionRow)
                .where(WebSessionRow.token_hash == digest)
                .values(last_seen_at=now)
            )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()
