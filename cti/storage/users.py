"""The users who sign in to the console, with their argon2id password hashes.

Everything handed out is a `User` without the hash. Changing a password or deactivating a
user ends their web sessions in the same transaction.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import enum
import time
from collections.abc import AsyncIterator, Callable, Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.auth.passwords import Passwords
from cti.domain.roles import Role
from cti.domain.users import (
    ExtensionTaken,
    InvalidUser,
    UnknownUser,
    User,
    UsernameTaken,
    clean_extension,
    clean_full_name,
    clean_roles,
    clean_unit,
    clean_username,
)
from cti.storage.models import UserRow, WebSessionRow

# argon2id takes 64 MiB and tens of milliseconds per hash: a burst of sign-ins (the start of
# a shift, or a guessing script) waits here instead of filling memory and the thread pool.
CONCURRENT_HASHES = 4
_ROLE_VALUES = {role.value for role in Role}


class Keep(enum.Enum):
    """`update(extension=KEEP)`: leave the field as it is (None would clear it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


class UserStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        passwords: Passwords | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._passwords = passwords or Passwords()
        self._clock = clock
        self._hashing = asyncio.Semaphore(CONCURRENT_HASHES)

    async def add(
        self,
        username: str,
        full_name: str,
        password: str,
        roles: Iterable[str],
        extension: str | None = None,
        unit: str | None = None,
    ) -> User:
        """A new active user; raises InvalidUser, WeakPassword, UsernameTaken, ExtensionTaken."""
        now = self._clock()
        row = UserRow(
            username=clean_username(username),
            full_name=clean_full_name(full_name),
            roles=_joined(clean_roles(roles)),
            extension=clean_extension(extension),
            unit=clean_unit(unit),
            active=True,
            created_at=now,
            updated_at=now,
        )
        row.password_hash = await self._hash(password)
        async with self._writing(row.username, row.extension) as session:
            if await _by_name(session, row.username) is not None:
                raise UsernameTaken(row.username)
            await _extension_free(session, row.extension, None)
            session.add(row)
            await session.flush()
        return to_user(row)

    async def get_by_username(self, username: str) -> User | None:
        async with self._sessions() as session:
            row = await _by_name(session, username.strip().lower())
        return None if row is None else to_user(row)

    async def by_id(self, user_id: int) -> User | None:
        async with self._sessions() as session:
            row = await session.get(UserRow, user_id)
        return None if row is None else to_user(row)

    async def list(self) -> builtins.list[User]:
        async with self._sessions() as session:
            rows = await session.scalars(select(UserRow).order_by(UserRow.username))
            return [to_user(row) for row in rows]

    async def update(
        self,
        username: str,
        *,
        full_name: str | None = None,
        roles: Iterable[str] | None = None,
        extension: str | Keep | None = KEEP,
        unit: str | Keep | None = KEEP,
        active: bool | None = None,
    ) -> User:
        """Change what is given; deactivating ends the user's sessions. Raises UnknownUser."""
        wanted = None if isinstance(extension, Keep) else extension
        async with self._writing(username, wanted) as session:
            row = await _existing(session, username)
            if full_name is not None:
                row.full_name = clean_full_name(full_name)
            if roles is not None:
                row.roles = _joined(clean_roles(roles))
            if not isinstance(extension, Keep):
                row.extension = clean_extension(extension)
                await _extension_free(session, row.extension, row.id)
            if not isinstance(unit, Keep):
                row.unit = clean_unit(unit)
            if active is not None:
                row.active = active
                if not active:
                    await _end_sessions(session, row.id)
            row.updated_at = self._clock()
        return to_user(row)

    async def set_password(self, username: str, password: str) -> None:
        """A new password (WeakPassword if it breaks the rule); ends every session of theirs."""
        hashed = await self._hash(password)
        async with self._writing() as session:
            row = await _existing(session, username)
            row.password_hash = hashed
            row.updated_at = self._clock()
            await _end_sessions(session, row.id)

    async def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this password, or None; the same cost whoever asks about."""
        try:
            name: str | None = clean_username(username)
        except InvalidUser:
            name = None
        async with self._sessions() as session:
            row = await _by_name(session, name) if name else None
        stored = row.password_hash if row is not None and row.active else None
        async with self._hashing:
            matches = await asyncio.to_thread(self._passwords.verify, stored, password)
        if not matches or row is None or stored is None:
            return None
        if self._passwords.needs_rehash(stored):
            await self.set_password_hash(row.id, await self._hash(password))
        return to_user(row)

    async def set_password_hash(self, user_id: int, hashed: str) -> None:
        """The same password under new hash parameters; sessions stay."""
        async with self._writing() as session:
            row = await session.get(UserRow, user_id)
            if row is not None:
                row.password_hash = hashed

    async def _hash(self, password: str) -> str:
        async with self._hashing:
            return await asyncio.to_thread(self._passwords.hash, password)

    @contextlib.asynccontextmanager
    async def _writing(
        self, username: str = "", extension: str | None = None
    ) -> AsyncIterator[AsyncSession]:
        try:
            async with self._sessions.begin() as session:
                yield session
        except IntegrityError as error:
            # Only when two writers raced past the checks; the driver's text names the column.
            if "extension" in str(error.orig):
                raise ExtensionTaken(extension or "") from None
            raise UsernameTaken(username) from None


async def _by_name(session: AsyncSession, username: str) -> UserRow | None:
    row: UserRow | None = await session.scalar(
        select(UserRow).where(UserRow.username == username)
    )
    return row


async def _existing(session: AsyncSession, username: str) -> UserRow:
    row = await _by_name(session, username.strip().lower())
    if row is None:
        raise UnknownUser(username)
    return row


async def _extension_free(session: AsyncSession, extension: str | None, owner: int | None) -> None:
    if extension is None:
        return
    holder = await session.scalar(select(UserRow.id).where(UserRow.extension == extension))
    if holder is not None and holder != owner:
        raise ExtensionTaken(extension)


async def _end_sessions(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))


def _joined(roles: frozenset[Role]) -> str:
    return ",".join(sorted(role.value for role in roles))


def roles_of(stored: str) -> frozenset[Role]:
    """The roles a row holds; a value this version does not know is no role at all."""
    return frozenset(Role(value) for value in stored.split(",") if value in _ROLE_VALUES)


def to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        full_name=row.full_name,
        roles=roles_of(row.roles),
        extension=row.extension,
        unit=row.unit,
        active=row.active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
