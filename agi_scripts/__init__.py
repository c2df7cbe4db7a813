"""FastAGI routes: one module per script name that the dialplan requests."""

from __future__ import annotations

from agi_scripts import incoming
from cti.domain.callers import CallerLookup
from cti.telephony.agi.server import Route


def routes(callers: CallerLookup) -> dict[str, Route]:
    return {"incoming": incoming.route(callers)}
