"""The HTTP API's application factory, used by the composition root and by the tests alike."""

from __future__ import annotations

from aiohttp import web

from cti.console.desk import ConsoleDesk
from cti.notify.delivery_log import OutboxQueries
from cti.storage.call_notes import CallNotebook
from cti.storage.field_tasks import FieldTaskStore
from cti.storage.leave_days import LeaveDays
from cti.storage.units import UnitStore
from cti.web.auth import People, authentication, security_headers
from cti.web.middlewares import Middleware, errors_as_json, request_log
from cti.web.ports import (
    Callbacks,
    CallQueries,
    Dialer,
    HealthProbe,
    QueueView,
    ReadAudit,
    Tickets,
)
from cti.web.routes.audit import routes as audit_routes
from cti.web.routes.callbacks import routes as callback_routes
from cti.web.routes.calls import routes as call_routes
from cti.web.routes.console import routes as console_routes
from cti.web.routes.deliveries import routes as delivery_routes
from cti.web.routes.field import routes as field_routes
from cti.web.routes.health import routes as health_routes
from cti.web.routes.inbox import routes as inbox_routes
from cti.web.routes.leave_days import routes as leave_day_routes
from cti.web.routes.openapi import routes as openapi_routes
from cti.web.routes.organisation import routes as organisation_routes
from cti.web.routes.pages import routes as page_routes
from cti.web.routes.queues import routes as queue_routes
from cti.web.routes.session import routes as session_routes
from cti.web.routes.tickets import routes as ticket_routes
from cti.web.routes.users import routes as user_routes
from cti.web.state import (
    ACCESS_AUDIT,
    CALL_NOTES,
    CALLBACKS,
    CALLS,
    CONSOLE,
    DIALER,
    FIELD_TASKS,
    HEALTH,
    LEAVE_DAYS,
    OUTBOX,
    PEOPLE,
    QUEUES,
    TICKETS,
    UNITS,
)

RESOURCES = (call_routes, queue_routes, health_routes, openapi_routes, page_routes)


def create_app(
    *,
    calls: CallQueries,
    queues: QueueView,
    health: HealthProbe,
    auth: Middleware | None = None,
    console: ConsoleDesk | None = None,
    people: People | None = None,
    call_notes: CallNotebook | None = None,
    tickets: Tickets | None = None,
    access_audit: ReadAudit | None = None,
    units: UnitStore | None = None,
    leave_days: LeaveDays | None = None,
    outbox: OutboxQueries | None = None,
    field_tasks: FieldTaskStore | None = None,
    callbacks: Callbacks | None = None,
    dialer: Dialer | None = None,
) -> web.Application:
    """The JSON API over the call log, the live queues and the components' health.

    `auth` is the slot for authentication and roles (the operator console's issue): it runs
    after the request log and the error mapping, so a refusal it raises (HTTPUnauthorized,
    HTTPForbidden) is logged and answered in the API's error shape, and before every view.
    With `people` (the user and session stores) the app signs people in and, unless `auth`
    says otherwise, checks every request against `cti.web.access.POLICY`.
    With `tickets` (and the `access_audit` that records who read them) it serves the
    tickets and the reference data.
    With `units` and `leave_days` (which need `access_audit`: changes are written there) it
    serves the organisation, the routing suggestion and the leave days.
    With `outbox` it serves the tickets' delivery logs and the messages stuck in the outbox.
    With `field_tasks` (which needs `access_audit`: every read is audited) it serves the field
    team's revisits.
    With `callbacks` (which needs `tickets` and `access_audit`) it serves the feedback
    console's callback queue; with `dialer` as well, preview calls are placed on request.
    """
    if (tickets is None) != (access_audit is None):
        raise ValueError("tickets and access_audit come together: every read is audited")
    if (units is not None or leave_days is not None) and access_audit is None:
        raise ValueError("units and leave_days need access_audit: every change is audited")
    if people is not None and auth is None:
        auth = authentication(people)
    middlewares = [request_log, errors_as_json, *([auth] if auth else [])]
    app = web.Application(middlewares=middlewares)
    app.on_response_prepare.append(security_headers)
    app[CALLS] = calls
    app[QUEUES] = queues
    app[HEALTH] = health
    if call_notes is not None:
        app[CALL_NOTES] = call_notes
    for table in RESOURCES:
        app.router.add_routes(table)
    if console is not None:
        app[CONSOLE] = console
        app.router.add_routes(console_routes)
    if people is not None:
        app[PEOPLE] = people
        app.router.add_routes(session_routes)
        app.router.add_routes(user_routes)
    if tickets is not None and access_audit is not None:
        app[TICKETS] = tickets
        app[ACCESS_AUDIT] = access_audit
        app.router.add_routes(ticket_routes)
        app.router.add_routes(inbox_routes)
        app.router.add_routes(audit_routes)
    _organisation(app, units, leave_days)
    if outbox is not None:
        app[OUTBOX] = outbox
        app.router.add_routes(delivery_routes)
    _field(app, field_tasks, access_audit)
    _callbacks(app, callbacks, dialer)
    return app


def _organisation(app: web.Application, units: UnitStore | None,
                  leave_days: LeaveDays | None) -> None:
    """The units, the routing suggestion and the leave days, each with its store."""
    if units is not None:
        app[UNITS] = units
        app.router.add_routes(organisation_routes)
    if leave_days is not None:
        app[LEAVE_DAYS] = leave_days
        app.router.add_routes(leave_day_routes)


def _field(app: web.Application, field_tasks: FieldTaskStore | None,
           access_audit: ReadAudit | None) -> None:
    """The field team's revisits; every read of one is audited, so they need `access_audit`."""
    if field_tasks is None:
        return
    if access_audit is None:
        raise ValueError("field_tasks needs access_audit: every read is audited")
    app[FIELD_TASKS] = field_tasks
    app.router.add_routes(field_routes)


def _callbacks(app: web.Application, callbacks: Callbacks | None, dialer: Dialer | None) -> None:
    """The feedback console's callback queue; its outcomes move tickets and every ticket it
    shows is audited, so it needs the tickets routes' stores (registered before it)."""
    if callbacks is None:
        return
    if TICKETS not in app or ACCESS_AUDIT not in app:
        raise ValueError("callbacks needs tickets and access_audit: outcomes move tickets")
    app[CALLBACKS] = callbacks
    if dialer is not None:
        app[DIALER] = dialer
    app.router.add_routes(callback_routes)
