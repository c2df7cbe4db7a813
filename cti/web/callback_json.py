"""The feedback callback queue as the API shows it: each callback in the section of the queue it
sits in now (waiting: due; scheduled: due later, in calling hours; calling: a call in flight or
a citizen on the line waiting for the operator's verdict), each moment as epoch seconds and
ISO 8601 UTC."""

from __future__ import annotations

from collections.abc import Iterable

from cti.web.call_json import Json, iso
from cti.web.ports import CallbackEntry

SECTIONS = ("waiting", "scheduled", "calling")
_IN_FLIGHT = frozenset({"calling", "connected"})


def section_of(entry: CallbackEntry) -> str:
    """Where the console lists it; "done" for one that needs nobody any more."""
    if entry.status in _IN_FLIGHT:
        return "calling"
    if entry.status == "waiting":
        return "scheduled" if entry.stage == "scheduled" else "waiting"
    return "done"


def callback_json(entry: CallbackEntry) -> Json:
    return {
        "callback_id": entry.callback_id,
        "ticket_number": entry.ticket_number,
        "status": entry.status,
        "section": section_of(entry),
        "category": entry.category,
        "unit": entry.unit,
        "resolution": entry.resolution,
        "priority": entry.priority,
        "attempts": entry.attempts,
        "max_attempts": entry.max_attempts,
        "last_outcome": entry.last_outcome,
        "assigned_to": entry.assigned_to,
        "due_at": entry.due_at,
        "due_at_iso": iso(entry.due_at),
        "resolved_at": entry.resolved_at,
        "resolved_at_iso": iso(entry.resolved_at),
        "appointment_at": entry.appointment_at,
        "appointment_at_iso": iso(entry.appointment_at) if entry.appointment_at else None,
    }


def queue_json(mode: str, entries: Iterable[CallbackEntry], now: float) -> Json:
    """The queue in its three sections, each in the order the store gave (its calling order)."""
    body: Json = {"mode": mode, "at": now, "at_iso": iso(now)}
    sections: dict[str, list[Json]] = {name: [] for name in SECTIONS}
    for entry in entries:
        shown = callback_json(entry)
        if shown["section"] in sections:
            sections[str(shown["section"])].append(shown)
    return {**body, **sections}
