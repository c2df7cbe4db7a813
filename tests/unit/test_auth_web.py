"""Signing in and out over HTTP, the session cookie, CSRF and Origin checks, throttling,
security headers and the user routes, on a real SQLite file."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSServerHandshakeError

from cti.web.app import create_app
from cti.web.auth import CONTENT_SECURITY_POLICY, COOKIE, People
from tests.unit.auth_support import (
    PASSWORD,
    Client,
    Db,
    FakeCalls,
    FakeHealth,
    FakeQueues,
    check_documented,
    client_for,
    people_db,
    people_of,
    sign_in,
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Db]:
    db = await people_db(tmp_path)
    await db.users.add("admin", "Yönetici", PASSWORD, ["admin"])
    await db.users.add("ayse", "Ayşe Yılmaz", PASSWORD, ["operator"], "1001")
    await db.users.add("selin", "Selin Kaya", PASSWORD, ["supervisor"])
    yield db
    await db.engine.dispose()


async def serve(people: People) -> Client:
    app = create_app(calls=FakeCalls(), queues=FakeQueues(), health=FakeHealth(), people=people)
    return await client_for(app)


@pytest.fixture
async def client(db: Db) -> AsyncIterator[Client]:
    client = await serve(people_of(db))
    yield client
    await client.close()


async def signed_in(client: Client, username: str) -> str:
    """Signs in (the client keeps the cookie); the CSRF token."""
    status, body = await sign_in(client, username)
    assert status == 200, body
    check_documented("post", "/api/session", 200, body)
    return str(body["csrf_token"])


def set_cookie(response: Any) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.getall("Set-Cookie", []):
        cookie.load(header)
    return cookie


# Signing in and out


async def test_signing_in_answers_the_user_and_a_csrf_token(client: Client) -> None:
    status, body = await sign_in(client, "Ayse")
    assert status == 200
    assert body["user"] == {
        "username": "ayse",
        "full_name": "Ayşe Yılmaz",
        "roles": ["operator"],
        "extension": "1001",
        "unit": None,
    }
    assert len(body["csrf_token"]) >= 43


async def test_the_session_cookie_is_httponly_strict_and_for_the_whole_site(
    client: Client,
) -> None:
    response = await client.post("/api/session", json={"username": "ayse", "password": PASSWORD})
    morsel = set_cookie(response)[COOKIE]
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and morsel["path"] == "/"
    assert not morsel["secure"]
    assert not morsel["max-age"] and not morsel["expires"]  # ends with the browser


async def test_the_cookie_is_secure_when_served_over_https(db: Db) -> None:
    client = await serve(people_of(db, secure_cookies=True))
    try:
        response = await client.post(
            "/api/session", json={"username": "ayse", "password": PASSWORD}
        )
        assert response.status == 200
        assert set_cookie(response)[COOKIE]["secure"]
    finally:
        await client.close()


async def test_the_session_answers_who_is_signed_in_after_a_reload(client: Client) -> None:
    csrf_token = await signed_in(client, "ayse")
    response = await client.get("/api/session")
    body = await response.json()
    check_documented("get", "/api/session", 200, body)
    assert body["user"]["username"] == "ayse" and body["csrf_token"] == csrf_token


async def test_without_a_session_every_signed_in_route_is_401(client: Client) -> None:
    for path in ("/api/session", "/api/calls", "/api/users"):
        response = await client.get(path)
        assert response.status == 401
        body = await response.json()
        assert body["error"]["code"] == "unauthorized"
        check_documented("get", path, 401, body)


@pytest.mark.parametrize(
    ("username", "password"),
    [("ayse", "yanlış parola 153"), ("nobody", PASSWORD), ("", PASSWORD), ("ayse", "")],
)
async def test_wrong_credentials_get_one_answer_whoever_exists(
    client: Client, username: str, password: str
) -> None:
    response = await client.post("/api/session", json={"username": username, "password": password})
    assert response.status == 401
    assert COOKIE not in set_cookie(response)
    body = await response.json()
    check_documented("post", "/api/session", 401, body)
    assert body["error"] == {
        "code": "invalid_credentials",
        "message": "Kullanıcı adı ya da parola yanlış / wrong username or password",
    }


@pytest.mark.parametrize(
    "body", [None, [], {"username": "ayse"}, {"username": 1, "password": PASSWORD},
             {"username": "ayse", "password": PASSWORD, "remember": True}]
)
async def test_a_malformed_sign_in_is_400(client: Client, body: object) -> None:
    response = await client.post("/api/session", json=body)
    assert response.status == 400
    check_documented("post", "/api/session", 400, await response.json())


async def test_a_disabled_user_cannot_sign_in(client: Client, db: Db) -> None:
    await db.users.update("ayse", active=False)
    assert (await sign_in(client, "ayse"))[0] == 401


async def test_disabling_a_user_ends_their_open_session(client: Client, db: Db) -> None:
    await signed_in(client, "ayse")
    assert (await client.get("/api/calls")).status == 200
    await db.users.update("ayse", active=False)
    assert (await client.get("/api/calls")).status == 401


async def test_signing_out_ends_the_session_and_clears_the_cookie(client: Client) -> None:
    csrf_token = await signed_in(client, "ayse")
    token = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    response = await client.delete("/api/session", headers={"X-CSRF-Token": csrf_token})
    assert response.status == 200
    check_documented("delete", "/api/session", 200, await response.json())
    assert set_cookie(response)[COOKIE].value == ""
    replayed = await client.get("/api/session", cookies={COOKIE: token})
    assert replayed.status == 401


async def test_a_new_sign_in_replaces_the_session_the_browser_had(client: Client) -> None:
    await signed_in(client, "ayse")
    first = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    await signed_in(client, "ayse")
    assert (await client.get("/api/session", cookies={COOKIE: first})).status == 401
    assert (await client.get("/api/session")).status == 200


async def test_no_password_or_token_reaches_the_log(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what production logs (a driver's DEBUG shows parameters)
    await sign_in(client, "ayse", "yanlış parola 153")
    await sign_in(client, PASSWORD, PASSWORD)  # a password typed into the name field
    csrf_token = await signed_in(client, "ayse")
    token = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    await client.get("/api/users")
    for secret in (PASSWORD, "yanlış parola", token, csrf_token):
        assert secret not in caplog.text


# CSRF and Origin


async def test_an_unsafe_request_without_the_csrf_token_is_403(client: Client) -> None:
    await signed_in(client, "admin")
    new = {"username": "mehmet", "full_name": "Mehmet", "password": PASSWORD, "roles": ["operator"]}
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}):
        response = await client.post("/api/users", json=new, headers=headers)
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "csrf_failed"
    assert (await client.delete("/api/session")).status == 403


async def test_an_unsafe_request_with_the_csrf_token_passes(client: Client) -> None:
    csrf_token = await signed_in(client, "admin")
    new = {"username": "mehmet", "full_name": "Mehmet", "password": PASSWORD, "roles": ["operator"]}
    response = await client.post("/api/users", json=new, headers={"X-CSRF-Token": csrf_token})
    assert response.status == 201


async def test_another_sessions_csrf_token_does_not_pass(client: Client, db: Db) -> None:
    other = await client_for(client.app)  # type: ignore[arg-type]
    try:
        theirs = await signed_in(other, "selin")
    finally:
        await other.close()
    await signed_in(client, "admin")
    response = await client.delete("/api/session", headers={"X-CSRF-Token": theirs})
    assert response.status == 403


async def test_a_request_from_another_origin_is_refused(client: Client) -> None:
    csrf_token = await signed_in(client, "ayse")
    for origin in ("http://evil.example", "null", str(client.make_url("/")).rstrip("/") + "0"):
        response = await client.get("/api/calls", headers={"Origin": origin})
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "cross_origin"
    own = str(client.make_url("")).rstrip("/")
    response = await client.get("/api/calls", headers={"Origin": own})
    assert response.status == 200
    response = await client.delete(
        "/api/session", headers={"Origin": "http://evil.example", "X-CSRF-Token": csrf_token}
    )
    assert response.status == 403


async def test_another_site_cannot_sign_a_browser_in(client: Client) -> None:
    status, body = await sign_in(client, "ayse", Origin="http://evil.example")
    assert status == 403 and body["error"]["code"] == "cross_origin"
    status, _ = await sign_in(client, "ayse", Origin=str(client.make_url("")).rstrip("/"))
    assert status == 200


async def test_a_trusted_origin_passes(db: Db) -> None:
    client = await serve(people_of(db, trusted_origins=frozenset({"https://153.example"})))
    try:
        status, _ = await sign_in(client, "ayse", Origin="https://153.example")
        assert status == 200
    finally:
        await client.close()


async def test_a_websocket_upgrade_from_another_origin_is_refused(client: Client) -> None:
    # /api/console/ws exists only with the console; the refusal comes before any route.
    await signed_in(client, "ayse")
    with pytest.raises(WSServerHandshakeError) as refused:
        await client.ws_connect("/api/calls", headers={"Origin": "http://evil.example"})
    assert refused.value.status == 403


# Throttling


async def test_five_failures_for_a_username_lock_it_for_a_minute(client: Client, db: Db) -> None:
    for _ in range(5):
        assert (await sign_in(client, "ayse", "yanlış parola 153"))[0] == 401
    response = await client.post("/api/session", json={"username": "ayse", "password": PASSWORD})
    assert response.status == 429
    assert response.headers["Retry-After"] == "60"
    check_documented("post", "/api/session", 429, await response.json())
    db.clock.advance(60)
    assert (await sign_in(client, "ayse"))[0] == 200


async def test_an_unknown_username_is_throttled_exactly_like_a_known_one(
    client: Client, db: Db
) -> None:
    answers = {}
    for username in ("ayse", "nobody"):
        statuses = [(await sign_in(client, username, "yanlış parola 153"))[0] for _ in range(6)]
        answers[username] = statuses
        db.clock.advance(301)  # the address's failures are forgotten too
    assert answers["ayse"] == answers["nobody"] == [401] * 5 + [429]


async def test_five_failures_from_one_address_lock_the_address(client: Client, db: Db) -> None:
    for n in range(5):
        assert (await sign_in(client, f"guess{n}", "yanlış parola 153"))[0] == 401
    assert (await sign_in(client, "selin"))[0] == 429
    db.clock.advance(60)
    assert (await sign_in(client, "selin"))[0] == 200


async def test_failures_older_than_five_minutes_are_forgotten(client: Client, db: Db) -> None:
    for _ in range(4):
        await sign_in(client, "ayse", "yanlış parola 153")
    db.clock.advance(301)
    await sign_in(client, "ayse", "yanlış parola 153")
    assert (await sign_in(client, "ayse"))[0] == 200


# Security headers


async def test_every_answer_carries_the_security_headers(client: Client) -> None:
    for path, status in (("/api/health", 200), ("/api/calls", 401), ("/api/nowhere", 404)):
        response = await client.get(path)
        assert response.status == status
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
    page = await client.get("/not-the-api")
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "Cache-Control" not in page.headers


async def test_head_is_answered_as_get(client: Client) -> None:
    assert (await client.head("/api/calls")).status == 401
    await signed_in(client, "ayse")
    assert (await client.head("/api/calls")).status == 200


# Users


async def test_admins_and_supervisors_list_users_without_hashes(client: Client) -> None:
    await signed_in(client, "selin")
    response = await client.get("/api/users")
    body = await response.json()
    check_documented("get", "/api/users", 200, body)
    assert [u["username"] for u in body["users"]] == ["admin", "ayse", "selin"]
    assert "argon2" not in await response.text()


async def test_an_admin_adds_a_user_who_can_then_sign_in(client: Client) -> None:
    csrf_token = await signed_in(client, "admin")
    new = {
        "username": "Mehmet.Demir",
        "full_name": "Mehmet Demir",
        "password": "mehmetin parolası",
        "roles": ["operator", "feedback_operator"],
        "extension": "1002",
    }
    response = await client.post("/api/users", json=new, headers={"X-CSRF-Token": csrf_token})
    body = await response.json()
    check_documented("post", "/api/users", 201, body)
    assert body["user"]["username"] == "mehmet.demir"
    assert body["user"]["roles"] == ["feedback_operator", "operator"]
    status, _ = await sign_in(client, "mehmet.demir", "mehmetin parolası")
    assert status == 200


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"username": "ayse"}, 409, "username_taken"),
        ({"extension": "1001"}, 409, "extension_taken"),
        ({"password": "kısa"}, 400, "weak_password"),
        ({"roles": ["boss"]}, 400, "invalid_parameter"),
        ({"roles": "operator"}, 400, "invalid_parameter"),
        ({"username": "a b"}, 400, "invalid_parameter"),
        ({"is_admin": True}, 400, "unknown_parameter"),
    ],
)
async def test_a_refused_new_user_says_why(
    client: Client, change: dict[str, object], status: int, code: str
) -> None:
    csrf_token = await signed_in(client, "admin")
    new = {"username": "mehmet", "full_name": "Mehmet", "password": PASSWORD,
           "roles": ["operator"], **change}
    response = await client.post("/api/users", json=new, headers={"X-CSRF-Token": csrf_token})
    assert response.status == status
    body = await response.json()
    check_documented("post", "/api/users", status, body)
    assert body["error"]["code"] == code


async def patch(client: Client, csrf_token: str, username: str, change: dict[str, object]) -> Any:
    return await client.patch(
        f"/api/users/{username}", json=change, headers={"X-CSRF-Token": csrf_token}
    )


async def test_an_admin_changes_a_user(client: Client) -> None:
    csrf_token = await signed_in(client, "admin")
    response = await patch(client, csrf_token, "ayse", {"roles": ["supervisor"], "extension": None})
    body = await response.json()
    check_documented("patch", "/api/users/{username}", 200, body)
    assert body["user"]["roles"] == ["supervisor"] and body["user"]["extension"] is None
    assert body["user"]["full_name"] == "Ayşe Yılmaz"


async def test_a_new_password_from_an_admin_signs_the_user_out(client: Client, db: Db) -> None:
    other = await client_for(client.app)  # type: ignore[arg-type]
    try:
        await signed_in(other, "ayse")
        csrf_token = await signed_in(client, "admin")
        response = await patch(client, csrf_token, "ayse", {"password": "yeni parola 2026"})
        assert response.status == 200
        assert (await other.get("/api/session")).status == 401
        assert (await sign_in(other, "ayse", "yeni parola 2026"))[0] == 200
    finally:
        await other.close()


async def test_a_weak_new_password_changes_nothing(client: Client, db: Db) -> None:
    csrf_token = await signed_in(client, "admin")
    response = await patch(client, csrf_token, "ayse", {"roles": ["admin"], "password": "kısa"})
    assert response.status == 400
    assert (await db.users.get_by_username("ayse")).roles == {"operator"}  # type: ignore[union-attr]


@pytest.mark.parametrize("change", [{"active": False}, {"roles": ["supervisor"]}])
async def test_an_admin_cannot_lock_themselves_out(
    client: Client, change: dict[str, object]
) -> None:
    csrf_token = await signed_in(client, "admin")
    response = await patch(client, csrf_token, "admin", change)
    assert response.status == 409
    check_documented("patch", "/api/users/{username}", 409, await response.json())


async def test_changing_an_unknown_user_is_404(client: Client) -> None:
    csrf_token = await signed_in(client, "admin")
    response = await patch(client, csrf_token, "nobody", {"active": False})
    assert response.status == 404
    check_documented("patch", "/api/users/{username}", 404, await response.json())
