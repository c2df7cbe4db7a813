"""`/api/tickets/{number}/deliveries` (what was sent about a ticket, each try) and
`/api/outbox` (what is stuck: failed, or still waiting): the outbox as the call centre and
its supervisor read it. Phone numbers are masked; message texts are not shown (the ticket
holds what they were about)."""

from __future__ import annotations

import re

from aiohttp import web

from cti.notify.delivery_log import MAX_PAGE, Delivery, DeliveryAttempt
from cti.notify.outbox import FAILED, PENDING
from cti.notify.recipients import shown_recipient
from cti.web.call_json import Json, iso
from cti.web.query_params import matching, one, page_limit, reject_unknown
from cti.web.responses import json_ok
from cti.web.state import OUTBOX
from cti.web.ticket_errors import TICKET_NOT_FOUND
from cti.web.ticket_params import parse_number

routes = web.RouteTableDef()
DEFAULT_LIMIT = 50
_STATUS = matching(re.compile(f"{FAILED}|{PENDING}"))


@routes.get("/api/tickets/{number}/deliveries")
async def ticket_deliveries(request: web.Request) -> web.Response:
    number = parse_number(request.match_info["number"])
    reject_unknown(request.query, ())
    found = await request.app[OUTBOX].for_ticket(number)
    if found is None:
        raise TICKET_NOT_FOUND
    return json_ok({"ticket": number, "messages": [delivery_json(d) for d in found]})


@routes.get("/api/outbox")
async def stuck_messages(request: web.Request) -> web.Response:
    reject_unknown(request.query, ("status", "limit"))
    status = one(request.query, "status", _STATUS) or FAILED
    limit = page_limit(request.query, default=DEFAULT_LIMIT, maximum=MAX_PAGE)
    found = await request.app[OUTBOX].stuck(status, limit)
    return json_ok({"status": status, "messages": [delivery_json(d) for d in found]})


def delivery_json(delivery: Delivery) -> Json:
    # When the next try is due: only a pending message has one.
    due = delivery.next_attempt_at if delivery.status == PENDING else None
    return {
        "id": delivery.id,
        "ticket": delivery.ticket_number,
        "channel": delivery.channel,
        "purpose": delivery.purpose,
        "recipient": shown_recipient(delivery.channel, delivery.recipient),
        "subject": delivery.subject,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at,
        "created_at_iso": iso(delivery.created_at),
        "next_attempt_at": due,
        "next_attempt_at_iso": iso(due),
        "sent_at": delivery.sent_at,
        "sent_at_iso": iso(delivery.sent_at),
        "last_error": delivery.last_error,
        "provider_id": delivery.provider_id,
        "tries": [try_json(t) for t in delivery.tries],
    }


def try_json(attempt: DeliveryAttempt) -> Json:
    return {"at": attempt.at, "at_iso": iso(attempt.at), "ok": attempt.ok,
            "detail": attempt.detail}
