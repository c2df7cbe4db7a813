"""The HTTP API over a real call log on a SQLite file, with fake live queues and health.

Every answer goes through `answer()`, which holds it to the OpenAPI document: the status must
be documented for the operation and the body must match the documented schema.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestClient, TestServer
from jsonschema import Draft202012Validator, FormatChecker

from cti.domain.calls.record import (
    AttemptResult,
    CallRecord,
    HungUpBy,
    OperatorAttempt,
    Outcome,
    TimelineEntry,
)
from cti.storage.call_log import CallLog
from cti.storage.call_search import CallPage
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.web.app import create_app
from cti.web.call_params import QUERY_PARAMETERS
from cti.web.openapi import DOCUMENT
from cti.web.ports import CallQueries, ComponentHealth
from cti.web.server import RUNNER_OPTIONS, serving

Client = TestClient[web.Request, web.Application]
T0 = 1_760_000_000.0  # 2025-10-09T08:53:20Z
NUMBER = "05321112233"
OTHER_NUMBER = "05329998877"
JSON_UTF8 = "application/json; charset=utf-8"


def call(n: int, offset: float, outcome: Outcome, caller: str | None = NUMBER) -> CallRecord:
    start = T0 + offset
    first = OperatorAttempt(
        "op1001", "PJSIP/1001", start + 5.25, start + 20.5, AttemptResult.NO_ANSWER
    )
    return CallRecord(
        call_id=f"alo153-{int(start)}.{n}",
        caller_number=caller,
        caller_name="Ayşe Yılmaz" if caller else "",
        started_at=start,
        channel_uniqueid=f"{int(start)}.{n * 2}",
        queue="alo153",
        entered_queue_at=start + 4.123456,
        position_at_entry=1,
        attempts=[first],
        ended_at=start + 30,
        wait_seconds=25.877,
        hung_up_by=HungUpBy.CALLER,
        outcome=outcome,
        fallback_reason="max-wait" if outcome is Outcome.TIMED_OUT else None,
        timeline=[
            TimelineEntry(start, "channel_created"),
            TimelineEntry(start + 4.123456, "queued"),
        ],
    )


def answered(record: CallRecord, operator: str) -> CallRecord:
    at = record.started_at + 21
    attempt = OperatorAttempt(operator, f"PJSIP/{operator[2:]}", at - 2, at, AttemptResult.ANSWERED)
    return dataclasses.replace(
        record,
        attempts=[*record.attempts, attempt],
        answered_by=operator,
        answered_at=at,
        talk_seconds=9.0,
        hung_up_by=HungUpBy.OPERATOR,
        outcome=Outcome.ANSWERED,
        timeline=[*record.timeline, TimelineEntry(at, "answered", operator)],
    )


def ringing(record: CallRecord) -> CallRecord:
    attempt = OperatorAttempt("op1003", "PJSIP/1003", record.started_at + 6)
    return dataclasses.replace(
        record, attempts=[attempt], ended_at=None, wait_seconds=None, hung_up_by=None
    )


CALLS = {
    "first": answered(call(1, 0, Outcome.ANSWERED), "op1002"),
    "abandoned": call(2, 60, Outcome.ABANDONED, OTHER_NUMBER),
    "timed_out": call(3, 120, Outcome.TIMED_OUT),
    "blocked": call(4, 180, Outcome.BLOCKED, OTHER_NUMBER),
    "withheld": answered(call(5, 240, Outcome.ANSWERED, None), "op1001"),
    "same_second": ringing(call(6, 240, Outcome.IN_PROGRESS)),  # ties with "withheld"
}
NEWEST_FIRST = sorted(CALLS.values(), key=lambda c: (c.started_at, c.call_id), reverse=True)
ALL_IDS = [c.call_id for c in NEWEST_FIRST]


def ids(*names: str) -> list[str]:
    return [i for i in ALL_IDS if i in {CALLS[name].call_id for name in names}]


class FakeQueues:
    def __init__(self) -> None:
        self.state: dict[str, object] = {
            "queues": {"alo153": {"waiting": 2, "longest_wait_seconds": 41.5}},
            "operators": {"op1001": {"state": "on_call", "paused": False}},
        }

    def snapshot(self) -> Mapping[str, object]:
        return self.state


class FakeHealth:
    def __init__(self) -> None:
        self.components = {
            "ami": ComponentHealth(True, "connected", {"host": "127.0.0.1"}),
            "fastagi": ComponentHealth(True, "listening", {"port": 4573}),
            "database": ComponentHealth(True, "reachable"),
            "redis": ComponentHealth(True, "not configured"),
        }

    async def check(self) -> Mapping[str, ComponentHealth]:
        return self.components


class FailingLog:
    """A call log whose database fails and quotes the statement's parameters, as drivers do."""

    async def get(self, call_id: str) -> CallRecord | None:
        raise AssertionError("not used")

    async def search(self, **filters: Any) -> CallPage:
        raise RuntimeError(f"database is locked [parameters: ({filters['caller']!r},)]")


