"""Tickets as the API shows them: every field, enumerations as their values, each moment as
epoch seconds and ISO 8601 UTC (like the call log's `call_json`). Text goes out exactly as it
was stored: escaping it is the page's job, and JSON is no HTML."""

from __future__ import annotations

import functools
import time

from cti.domain.escalation import UnitClock, missed
from cti.domain.tickets.attachments import Attachment
from cti.domain.tickets.labels import (
    CHANNEL_LABELS,
    CITIZEN_STATUS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    Labels,
)
from cti.domain.tickets.records import LinkedCall, TicketDetail, TicketEvent
from cti.domain.tickets.reference import reference
from cti.domain.tickets.status import TRANSITIONS, TicketStatus
from cti.domain.tickets.ticket import Ticket
from cti.storage.ticket_search import TicketPage
from cti.web.call_json import Json, iso

TICKET_TIMES = ("created_at", "updated_at", "closed_at", "forwarded_at", "acknowledged_at",
                "ack_due_at", "resolve_due_at", "resolved_at", "escalated_at")


def ticket_json(ticket: Ticket) -> Json:
    body: Json = {
        "number": ticket.number,
        "status": ticket.status.value,
        "open": ticket.is_open,
        "channel": ticket.channel.value,
        "category": ticket.category,
        "priority": ticket.priority.value,
        "description": ticket.description,
        "citizen_phone": ticket.citizen_phone,
        "citizen_name": ticket.citizen_name,
        "citizen_tc": ticket.citizen_tc,
        "district": ticket.district,
        "neighbourhood": ticket.neighbourhood,
        "address": ticket.address,
        "latitude": ticket.latitude,
        "longitude": ticket.longitude,
        "unit": ticket.unit,
        "resolution": ticket.resolution,
        "created_by": ticket.created_by,
        "no_callback": ticket.no_callback,
        "satisfaction": ticket.satisfaction,
        "escalation_level": ticket.escalation_level,
        # Judged by the wall clock at the answer, like a page would judge the due dates.
        "overdue": missed(_unit_clock(ticket), time.time()) is not None,
        "citizen_status": dict(zip(("tr", "en"), CITIZEN_STATUS[ticket.status], strict=True)),
    }
    for name in TICKET_TIMES:
        at = getattr(ticket, name)
        body[name] = at
        body[f"{name}_iso"] = iso(at)
    return body


def _unit_clock(ticket: Ticket) -> UnitClock:
    return UnitClock(ticket.status, ticket.acknowledged_at, ticket.ack_due_at,
                     ticket.resolve_due_at, ticket.escalation_level, ticket.escalated_at)


def page_json(page: TicketPage) -> Json:
    return {"tickets": [ticket_json(t) for t in page.tickets], "next_cursor": page.next_cursor}


def detail_json(detail: TicketDetail) -> Json:
    number = detail.ticket.number
    return {
        **ticket_json(detail.ticket),
        "events": [event_json(e) for e in detail.events],
        "calls": [linked_call_json(c) for c in detail.calls],
        "attachments": [attachment_json(number, a) for a in detail.attachments],
    }


def event_json(event: TicketEvent) -> Json:
    return {
        "at": event.at,
        "at_iso": iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "changes": event.changes,
    }


def linked_call_json(call: LinkedCall) -> Json:
    return {
        "call_id": call.call_id,
        "linked_at": call.linked_at,
        "linked_at_iso": iso(call.linked_at),
        "linked_by": call.linked_by,
    }


def attachment_json(number: str, attachment: Attachment) -> Json:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_by": attachment.uploaded_by,
        "uploaded_at": attachment.uploaded_at,
        "uploaded_at_iso": iso(attachment.uploaded_at),
        "url": f"/api/tickets/{number}/attachments/{attachment.id}",
    }


@functools.cache
def reference_json() -> Json:
    """Everything a ticket form offers, with Turkish and English labels; built once."""
    data = reference()
    return {
        "categories": [
            {"code": c.code, "name_tr": c.name_tr, "name_en": c.name_en, "group": c.group,
             "organisation": c.organisation, "priority": c.priority.value}
            for c in data.categories.values()
        ],
        "groups": [
            {"code": g.code, "name_tr": g.name_tr, "name_en": g.name_en}
            for g in data.groups.values()
        ],
        "organisations": [
            {"code": code, "name_tr": names["name_tr"], "name_en": names["name_en"]}
            for code, names in data.organisations.items()
        ],
        "districts": [
            {"code": d.code, "name": d.name, "central": d.central,
             "neighbourhoods": list(d.neighbourhoods)}
            for d in data.districts.values()
        ],
        "channels": _labelled(CHANNEL_LABELS),
        "priorities": _labelled(PRIORITY_LABELS),
        "statuses": [
            {**entry, "open": TicketStatus(entry["code"]).is_open(),
             "next": sorted(s.value for s in TRANSITIONS[TicketStatus(entry["code"])])}
            for entry in _labelled(STATUS_LABELS)
        ],
    }


def _labelled(labels: Labels) -> list[dict[str, str]]:
    return [{"code": str(code), "name_tr": tr, "name_en": en} for code, (tr, en) in labels.items()]
