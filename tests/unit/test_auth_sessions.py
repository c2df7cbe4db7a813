from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from cti.domain.roles import Role
from cti.storage.models import UserRow, WebSessionRow
from tests.unit.auth_support import PASSWORD, Db, people_db

HOUR = 3600.0


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Db]:
    db = await people_db(tmp_path)
    yield db
    await db.engine.dispose()


async def signed_in(db: Db) -> tuple[int, str, str]:
    user = await db.users.add("ayse", "Ayşe Yılmaz", PASSWORD, ["operator"], "1001", None)
    token, csrf_token = await db.sessions.create(user.id)
    return user.id, token, csrf_token


async def rows(db: Db) -> list[WebSessionRow]:
    async with db.factory() as session:
        return list(await session.scalars(select(WebSessionRow)))


async def test_a_session_resolves_to_its_principal_and_csrf_token(db: Db) -> None:
    user_id, token, csrf_token = await signed_in(db)
    found = await db.sessions.resolve(token)
    assert found is not None
    assert found.csrf_token == csrf_token != token
    assert found.principal.user_id == user_id
    assert found.principal.roles == {Role.OPERATOR} and found.principal.extension == "1001"


async def test_only_the_tokens_sha256_is_stored(db: Db) -> None:
    _, token, _ = await signed_in(db)
    [row] = await rows(db)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.csrf_token)


@pytest.mark.parametrize("token", ["", "x", "a" * 42, "a" * 44, "ä" * 43, "a" * 42 + "="])
async def test_a_malformed_or_unknown_token_resolves_to_nobody(db: Db, token: str) -> None:
    await signed_in(db)
    assert await db.sessions.resolve(token) is None
    assert await db.sessions.resolve("A" * 43) is None


async def test_a_session_idle_for_nine_hours_has_ended(db: Db) -> None:
    _, token, _ = await signed_in(db)
    db.clock.advance(9 * HOUR)
    assert await db.sessions.resolve(token) is None
    assert await rows(db) == []


async def test_each_request_restarts_the_idle_time(db: Db) -> None:
    _, token, _ = await signed_in(db)
    db.clock.advance(2 * HOUR)
    assert await db.sessions.resolve(token) is not None
    db.clock.advance(9 * HOUR - 1)  # 11 h after sign-in, 9 h less a second after that request
    assert await db.sessions.resolve(token) is not None


async def test_a_busy_session_still_ends_twelve_hours_after_sign_in(db: Db) -> None:
    _, token, _ = await signed_in(db)
    for _ in range(23):
        db.clock.advance(HOUR / 2)
        assert await db.sessions.resolve(token) is not None
    db.clock.advance(HOUR / 2 - 1)
    assert await db.sessions.resolve(token) is not None
    db.clock.advance(1)
    assert await db.sessions.resolve(token) is None


async def test_last_seen_is_written_at_most_once_a_minute(db: Db) -> None:
    _, token, _ = await signed_in(db)
    start = db.clock.now
    db.clock.advance(59)
    await db.sessions.resolve(token)
    assert [r.last_seen_at for r in await rows(db)] == [start]
    db.clock.advance(1)
    await db.sessions.resolve(token)
    assert [r.last_seen_at for r in await rows(db)] == [start + 60]


async def test_signing_out_ends_only_that_session(db: Db) -> None:
    user_id, token, _ = await signed_in(db)
    other, _ = await db.sessions.create(user_id)
    await db.sessions.delete(token)
    assert await db.sessions.resolve(token) is None
    assert await db.sessions.resolve(other) is not None


async def test_all_sessions_of_a_user_end_together(db: Db) -> None:
    user_id, token, _ = await signed_in(db)
    second, _ = await db.sessions.create(user_id)
    assert await db.sessions.delete_all_for(user_id) == 2
    assert await db.sessions.resolve(token) is None and await db.sessions.resolve(second) is None


async def test_an_inactive_users_session_resolves_to_nobody(db: Db) -> None:
    user_id, token, _ = await signed_in(db)
    async with db.factory.begin() as session:  # deactivated behind the store's back
        user = await session.get(UserRow, user_id)
        assert user is not None
        user.active = False
    assert await db.sessions.resolve(token) is None


async def test_role_changes_apply_to_a_running_session(db: Db) -> None:
    _, token, _ = await signed_in(db)
    await db.users.update("ayse", roles=["supervisor"])
    found = await db.sessions.resolve(token)
    assert found is not None and found.principal.roles == {Role.SUPERVISOR}


async def test_expired_sessions_are_purged(db: Db) -> None:
    user_id, _, _ = await signed_in(db)
    db.clock.advance(10 * HOUR)
    fresh, _ = await db.sessions.create(user_id)
    assert await db.sessions.purge_expired() == 1
    assert [r.created_at for r in await rows(db)] == [db.clock.now]
    assert await db.sessions.resolve(fresh) is not None