# The document's date-time, checked here: jsonschema checks it only with extra packages.
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(
    lambda value: not isinstance(value, str) or bool(_RFC3339.fullmatch(value))
)
SPEC: dict[str, Any] = json.loads(json.dumps(DOCUMENT))  # as a client reads it
COMPONENTS = SPEC["components"]


def documented_schema(method: str, path: str, status: int) -> dict[str, Any]:
    for template, operations in SPEC["paths"].items():
        if re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", template), path) and method in operations:
            answer = operations[method]["responses"].get(str(status))
            assert answer is not None, f"{method} {template} answers {status}, undocumented"
            if "$ref" in answer:
                answer = COMPONENTS["responses"][answer["$ref"].rsplit("/", 1)[1]]
            return dict(answer["content"]["application/json"]["schema"])
    assert status in (404, 405), f"{method} {path} is not documented"
    return {"$ref": "#/components/schemas/Error"}


async def answer(client: Client, url: str, status: int, *, method: str = "get", **kw: Any) -> Any:
    response = await client.request(method.upper(), url, **kw)
    assert response.status == status, await response.text()
    assert response.headers["Content-Type"] == JSON_UTF8
    body = await response.json()
    schema = documented_schema(method, response.url.raw_path, status)
    Draft202012Validator({**schema, "components": COMPONENTS}, format_checker=FORMATS).validate(
        body
    )
    return body


def app_of(client: Client) -> web.Application:
    assert client.app is not None
    return client.app


async def serve(calls: CallQueries, **kw: Any) -> Client:
    app = create_app(calls=calls, queues=FakeQueues(), health=kw.pop("health", FakeHealth()), **kw)
    server = TestServer(app)
    await server.start_server(**RUNNER_OPTIONS)  # the server options `serving` uses
    client = TestClient(server)
    await client.start_server()
    return client


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[CallLog]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'calls.db'}"
    await upgrade(url)
    engine = create_engine(url)
    log = CallLog(session_factory(engine))
    await log.save_many(CALLS.values())
    yield log
    await engine.dispose()


@pytest.fixture
async def client(log: CallLog) -> AsyncIterator[Client]:
    client = await serve(log)
    yield client
    await client.close()


async def test_the_list_holds_every_call_newest_first_without_timelines(client: Client) -> None:
    page = await answer(client, "/api/calls", 200)
    assert [c["call_id"] for c in page["calls"]] == ALL_IDS
    assert page["next_cursor"] is None
    assert all("timeline" not in c for c in page["calls"])


