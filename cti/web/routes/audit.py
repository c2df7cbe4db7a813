"""`GET /api/audit`: who read which citizen's data, newest first (KVKK, Law No. 6698, art. 12).

Filters: `actor` (a username), `since` and `until` (epoch seconds or ISO 8601 with a
timezone), `limit` (1-1000). To read further back, ask again with `until` = the oldest `at`.
"""

from __future__ import annotations

import re

from aiohttp import web

from cti.storage.access_audit import MAX_ENTRIES, AccessEntry
from cti.web.call_json import iso
from cti.web.query_params import matching, one, page_limit, parse_time, reject_unknown_or_repeated
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT

routes = web.RouteTableDef()

DEFAULT_LIMIT = 100
AUDIT_PARAMETERS = frozenset({"actor", "since", "until", "limit"})
_ACTOR = re.compile(r"[\w.@-]{1,64}")


@routes.get("/api/audit")
async def read_audit(request: web.Request) -> web.Response:
    query = request.query
    reject_unknown_or_repeated(query, AUDIT_PARAMETERS)
    entries = await request.app[ACCESS_AUDIT].entries(
        actor=one(query, "actor", matching(_ACTOR)),
        since=one(query, "since", parse_time),
        until=one(query, "until", parse_time),
        limit=page_limit(query, default=DEFAULT_LIMIT, maximum=MAX_ENTRIES),
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

