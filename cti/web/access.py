"""Who may call which route: one table, read by the authentication middleware.

Keys are (method, the path template aiohttp registers: `resource.canonical`). A route that
is not in the table is refused to everyone, so a new route is closed until someone writes
its line here (a test holds the table to the routes the assembled app registers). HEAD is
answered as GET. A static directory's canonical path is its prefix (`/static`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from cti.domain.roles import Role


class Open(enum.Enum):
    PUBLIC = "public"  # anyone, signed in or not
    SIGNED_IN = "signed_in"  # anyone signed in, whatever their roles


PUBLIC = Open.PUBLIC
SIGNED_IN = Open.SIGNED_IN
Rule = Open | frozenset[Role]

OPERATOR, FEEDBACK, SUPERVISOR, UNIT, ADMIN = (
    Role.OPERATOR, Role.FEEDBACK_OPERATOR, Role.SUPERVISOR, Role.UNIT_STAFF, Role.ADMIN
)
_CALL_CENTRE = frozenset({OPERATOR, FEEDBACK, SUPERVISOR, ADMIN})
_TICKET_READERS = _CALL_CENTRE | {UNIT}
_CONSOLE = frozenset({OPERATOR, FEEDBACK})
_TICKET = "/api/tickets/{number}"
FIELD = Role.FIELD_STAFF
_FIELD_READERS = frozenset({FIELD, SUPERVISOR, ADMIN})
_FIELD_TASK = "/api/field/tasks/{task_id}"
_FEEDBACK_TEAM = frozenset({FEEDBACK, SUPERVISOR})

POLICY: Mapping[tuple[str, str], Rule] = {
    ("GET", "/"): PUBLIC,  # the console page; it signs in through the API
    ("GET", "/static"): PUBLIC,
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("POST", "/api/session"): PUBLIC,  # signing in; Origin is still checked
    ("GET", "/api/session"): SIGNED_IN,
    ("DELETE", "/api/session"): SIGNED_IN,
    ("GET", "/api/reference"): SIGNED_IN,
    # The call log and the live queues.
    ("GET", "/api/calls"): _CALL_CENTRE,
    ("GET", "/api/calls/{call_id}"): _CALL_CENTRE,
    ("GET", "/api/queues"): _CALL_CENTRE,
    # Tickets; unit staff read and attach to their unit's (the view narrows to the unit).
    ("GET", "/api/tickets"): _TICKET_READERS,
    ("GET", _TICKET): _TICKET_READERS,
    ("GET", f"{_TICKET}/attachments/{{attachment_id}}"): _TICKET_READERS,
    ("POST", "/api/tickets"): frozenset({OPERATOR, SUPERVISOR, ADMIN}),
    ("PATCH", _TICKET): _CALL_CENTRE,
    ("POST", f"{_TICKET}/solve"): frozenset({OPERATOR, SUPERVISOR}),
    ("POST", f"{_TICKET}/forward"): frozenset({OPERATOR, SUPERVISOR}),
    ("POST", f"{_TICKET}/close"): frozenset({OPERATOR, SUPERVISOR}),
    ("POST", f"{_TICKET}/calls"): frozenset({OPERATOR, FEEDBACK, SUPERVISOR}),
    ("POST", f"{_TICKET}/attachments"): frozenset({OPERATOR, FEEDBACK, SUPERVISOR, UNIT}),
    # The unit inbox: a unit's staff (their unit's tickets only) and supervisors act on what
    # waits at a unit; the call centre answers a unit's question.
    ("GET", "/api/inbox"): frozenset({UNIT, SUPERVISOR, ADMIN}),
    ("POST", f"{_TICKET}/acknowledge"): frozenset({UNIT, SUPERVISOR}),
    ("POST", f"{_TICKET}/request-info"): frozenset({UNIT, SUPERVISOR}),
    ("POST", f"{_TICKET}/answer"): frozenset({UNIT, SUPERVISOR}),
    ("POST", f"{_TICKET}/resolve"): frozenset({UNIT, SUPERVISOR}),
    ("POST", f"{_TICKET}/return"): frozenset({UNIT, SUPERVISOR}),
    ("POST", f"{_TICKET}/answer-info"): frozenset({OPERATOR, SUPERVISOR}),
    # The operator console: their own queue membership, screen pops and wrap-up.
    ("GET", "/api/console/ws"): _CONSOLE,
    ("GET", "/api/console/state"): _CONSOLE,
    ("POST", "/api/console/queue/join"): _CONSOLE,
    ("POST", "/api/console/queue/leave"): _CONSOLE,
    ("POST", "/api/console/queue/pause"): _CONSOLE,
    ("POST", "/api/console/queue/resume"): _CONSOLE,
    ("POST", "/api/console/disposition"): _CONSOLE,
    # The organisation: read by everyone signed in (the forward picker), kept by the admin;
    # the routing suggestion for those who forward; leave days, which every deadline skips.
    ("GET", "/api/units"): SIGNED_IN,
    ("POST", "/api/units"): frozenset({ADMIN}),
    ("PATCH", "/api/units/{code}"): frozenset({ADMIN}),
    ("GET", "/api/units/export"): frozenset({ADMIN}),
    ("POST", "/api/units/import"): frozenset({ADMIN}),
    ("GET", "/api/routing/suggest"): frozenset({OPERATOR, SUPERVISOR}),
    ("GET", "/api/leave-days"): SIGNED_IN,
    ("POST", "/api/leave-days"): frozenset({ADMIN}),
    ("DELETE", "/api/leave-days/{day}"): frozenset({ADMIN}),
    # The outbox: a ticket's delivery log for the call centre; what is stuck, for the
    # supervisor who chases it and sends it again.
    ("GET", f"{_TICKET}/deliveries"): _CALL_CENTRE,
    ("GET", "/api/outbox"): frozenset({SUPERVISOR, ADMIN}),
    ("POST", "/api/outbox/{message_id}/retry"): frozenset({SUPERVISOR, ADMIN}),
    # The field team's revisits: field staff do them; supervisors and admins read them and
    # send the team to a ticket.
    ("GET", "/api/field/tasks"): _FIELD_READERS,
    ("GET", _FIELD_TASK): _FIELD_READERS,
    ("GET", f"{_FIELD_TASK}/photos/{{attachment_id}}"): _FIELD_READERS,
    ("GET", f"{_FIELD_TASK}/report"): _FIELD_READERS,
    ("PATCH", _FIELD_TASK): frozenset({FIELD}),
    ("POST", f"{_FIELD_TASK}/photos"): frozenset({FIELD}),
    ("POST", f"{_FIELD_TASK}/complete"): frozenset({FIELD}),
    ("POST", f"{_TICKET}/field-tasks"): frozenset({SUPERVISOR, ADMIN}),
    # The feedback console: feedback operators call citizens back; their team leader watches.
    ("GET", "/api/callbacks"): _FEEDBACK_TEAM,
    ("GET", "/api/callbacks/summary"): frozenset({SUPERVISOR, ADMIN}),
    ("POST", "/api/callbacks/{callback_id}/take"): _FEEDBACK_TEAM,
    ("POST", "/api/callbacks/{callback_id}/call"): _FEEDBACK_TEAM,
    ("POST", "/api/callbacks/{callback_id}/outcome"): _FEEDBACK_TEAM,
    ("POST", "/api/callbacks/{callback_id}/release"): _FEEDBACK_TEAM,
    ("POST", "/api/callbacks/{callback_id}/cancel"): frozenset({SUPERVISOR}),
    ("GET", "/api/callbacks/attempts/{attempt_id}"): _FEEDBACK_TEAM,
    # People and the read audit.
    ("GET", "/api/users"): frozenset({ADMIN, SUPERVISOR}),
    ("POST", "/api/users"): frozenset({ADMIN}),
    ("PATCH", "/api/users/{username}"): frozenset({ADMIN}),
    ("GET", "/api/audit"): frozenset({ADMIN}),
}
# What a route missing from the table gets: nobody may call it.
NOBODY: frozenset[Role] = frozenset()


def rule_for(method: str, path: str) -> Rule:
    """The rule for a request's method and its route's canonical path; NOBODY if none."""
    return POLICY.get(("GET" if method == "HEAD" else method, path), NOBODY)