async def test_a_listed_call_has_every_record_field_and_each_time_twice(client: Client) -> None:
    page = await answer(client, "/api/calls", 200)
    first = next(c for c in page["calls"] if c["call_id"] == CALLS["first"].call_id)
    fields = {f.name for f in dataclasses.fields(CallRecord)} - {"timeline"}
    assert fields <= first.keys()
    assert first["started_at"] == T0
    assert first["started_at_iso"] == "2025-10-09T08:53:20.000000Z"
    assert first["entered_queue_at_iso"] == "2025-10-09T08:53:24.123456Z"
    assert first["outcome"] == "answered" and first["hung_up_by"] == "operator"
    assert [(a["operator"], a["ring_seconds"], a["result"]) for a in first["attempts"]] == [
        ("op1001", 15.25, "no_answer"),
        ("op1002", 2.0, "answered"),
    ]
    withheld = next(c for c in page["calls"] if c["call_id"] == CALLS["withheld"].call_id)
    assert withheld["caller_number"] is None
    still_ringing = next(c for c in page["calls"] if c["call_id"] == CALLS["same_second"].call_id)
    assert still_ringing["ended_at"] is None and still_ringing["ended_at_iso"] is None
    assert still_ringing["attempts"][0]["ring_seconds"] is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("since=1760000120", ids("timed_out", "blocked", "withheld", "same_second")),
        ("since=1760000120.5", ids("blocked", "withheld", "same_second")),
        ("since=2025-10-09T08:55:20Z", ids("timed_out", "blocked", "withheld", "same_second")),
        (
            "since=2025-10-09T11:55:20%2B03:00",
            ids("timed_out", "blocked", "withheld", "same_second"),
        ),
        # "+" unencoded arrives as a space; the offset is still understood.
        ("since=2025-10-09T11:55:20+03:00", ids("timed_out", "blocked", "withheld", "same_second")),
        ("until=2025-10-09T08:55:20Z", ids("first", "abandoned")),
        ("since=1760000060&until=1760000180", ids("abandoned", "timed_out")),
        ("outcome=answered", ids("first", "withheld")),
        ("outcome=in_progress", ids("same_second")),
        ("caller=05321112233", ids("first", "timed_out", "same_second")),
        ("caller=0532 111 22 33", ids("first", "timed_out", "same_second")),
        ("caller=%2B90 (532) 111-22-33", ids("first", "timed_out", "same_second")),
        ("caller=905329998877", ids("abandoned", "blocked")),
        ("operator=op1002", ids("first")),
        ("outcome=answered&caller=05321112233", ids("first")),
        ("operator=op9999", []),
    ],
)
async def test_filters_narrow_the_list(client: Client, query: str, expected: list[str]) -> None:
    page = await answer(client, f"/api/calls?{query}", 200)
    assert [c["call_id"] for c in page["calls"]] == expected


@pytest.mark.parametrize("limit", [1, 2, 4, 5, 6, 500])
async def test_paging_visits_every_call_exactly_once(client: Client, limit: int) -> None:
    seen: list[str] = []
    url: str | None = f"/api/calls?limit={limit}"
    pages = 0
    while url is not None:
        page = await answer(client, url, 200)
        pages += 1
        assert 1 <= len(page["calls"]) <= limit
        seen += [c["call_id"] for c in page["calls"]]
        cursor = page["next_cursor"]
        url = None if cursor is None else f"/api/calls?limit={limit}&cursor={cursor}"
    assert seen == ALL_IDS
    assert pages == math.ceil(len(ALL_IDS) / limit)


async def test_the_default_page_is_fifty(log: CallLog) -> None:
    many = [call(100 + n, 1000 + n, Outcome.ABANDONED) for n in range(55)]
    await log.save_many(many)
    client = await serve(log)
    try:
        page = await answer(client, "/api/calls", 200)
    finally:
        await client.close()
    assert len(page["calls"]) == 50 and page["next_cursor"] is not None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("since", "yesterday"),
        ("since", "2025-10-09T08:55:20"),  # no timezone
        ("since", "nan"),
        ("since", "1e9"),
        ("since", ""),
        ("until", "-5"),
        ("until", "١٧٦٠٠٠٠٠٠٠"),  # Arabic-Indic digits, which float() would read
        ("outcome", "lost"),
        ("outcome", "ANSWERED"),
        ("caller", "ahmet"),
        ("caller", ""),
        ("caller", "1" * 33),
        ("operator", "op' OR 1=1 --"),
        ("operator", ""),
        ("limit", "0"),
        ("limit", "501"),
        ("limit", "ten"),
        ("limit", "1.5"),
        ("limit", "-1"),
        ("cursor", "not a cursor!"),
        ("cursor", "bm90LWEtY3Vyc29y"),  # base64 of "not-a-cursor"
        ("cursor", "x" * 513),
    ],
)
async def test_a_bad_parameter_is_refused(client: Client, name: str, value: str) -> None:
    body = await answer(client, "/api/calls", 400, params={name: value})
    assert body["error"] == {
        "code": "invalid_parameter",
        "message": f"Geçersiz parametre / invalid parameter: {name}",
    }


