"""`GET /api/audit`: who read which citizen's data, newest first (KVKK, Law No. 6698, art. 12).

Filters: `actor` (a username), `since` and `until` (epoch seconds or ISO 8601 with a
timezone), `limit` (1-1000). To read further back, ask again with `until` = the oldest `at`.
"""

from __future__ import annotations

import re

from aiohttp import web

from cti.storage.access_audit import MAX_ENTRIES, AccessEntry
from cti.web.call_json import iso
from cti.web.call_params import parse_time
from cti.web.errors import invalid_parameter, unknown_parameter
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT

routes = web.RouteTableDef()

DEFAULT_LIMIT = 100
AUDIT_PARAMETERS = frozenset({"actor", "since", "until", "limit"})
_ACTOR = re.compile(r"[\w.@-]{1,64}")
_LIMIT = re.compile(r"[0-9]{1,4}")


@routes.get("/api/audit")
async def read_audit(request: web.Request) -> web.Response:
    query = request.query
    for name in query:
        if name not in AUDIT_PARAMETERS:
            raise unknown_parameter(name)
        if len(query.getall(name)) > 1:
            raise invalid_parameter(name)
    entries = await request.app[ACCESS_AUDIT].entries(
        actor=_actor(query.get("actor")),
        since=_time("since", query.get("since")),
        until=_time("until", query.get("until")),
        limit=_limit(query.get("limit")),
    )
    return json_ok({"entries": [_entry(entry) for entry in entries]})


def _entry(entry: AccessEntry) -> dict[str, object]:
    return {
        "at": entry.at,
        "at_iso": iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
    }


def _actor(raw: str | None) -> str | None:
    if raw is not None and not _ACTOR.fullmatch(raw):
        raise invalid_parameter("actor")
    return raw


def _time(name: str, raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return parse_time(raw)
    except ValueError:
        raise invalid_parameter(name) from None


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_ENTRIES:
        raise invalid_parameter("limit")
    return int(raw)
