from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from cti.auth.passwords import Passwords, WeakPassword
from cti.domain.roles import Role
from cti.domain.users import ExtensionTaken, InvalidUser, UnknownUser, UsernameTaken
from cti.storage.models import UserRow
from cti.storage.users import UserStore
from tests.unit.auth_support import FAST, PASSWORD, Db, people_db


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Db]:
    db = await people_db(tmp_path)
    yield db
    await db.engine.dispose()


async def add_operator(db: Db, username: str = "ayse", extension: str | None = "1001") -> int:
    user = await db.users.add(username, "Ayşe Yılmaz", PASSWORD, ["operator"], extension)
    return user.id


async def test_an_added_user_is_found_by_name_and_id_without_the_hash(db: Db) -> None:
    user = await db.users.add(
        " Ayse.Yilmaz ", "  Ayşe   Yılmaz ", PASSWORD, ["operator", "supervisor"], "1001", None
    )
    assert user.username == "ayse.yilmaz" and user.full_name == "Ayşe Yılmaz"
    assert user.roles == {Role.OPERATOR, Role.SUPERVISOR}
    assert user.active and user.created_at == db.clock.now
    assert await db.users.get_by_username("AYSE.YILMAZ") == user
    assert await db.users.by_id(user.id) == user
    assert not hasattr(user, "password_hash")
    assert user.principal().extension == "1001"


async def test_only_the_argon2id_hash_is_stored(db: Db) -> None:
    await add_operator(db)
    async with db.factory() as session:
        stored = await session.scalar(select(UserRow.password_hash))
    assert stored is not None and stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_users_are_listed_by_username(db: Db) -> None:
    for name, ext in (("zeynep", "1003"), ("ali", None), ("mehmet", "1002")):
        await add_operator(db, name, ext)
    assert [u.username for u in await db.users.list()] == ["ali", "mehmet", "zeynep"]


async def test_a_username_is_taken_once(db: Db) -> None:
    await add_operator(db, "ayse", "1001")
    with pytest.raises(UsernameTaken, match="'ayse' is taken"):
        await add_operator(db, "AYSE", None)


async def test_an_extension_belongs_to_one_user(db: Db) -> None:
    await add_operator(db, "ayse", "1001")
    with pytest.raises(ExtensionTaken, match="'1001'"):
        await add_operator(db, "mehmet", "1001")
    mehmet = await add_operator(db, "mehmet", "1002")
    with pytest.raises(ExtensionTaken):
        await db.users.update("mehmet", extension="1001")
    same = await db.users.update("ayse", extension="1001")  # keeping one's own is fine
    assert same.extension == "1001"
    assert (await db.users.by_id(mehmet)).extension == "1002"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("username", "field"),
    [("a", "username"), ("ayşe", "username"), ("ay se", "username"), ("x" * 65, "username")],
)
async def test_a_bad_username_is_refused(db: Db, username: str, field: str) -> None:
    with pytest.raises(InvalidUser) as refused:
        await db.users.add(username, "Ayşe", PASSWORD, ["operator"])
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"roles": []}, "roles"),
        ({"roles": ["boss"]}, "roles"),
        ({"full_name": "   "}, "full_name"),
        ({"extension": "10 01"}, "extension"),
        ({"unit": "su/kanal"}, "unit"),
    ],
)
async def test_a_bad_field_is_refused_and_nothing_changes(
    db: Db, change: dict[str, object], field: str
) -> None:
    await add_operator(db)
    before = await db.users.get_by_username("ayse")
    with pytest.raises(InvalidUser) as refused:
        await db.users.update("ayse", **change)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert await db.users.get_by_username("ayse") == before


async def test_a_weak_password_is_refused_before_anything_is_written(db: Db) -> None:
    with pytest.raises(WeakPassword):
        await db.users.add("ayse", "Ayşe", "kısa", ["operator"])
    assert await db.users.list() == []


async def test_an_update_changes_only_what_is_given(db: Db) -> None:
    await add_operator(db)
    db.clock.advance(60)
    user = await db.users.update("ayse", roles=["unit_staff"], unit="aski")
    assert user.roles == {Role.UNIT_STAFF} and user.unit == "aski"
    assert user.extension == "1001" and user.full_name == "Ayşe Yılmaz"
    assert user.updated_at == user.created_at + 60
    cleared = await db.users.update("ayse", extension=None)
    assert cleared.extension is None and cleared.unit == "aski"


async def test_an_unknown_user_cannot_be_changed(db: Db) -> None:
    with pytest.raises(UnknownUser):
        await db.users.update("nobody", active=False)
    with pytest.raises(UnknownUser):
        await db.users.set_password("nobody", PASSWORD)


async def test_authentication_needs_the_right_password_and_an_active_user(db: Db) -> None:
    await add_operator(db)
    assert (await db.users.authenticate("Ayse", PASSWORD)) is not None
    assert await db.users.authenticate("ayse", PASSWORD + "x") is None
    assert await db.users.authenticate("nobody", PASSWORD) is None
    assert await db.users.authenticate("../etc", PASSWORD) is None
    await db.users.update("ayse", active=False)
    assert await db.users.authenticate("ayse", PASSWORD) is None


async def test_a_new_password_replaces_the_old_and_ends_every_session(db: Db) -> None:
    user_id = await add_operator(db)
    token, _ = await db.sessions.create(user_id)
    await db.users.set_password("ayse", "yeni parola 2026")
    assert await db.users.authenticate("ayse", PASSWORD) is None
    assert await db.users.authenticate("ayse", "yeni parola 2026") is not None
    assert await db.sessions.resolve(token) is None


async def test_deactivating_a_user_ends_their_sessions(db: Db) -> None:
    user_id = await add_operator(db)
    token, _ = await db.sessions.create(user_id)
    await db.users.update("ayse", active=False)
    await db.users.update("ayse", active=True)
    assert await db.sessions.resolve(token) is None  # reactivating does not bring it back


async def test_a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(db: Db) -> None:
    await add_operator(db)
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    upgraded = UserStore(db.factory, passwords=stronger, clock=db.clock)
    assert await upgraded.authenticate("ayse", PASSWORD) is not None
    async with db.factory() as session:
        stored = await session.scalar(select(UserRow.password_hash))
    assert stored is not None and "m=16,t=2,p=1" in stored
    assert FAST.verify(stored, PASSWORD)