async def test_a_repeated_parameter_is_refused(client: Client) -> None:
    body = await answer(client, "/api/calls?outcome=answered&outcome=abandoned", 400)
    assert body["error"]["message"] == "Geçersiz parametre / invalid parameter: outcome"


async def test_an_unknown_parameter_is_refused_not_ignored(client: Client) -> None:
    body = await answer(client, "/api/calls?callr=05321112233", 400)
    assert body["error"] == {
        "code": "unknown_parameter",
        "message": "Bilinmeyen parametre / unknown parameter: callr",
    }


async def test_one_call_comes_with_its_attempts_and_timeline(client: Client) -> None:
    record = CALLS["first"]
    body = await answer(client, f"/api/calls/{record.call_id}", 200)
    assert body["call_id"] == "alo153-1760000000.1"
    assert len(body["attempts"]) == 2
    assert [(e["kind"], e["detail"], e["at"]) for e in body["timeline"]] == [
        ("channel_created", "", T0),
        ("queued", "", T0 + 4.123456),
        ("answered", "op1002", T0 + 21),
    ]
    assert body["timeline"][2]["at_iso"] == "2025-10-09T08:53:41.000000Z"


async def test_an_unknown_call_is_404(client: Client) -> None:
    body = await answer(client, "/api/calls/alo153-1795682612.0", 404)
    assert body["error"] == {
        "code": "call_not_found",
        "message": "Çağrı bulunamadı / call not found",
    }


@pytest.mark.parametrize(
    "call_id",
    ["x" * 151, "..%2F..%2Fetc%2Fpasswd", "a%00b", "%3Cscript%3E", "1%27%20OR%201=1", "a%20b", "ç"],
)
async def test_a_hostile_call_id_is_refused(client: Client, call_id: str) -> None:
    body = await answer(client, f"/api/calls/{call_id}", 400)
    assert body["error"]["code"] == "invalid_call_id"


async def test_the_longest_valid_call_id_is_looked_up(client: Client) -> None:
    await answer(client, f"/api/calls/{'9' * 150}", 404)


async def test_unknown_paths_and_methods_answer_in_json(client: Client) -> None:
    body = await answer(client, "/api/nothing-here", 404)
    assert body["error"]["code"] == "not_found"
    body = await answer(client, "/api/calls", 405, method="post")
    assert body["error"]["code"] == "method_not_allowed"


async def test_queues_are_the_live_snapshot_as_given(client: Client) -> None:
    assert await answer(client, "/api/queues", 200) == FakeQueues().state


async def health_of(components: dict[str, ComponentHealth], status: int) -> Any:
    health = FakeHealth()
    health.components = components
    client = await serve(FailingLog(), health=health)
    try:
        return await answer(client, "/api/health", status)
    finally:
        await client.close()


async def test_health_is_200_when_everything_is_up_and_redis_not_configured() -> None:
    body = await health_of(FakeHealth().components, 200)
    assert body["status"] == "up"
    assert body["components"]["redis"] == {
        "up": True,
        "required": False,
        "reason": "not configured",
        "detail": {},
    }
    assert body["components"]["fastagi"]["detail"] == {"port": 4573}


async def test_health_is_200_but_degraded_while_only_redis_is_down() -> None:
    components = FakeHealth().components | {"redis": ComponentHealth(False, "connection refused")}
    assert (await health_of(components, 200))["status"] == "degraded"


@pytest.mark.parametrize("required", ["ami", "fastagi", "database"])
async def test_health_is_503_while_a_required_component_is_down(required: str) -> None:
    components = FakeHealth().components | {required: ComponentHealth(False, "login refused")}
    body = await health_of(components, 503)
    assert body["status"] == "down"
    assert body["components"][required] == {
        "up": False,
        "required": True,
        "reason": "login refused",
        "detail": {},
    }


