"""Which tickets a request may reach, and how much of each it is shown: the views of
`routes.tickets` and `routes.inbox` ask here.

Unit staff (with no call-centre role beside it) are narrowed to their unit's tickets, or their
organisation's or department's (`cti.domain.unit_scope`); any other ticket is answered 404, as
if it did not exist. They are not shown the citizen's T.C. identity number: a unit fixes a
street lamp without it (KVKK, Law No. 6698, art. 4: no more data than the purpose needs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from aiohttp import web

from cti.domain.organisation import Unit, organisation
from cti.domain.roles import Principal, Role
from cti.domain.tickets.errors import TicketNotFound
from cti.domain.tickets.records import TicketDetail, TicketEvent
from cti.domain.tickets.ticket import Ticket
from cti.domain.unit_scope import visible_units
from cti.storage.ticket_search import TicketPage
from cti.web.identity import principal_of
from cti.web.responses import json_ok
from cti.web.state import TICKETS, UNITS
from cti.web.ticket_errors import TICKET_NOT_FOUND
from cti.web.ticket_json import detail_json
from cti.web.ticket_params import parse_number

# Any of these beside unit_staff: the person works for the call centre and sees every ticket.
CALL_CENTRE_ROLES = frozenset({Role.OPERATOR, Role.FEEDBACK_OPERATOR, Role.SUPERVISOR,
                               Role.ADMIN})
_TC_FIELD = "citizen_tc"


@dataclass(frozen=True)
class UnitScope:
    unit: str  # the person's own unit; "" when they have none (and then see nothing)
    codes: frozenset[str]  # the ticket units they may see

    def covers(self, ticket: Ticket) -> bool:
        return ticket.unit is not None and ticket.unit in self.codes


def scoped_to_unit(principal: Principal | None) -> bool:
    """Whether this person is unit staff and nothing wider."""
    return (principal is not None and Role.UNIT_STAFF in principal.roles
            and principal.roles.isdisjoint(CALL_CENTRE_ROLES))


async def unit_scope(request: web.Request) -> UnitScope | None:
    """The units whose tickets alone this request may see; None when it may see all."""
    principal = principal_of(request)
    if principal is None or not scoped_to_unit(principal):
        return None
    own = principal.unit or ""
    return UnitScope(own, visible_units(await _every_unit(request), organisation().aliases, own))


async def _every_unit(request: web.Request) -> Iterable[Unit]:
    """The organisation as the admin keeps it, deactivated units too (their old tickets);
    the shipped tree when the app runs without the units store (the API's own tests)."""
    store = request.app.get(UNITS)
    if store is None:
        return organisation().units.values()
    return [stored.unit for stored in await store.list()]


async def visible_number(request: web.Request) -> str:
    """The path's ticket number, if that ticket exists and this request may see it."""
    return (await visible_ticket(request))[0]


async def visible_ticket(request: web.Request) -> tuple[str, UnitScope | None]:
    """The path's ticket number, if this request may see that ticket, and the request's unit
    scope (a unit's step passes it on, to be checked again under the ticket's lock)."""
    number = parse_number(request.match_info["number"])
    scope = await unit_scope(request)
    if scope is not None:
        ticket = await request.app[TICKETS].get(number)
        if ticket is None or not scope.covers(ticket):
            raise TICKET_NOT_FOUND
    return number, scope


async def detail_of(request: web.Request, number: str) -> TicketDetail:
    """The ticket with its trail, calls and attachments, as this request may be shown it."""
    detail = await request.app[TICKETS].detail(number)
    if detail is None:
        raise TicketNotFound(number)
    if not scoped_to_unit(principal_of(request)):
        return detail
    return dataclasses.replace(detail, ticket=_without_tc(detail.ticket),
                               events=[_event_without_tc(e) for e in detail.events])


async def detail_response(request: web.Request, number: str, *,
                          status: int = 200) -> web.Response:
    return json_ok(detail_json(await detail_of(request, number)), status=status)


def shown_page(request: web.Request, page: TicketPage) -> TicketPage:
    """A page of search results as this request may be shown it."""
    if not scoped_to_unit(principal_of(request)):
        return page
    return TicketPage([_without_tc(t) for t in page.tickets], page.next_cursor)


def _without_tc(ticket: Ticket) -> Ticket:
    return dataclasses.replace(ticket, citizen_tc=None)


def _event_without_tc(event: TicketEvent) -> TicketEvent:
    # The trail records the number as it was typed in and changed: left out as well.
    if _TC_FIELD not in event.changes:
        return event
    changes = {name: values for name, values in event.changes.items() if name != _TC_FIELD}
    return dataclasses.replace(event, changes=changes)
