"""What the citizen is told by SMS as their request moves, and on which channels.

A request that came by phone, WhatsApp or the web has a mobile number to write to; whether to
use it is the centre's choice per channel and per moment (`CTI_CITIZEN_SMS`), since a request
sent in by e-mail may carry a landline, and an SMS for every step of a request from X may be
unwelcome. Only Turkish mobile numbers (05xx…) are written to: the gateway speaks nothing else.
The words are the citizen's (`labels.CITIZEN_STATUS`), never the staff's.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from cti.domain.tickets.fields import Channel
from cti.domain.tickets.labels import CITIZEN_STATUS
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import Ticket


class Moment(enum.StrEnum):
    FORWARDED = "forwarded"  # the request reached the responsible unit
    RESOLVED = "resolved"    # the unit says it is done


@dataclass(frozen=True)
class CitizenNotices:
    """Which moments each channel's citizens get an SMS for; a channel not named gets none."""

    moments: Mapping[Channel, frozenset[Moment]]

    def sms_for(self, ticket: Ticket, moment: Moment) -> str | None:
        """The SMS text to send the citizen now, or None if nothing is to be sent."""
        if moment not in self.moments.get(ticket.channel, frozenset()):
            return None
        if not is_mobile(ticket.citizen_phone):
            return None
        status = TicketStatus.FORWARDED if moment is Moment.FORWARDED else TicketStatus.RESOLVED
        words = CITIZEN_STATUS[status][0]
        return (f"ALO 153: {ticket.number} numaralı başvurunuz: {words}. "
                "Bilgi için 153'ü arayabilirsiniz. Adana Büyükşehir Belediyesi")


ALL_MOMENTS = frozenset(Moment)
DEFAULT = CitizenNotices({channel: ALL_MOMENTS for channel in Channel})
NONE = CitizenNotices({})


def parse(text: str) -> CitizenNotices:
    """`phone=forwarded+resolved,whatsapp=resolved`: the channels and their moments.

    `all` names every moment, `none` none; an empty text turns SMS to citizens off.
    ValueError names what it did not understand.
    """
    moments: dict[Channel, frozenset[Moment]] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        channel, sep, names = item.partition("=")
        if not sep:
            raise ValueError(f"expected channel=moments, not {item!r}")
        try:
            moments[Channel(channel.strip())] = _moments(names)
        except ValueError:
            raise ValueError(f"unknown channel or moment in {item!r}") from None
    return CitizenNotices(moments)


def _moments(names: str) -> frozenset[Moment]:
    words = {name.strip() for name in names.split("+") if name.strip()}
    if words == {"all"}:
        return ALL_MOMENTS
    if words == {"none"}:
        return frozenset()
    return frozenset(Moment(word) for word in words)


def is_mobile(phone: str | None) -> bool:
    """A Turkish mobile number in the national form tickets store (05xx xxx xx xx)."""
    return phone is not None and len(phone) == 11 and phone.startswith("05") and phone.isdigit()
