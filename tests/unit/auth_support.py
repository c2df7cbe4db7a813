"""What the sign-in tests share: a migrated SQLite file with fast password hashing, a fake
clock, users of every role, and a client speaking to the app with a cookie jar."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher
from jsonschema import Draft202012Validator
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cti.auth.passwords import Passwords
from cti.auth.throttle import LoginThrottle
from cti.domain.calls.record import CallRecord
from cti.storage.call_search import CallPage
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.users import UserStore
from cti.storage.web_sessions import SessionStore
from cti.web.auth import People
from cti.web.openapi import DOCUMENT
from cti.web.ports import ComponentHealth

Client = TestClient[web.Request, web.Application]
PASSWORD = "doğru-parola-153"  # correct password of every test user
T0 = 1_760_000_000.0

# Cheap parameters: the tests hash dozens of times; production keeps argon2-cffi's defaults.
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Db:
    engine: AsyncEngine
    factory: async_sessionmaker[AsyncSession]
    users: UserStore
    sessions: SessionStore
    clock: FakeClock


async def people_db(tmp_path: Path) -> Db:
    url = f"sqlite+aiosqlite:///{tmp_path / 'people.db'}"
    await upgrade(url)
    engine = create_engine(url)
    factory = session_factory(engine)
    clock = FakeClock()
    return Db(
        engine,
        factory,
        UserStore(factory, passwords=FAST, clock=clock),
        SessionStore(factory, clock=clock),
        clock,
    )


def people_of(db: Db, **kw: Any) -> People:
    throttle = kw.pop("throttle", LoginThrottle(clock=db.clock))
    return People(users=db.users, sessions=db.sessions, throttle=throttle, **kw)


class FakeCalls:
    async def get(self, call_id: str) -> CallRecord | None:
        return None

    async def search(self, **filters: Any) -> CallPage:
        return CallPage([], None)


class FakeQueues:
    def snapshot(self) -> Mapping[str, object]:
        return {"queues": {}, "operators": {}}


class FakeHealth:
    async def check(self) -> Mapping[str, ComponentHealth]:
        up = ComponentHealth(True, "ok")
        return {"ami": up, "fastagi": up, "database": up, "redis": up}


async def client_for(app: web.Application) -> Client:
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def sign_in(
    client: Client, username: str, password: str = PASSWORD, **headers: str
) -> tuple[int, Any]:
    response = await client.post(
        "/api/session", json={"username": username, "password": password}, headers=headers
    )
    return response.status, await response.json()


# The OpenAPI document as a client reads it, to hold answers to it.
SPEC: dict[str, Any] = json.loads(json.dumps(DOCUMENT))


def check_documented(method: str, template: str, status: int, body: object) -> None:
    """The answer's status is documented for the operation and its body fits the schema."""
    operation = SPEC["paths"][template][method.lower()]
    answer = operation["responses"].get(str(status))
    assert answer is not None, f"{method} {template} answers {status}, undocumented"
    if "$ref" in answer:
        answer = SPEC["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    schema = answer["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": SPEC["components"]}).validate(body)


def fill(template: str) -> str:
    """A concrete path for a route template: `/api/tickets/{number}` → `/api/tickets/x`."""
    samples = {"number": "153-2026-000001", "call_id": "alo153-1760000000.1"}
    if template == "/static":
        return "/static/nothing-here.js"
    return re.sub(r"\{(\w+)\}", lambda m: samples.get(m[1], "x"), template)
