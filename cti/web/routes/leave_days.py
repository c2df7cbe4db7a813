"""`/api/leave-days…`: administrative leave days (idari izin), which no deadline counts; read by
everyone signed in, declared and withdrawn by the admin (written to the change audit)."""

from __future__ import annotations

import re
from datetime import date

from aiohttp import web

from cti.storage.leave_days import LeaveDay
from cti.web.errors import ApiError, invalid_parameter
from cti.web.identity import actor_of
from cti.web.json_body import read_object, text_field
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT, LEAVE_DAYS

routes = web.RouteTableDef()

LEAVE_DAY_EXISTS = ApiError(409, "leave_day_exists",
                            "Bu gün zaten idari izin / this day is already a leave day")
LEAVE_DAY_NOT_FOUND = ApiError(404, "leave_day_not_found",
                               "Bu gün idari izin değil / this day is not a leave day")
FIRST, LAST = date(2000, 1, 1), date(2100, 12, 31)  # a typo's year 0226 is no leave day
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fromisoformat also reads 2026-W21-1


@routes.get("/api/leave-days")
async def list_leave_days(request: web.Request) -> web.Response:
    days = await request.app[LEAVE_DAYS].list()
    return json_ok({"leave_days": [leave_day_json(day) for day in days]})


@routes.post("/api/leave-days")
async def add_leave_day(request: web.Request) -> web.Response:
    body = await read_object(request, frozenset({"day", "reason"}))
    day = _day(text_field(body, "day", required=True) or "", "day")
    reason = text_field(body, "reason", required=True) or ""
    try:
        added = await request.app[LEAVE_DAYS].add(day, reason, actor_of(request))
    except ValueError:
        raise invalid_parameter("reason") from None
    if not added:
        raise LEAVE_DAY_EXISTS
    await request.app[ACCESS_AUDIT].record(actor_of(request), "leave_day_add", day.isoformat())
    found = next(d for d in await request.app[LEAVE_DAYS].list() if d.day == day)
    return json_ok({"leave_day": leave_day_json(found)}, status=201)


@routes.delete("/api/leave-days/{day}")
async def remove_leave_day(request: web.Request) -> web.Response:
    day = _day(request.match_info["day"], "day")
    if not await request.app[LEAVE_DAYS].remove(day, actor_of(request)):
        raise LEAVE_DAY_NOT_FOUND
    await request.app[ACCESS_AUDIT].record(actor_of(request), "leave_day_remove",
                                           day.isoformat())
    return json_ok({"removed": day.isoformat()})


def leave_day_json(day: LeaveDay) -> dict[str, object]:
    return {"day": day.day.isoformat(), "reason": day.reason, "added_by": day.added_by,
            "added_at": day.added_at}


def _day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text) if _ISO_DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None or not FIRST <= day <= LAST:
        raise invalid_parameter(name)
    return day
