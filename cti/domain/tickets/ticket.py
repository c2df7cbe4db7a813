"""A ticket as recorded, a draft of a new one, and a patch of some of its fields.

A draft and a patch check and clean every value as they are built (`fields`, `reference`);
a `Ticket` is what the store read back and is trusted as it is.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Final, Literal

from cti.domain.tickets import fields as check
from cti.domain.tickets.fields import Channel, Priority
from cti.domain.tickets.reference import reference
from cti.domain.tickets.status import TicketStatus


class _Unset(enum.Enum):
    UNSET = "unset"


UNSET: Final = _Unset.UNSET
Unset = Literal[_Unset.UNSET]


@dataclass(frozen=True, kw_only=True)
class Ticket:
    number: str  # 153-2026-000123
    status: TicketStatus
    channel: Channel
    category: str
    priority: Priority
    description: str
    created_at: float  # epoch seconds
    updated_at: float
    citizen_phone: str | None = None  # national form, or E.164 for a foreign number
    citizen_name: str | None = None
    citizen_tc: str | None = None
    district: str | None = None
    neighbourhood: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    unit: str | None = None  # where it was forwarded
    resolution: str | None = None
    created_by: str | None = None
    closed_at: float | None = None
    # The unit's clock (`unit_clock`): deadlines of the current forward, and the ladder's rung.
    forwarded_at: float | None = None
    acknowledged_at: float | None = None
    ack_due_at: float | None = None
    resolve_due_at: float | None = None
    resolved_at: float | None = None
    escalation_level: int = 0
    escalated_at: float | None = None
    no_callback: bool = False  # the citizen asked not to be called back
    satisfaction: int | None = None  # their 1-5 in the survey after the feedback call

    @property
    def is_open(self) -> bool:
        return self.status.is_open()


@dataclass(frozen=True, kw_only=True)
class TicketDraft:
    """A new request as an operator (or a channel) records it; cleaned as it is built."""

    description: str
    channel: Channel = Channel.PHONE
    category: str = "diger"
    priority: Priority | None = None  # None: the category's default
    citizen_phone: str | None = None
    citizen_name: str | None = None
    citizen_tc: str | None = None
    district: str | None = None
    neighbourhood: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    no_callback: bool = False

    def __post_init__(self) -> None:
        category = reference().category(self.category)
        cleaned = {
            "description": check.required_text(
                "description", self.description, limit=check.MAX_DESCRIPTION
            ),
            "priority": self.priority or category.priority,
            "citizen_phone": check.phone(self.citizen_phone),
            "citizen_name": check.text("citizen_name", self.citizen_name, limit=check.MAX_NAME),
            "citizen_tc": check.tc_number(self.citizen_tc),
            "address": check.text("address", self.address, limit=check.MAX_ADDRESS),
        }
        for name, value in cleaned.items():
            object.__setattr__(self, name, value)  # frozen: set once, here
        check.coordinates(self.latitude, self.longitude)
        reference().check_location(self.district, self.neighbourhood)


@dataclass(frozen=True, kw_only=True)
class TicketPatch:
    """Some fields of a ticket to change; UNSET leaves a field alone, None clears it.

    `status` goes through the lifecycle (`status.TRANSITIONS`); `note` is kept with that
    change in the audit trail.
    """

    channel: Channel | Unset = UNSET
    category: str | Unset = UNSET
    priority: Priority | Unset = UNSET
    description: str | Unset = UNSET
    citizen_phone: str | Unset | None = UNSET
    citizen_name: str | Unset | None = UNSET
    citizen_tc: str | Unset | None = UNSET
    district: str | Unset | None = UNSET
    neighbourhood: str | Unset | None = UNSET
    address: str | Unset | None = UNSET
    latitude: float | Unset | None = UNSET
    longitude: float | Unset | None = UNSET
    resolution: str | Unset | None = UNSET
    no_callback: bool | Unset = UNSET
    status: TicketStatus | Unset = UNSET
    note: str | None = None
    _given: dict[str, object] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        given = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in {"status", "note", "_given"} and getattr(self, f.name) is not UNSET
        }
        object.__setattr__(self, "_given", {k: _clean(k, v) for k, v in given.items()})
        object.__setattr__(self, "note", check.text("note", self.note, limit=check.MAX_NOTE))

    def changes(self) -> dict[str, object]:
        """The fields this patch sets (status aside), cleaned: {field: new value}."""
        return dict(self._given)


def _clean(name: str, value: object) -> object:
    # Cross-field rules (neighbourhood in district, coordinates in pairs) need the ticket
    # the patch applies to: `lifecycle.patched` checks them.
    if name == "category":
        return reference().category(str(value)).code
    if name == "description":
        return check.required_text(name, _str(value), limit=check.MAX_DESCRIPTION)
    if name == "citizen_phone":
        return check.phone(_str(value))
    if name == "citizen_tc":
        return check.tc_number(_str(value))
    if name in _LIMITS:
        return check.text(name, _str(value), limit=_LIMITS[name])
    return value


_LIMITS = {
    "citizen_name": check.MAX_NAME,
    "address": check.MAX_ADDRESS,
    "resolution": check.MAX_RESOLUTION,
}


def _str(value: object) -> str | None:
    return None if value is None else str(value)
