"""Changing a ticket: a patch of its fields, a move along its lifecycle, and what changed.

Each function returns the ticket as it will be and the audit trail's diff,
`{field: [old, new]}`, with enumerations as their values so the diff is plain JSON.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from cti.domain.tickets import fields as check
from cti.domain.tickets.errors import InvalidTicket, InvalidTransition
from cti.domain.tickets.reference import reference
from cti.domain.tickets.status import TicketStatus, check_transition
from cti.domain.tickets.ticket import Ticket, TicketDraft, TicketPatch

Diff = dict[str, list[Any]]
# A ticket takes these statuses only with a resolution: what was done.
_NEEDS_RESOLUTION = frozenset({TicketStatus.FIRST_CONTACT_SOLVED, TicketStatus.RESOLVED})
# Timestamps that follow from the move itself (its event's `at` says when): the trail leaves
# them out. Deadlines and the ladder's rung stay in it: who set which deadline matters.
_BOOKKEEPING = frozenset({"updated_at", "forwarded_at", "acknowledged_at", "resolved_at",
                          "escalated_at"})


def patched(ticket: Ticket, patch: TicketPatch, *, now: float) -> tuple[Ticket, Diff]:
    """The ticket with the patch's fields (not its status) applied."""
    after = dataclasses.replace(ticket, **patch.changes())  # type: ignore[arg-type]
    check.coordinates(after.latitude, after.longitude)
    changes = patch.changes()
    if "district" in changes and "neighbourhood" not in changes and not _inside(after):
        after = dataclasses.replace(after, neighbourhood=None)  # it is not in the new district
    reference().check_location(after.district, after.neighbourhood)
    diff = diff_of(ticket, after)
    return (dataclasses.replace(after, updated_at=now) if diff else ticket), diff


def moved(
    ticket: Ticket,
    wanted: TicketStatus,
    *,
    now: float,
    unit: str | None = None,
    resolution: str | None = None,
) -> tuple[Ticket, Diff]:
    """The ticket in status `wanted`; InvalidTransition if the lifecycle does not allow it.

    `unit` is where a forward sends it (a forward without one keeps the ticket's unit);
    `resolution`, what solved it, is required to solve or resolve unless the ticket has one.
    """
    check_transition(ticket.status, wanted)
    after = dataclasses.replace(ticket, status=wanted, updated_at=now)
    if resolution is not None:
        after = dataclasses.replace(after, resolution=check.required_text(
            "resolution", resolution, limit=check.MAX_RESOLUTION))
    if wanted is TicketStatus.FORWARDED:
        after = dataclasses.replace(after, unit=check.unit(unit) if unit else ticket.unit)
        if after.unit is None:
            raise InvalidTicket("unit", "required to forward")
        if ticket.status is TicketStatus.FORWARDED and after.unit == ticket.unit:
            raise InvalidTransition(ticket.status.value, wanted.value)  # a re-route moves it
    elif wanted is TicketStatus.RETURNED:
        after = dataclasses.replace(after, unit=None)  # at 153 until routed again
    if wanted in _NEEDS_RESOLUTION and after.resolution is None:
        raise InvalidTicket("resolution", "required")
    if ticket.status is TicketStatus.RETURNED and wanted is TicketStatus.CLOSED and (
            resolution is None):
        raise InvalidTicket("resolution", "required to close what no unit handles")
    if wanted is TicketStatus.CLOSED:
        after = dataclasses.replace(after, closed_at=now)
    elif wanted is TicketStatus.REOPENED:
        after = dataclasses.replace(after, closed_at=None)
    return after, diff_of(ticket, after)


def opened(draft: TicketDraft, *, number: str, now: float, actor: str) -> Ticket:
    """The ticket a draft becomes under its number."""
    priority = draft.priority or reference().category(draft.category).priority
    return Ticket(
        number=number,
        status=TicketStatus.NEW,
        channel=draft.channel,
        category=draft.category,
        priority=priority,
        description=draft.description,
        created_at=now,
        updated_at=now,
        citizen_phone=draft.citizen_phone,
        citizen_name=draft.citizen_name,
        citizen_tc=draft.citizen_tc,
        district=draft.district,
        neighbourhood=draft.neighbourhood,
        address=draft.address,
        latitude=draft.latitude,
        longitude=draft.longitude,
        no_callback=draft.no_callback,
        created_by=actor,
    )


def diff_of(before: Ticket, after: Ticket) -> Diff:
    """Every field that differs, bookkeeping timestamps aside."""
    return {
        f.name: [_plain(getattr(before, f.name)), _plain(getattr(after, f.name))]
        for f in dataclasses.fields(Ticket)
        if f.name not in _BOOKKEEPING and getattr(before, f.name) != getattr(after, f.name)
    }


def created(ticket: Ticket) -> Diff:
    """The audit trail's first entry: every field the new ticket has, from nothing (a field
    still at its default, None or 0 or False, is not news)."""
    skip = {"number", "created_at", "updated_at"}
    return {
        f.name: [None, _plain(getattr(ticket, f.name))]
        for f in dataclasses.fields(Ticket)
        if f.name not in skip and getattr(ticket, f.name) != f.default
    }


def _inside(ticket: Ticket) -> bool:
    district = reference().districts.get(ticket.district or "")
    return district is None or ticket.neighbourhood in (None, *district.neighbourhoods)


def _plain(value: object) -> object:
    return value.value if isinstance(value, enum.Enum) else value