async def test_a_required_component_the_probe_forgot_is_down() -> None:
    components = {k: v for k, v in FakeHealth().components.items() if k != "database"}
    body = await health_of(components, 503)
    assert body["components"]["database"]["reason"] == "not reported"


async def test_the_document_describes_exactly_the_registered_routes(client: Client) -> None:
    registered = {
        (route.resource.canonical, route.method.lower())
        for route in app_of(client).router.routes()
        if route.resource is not None and route.method != "HEAD"
        and route.resource.canonical.startswith("/api/")  # the console's page is no API
    }
    documented = {
        (path, method) for path, operations in SPEC["paths"].items() for method in operations
    }
    # The routes of the optional parts (people=, console=, …) are documented too: the
    # assembled app registers exactly the documented routes (tests/unit/test_auth_policy.py).
    assert registered <= documented


def test_the_document_lists_exactly_the_query_parameters_the_api_reads() -> None:
    parameters = SPEC["paths"]["/api/calls"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == QUERY_PARAMETERS


def test_every_documented_schema_is_valid_json_schema() -> None:
    for schema in COMPONENTS["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert SPEC["openapi"] == "3.1.0"


def test_the_call_schema_names_every_record_field_with_iso_twins() -> None:
    properties = set(COMPONENTS["schemas"]["Call"]["properties"])
    fields = {f.name for f in dataclasses.fields(CallRecord)} - {"timeline"}
    times = {"started_at", "entered_queue_at", "answered_at", "ended_at"}
    console_notes = {"dispositions", "tickets"}  # not the record's: the console's, beside it
    assert properties == fields | {f"{t}_iso" for t in times} | console_notes
    assert set(COMPONENTS["schemas"]["Outcome"]["enum"]) == {o.value for o in Outcome}


async def test_the_document_is_served_as_written(client: Client) -> None:
    assert await answer(client, "/api/openapi.json", 200) == SPEC


async def test_a_failure_is_a_json_500_without_details(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    client = await serve(FailingLog())
    try:
        response = await client.get("/api/calls", params={"caller": NUMBER})
        text = await response.text()
    finally:
        await client.close()
    assert response.status == 500
    assert response.headers["Content-Type"] == JSON_UTF8
    assert json.loads(text)["error"]["code"] == "internal_error"
    assert "Traceback" not in text and "database" not in text and NUMBER not in text
    assert "unhandled RuntimeError in GET /api/calls" in caplog.text
    assert "1112233" not in caplog.text


async def test_a_caller_number_in_the_query_never_reaches_the_log(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for written in (NUMBER, "+905321112233", "0532 111 22 33"):
        await answer(client, "/api/calls", 200, params={"caller": written})
    await answer(client, "/api/calls", 400, params={"caller": NUMBER, "limit": "0"})
    requests = [r.getMessage() for r in caplog.records if r.name == "cti.web.requests"]
    assert len(requests) == 4
    assert all(re.fullmatch(r"GET /api/calls (200|400) \d+\.\dms", m) for m in requests)
    assert "1112233" not in caplog.text and "111 22 33" not in caplog.text


async def test_the_served_api_logs_no_query_string(
    log: CallLog, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = create_app(calls=log, queues=FakeQueues(), health=FakeHealth())
    async with serving(app, host="127.0.0.1", port=0) as runner:
        host, port = runner.addresses[0][:2]
        async with ClientSession() as session:
            url = f"http://{host}:{port}/api/calls"
            async with session.get(url, params={"caller": NUMBER}) as response:
                assert response.status == 200
    assert "GET /api/calls 200" in caplog.text
    assert NUMBER not in caplog.text


async def test_the_auth_slot_runs_before_every_view_and_answers_in_json(log: CallLog) -> None:
    @web.middleware
    async def deny(request: web.Request, handler: Any) -> web.StreamResponse:
        raise web.HTTPUnauthorized()

    client = await serve(log, auth=deny)
    try:
        response = await client.get("/api/calls")
        assert response.status == 401
        assert response.headers["Content-Type"] == JSON_UTF8
        assert (await response.json())["error"]["code"] == "unauthorized"
    finally:
        await client.close()
