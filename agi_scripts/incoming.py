"""`agi://…/incoming`: who is calling 153? Answers with channel variables, in milliseconds.

The dialplan reads ALO153_PRIO (queue priority) and ALO153_BLOCKED; the screen pop reads the
rest from the operator leg. Only a few commands are sent: each is a round trip the caller waits
for.
"""

from __future__ import annotations

from cti.domain.callers import CallerHints, CallerLookup
from cti.domain.numbers import normalize_number
from cti.telephony.agi.channel import AgiChannel
from cti.telephony.agi.request import AgiRequest
from cti.telephony.agi.server import Route


def variables(hints: CallerHints) -> dict[str, str]:
    return {
        "ALO153_KNOWN": "1" if hints.known else "0",
        "ALO153_OPEN": str(hints.open_tickets),
        "ALO153_LAST": hints.last_ticket,
        "ALO153_REPEAT": "1" if hints.repeat else "0",
        "ALO153_PRIO": str(hints.queue_priority),
        "ALO153_BLOCKED": "1" if hints.blocked else "0",
    }


def route(callers: CallerLookup) -> Route:
    async def incoming(request: AgiRequest, channel: AgiChannel) -> None:
        hints = await callers.hints(normalize_number(request.caller_number))
        for name, value in variables(hints).items():
            await channel.set_variable(name, value)

    return incoming
