"""`/api/tickets/{number}/deliveries` (what was sent about a ticket, each try) and
`/api/outbox` (what is stuck: failed, or still waiting), `/api/outbox/{id}/retry` (send a
failed one again): the outbox as the call centre and its supervisor read it. Phone numbers
are masked; message texts are not shown (the ticket holds what they were about)."""

from __future__ import annotations

import re

from aiohttp import web

from cti.notify.delivery_log import MAX_PAGE, Delivery, DeliveryAttempt
from cti.notify.outbox import FAILED, PENDING, SENT
from cti.notify.recipients import BadRecipient, shown_recipient
from cti.notify.requeue import MessageNotFound, NotFailed
from cti.web.call_json import Json, iso
from cti.web.errors import ApiError, invalid_parameter
from cti.web.identity import actor_of
from cti.web.json_body import read_object, text_field
from cti.web.query_params import matching, one, page_limit, reject_unknown
from cti.web.responses import json_ok
from cti.web.state import OUTBOX
from cti.web.ticket_errors import TICKET_NOT_FOUND
from cti.web.ticket_params import parse_number

routes = web.RouteTableDef()
DEFAULT_LIMIT = 50
_STATUS = matching(re.compile(f"{FAILED}|{PENDING}"))
_MESSAGE_ID = re.compile(r"[1-9][0-9]{0,17}")  # fits a 64-bit key
MESSAGE_NOT_FOUND = ApiError(404, "message_not_found", "Mesaj bulunamadı / message not found")
ALREADY_SENT = ApiError(409, "already_sent", "Mesaj zaten gönderildi / message already sent")
STILL_WAITING = ApiError(409, "still_waiting",
                         "Mesaj zaten gönderilmeyi bekliyor / message already waiting to go")


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


@routes.post("/api/outbox/{message_id}/retry")
async def retry_message(request: web.Request) -> web.Response:
    text = request.match_info["message_id"]
    if not _MESSAGE_ID.fullmatch(text):
        raise invalid_parameter("message_id")
    body = await read_object(request, frozenset({"recipient"})) if request.can_read_body else {}
    recipient = text_field(body, "recipient")
    try:
        delivery = await request.app[OUTBOX].requeue(int(text), recipient, actor_of(request))
    except MessageNotFound:
        raise MESSAGE_NOT_FOUND from None
    except NotFailed as not_failed:
        raise ALREADY_SENT if not_failed.status == SENT else STILL_WAITING from None
    except BadRecipient as bad:  # its detail names the fault, never the address sent
        raise ApiError(400, "invalid_recipient", bad.detail) from None
    return json_ok({"message": delivery_json(delivery)})


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
        "unit": delivery.unit,
        "to_manager": delivery.to_manager,
        "tries": [try_json(t) for t in delivery.tries],
    }


def try_json(attempt: DeliveryAttempt) -> Json:
    return {"at": attempt.at, "at_iso": iso(attempt.at), "ok": attempt.ok,
            "detail": attempt.detail}
