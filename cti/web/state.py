"""The application's typed state: the ports `create_app` was given, read back by the views."""

from __future__ import annotations

from aiohttp import web

from cti.console.desk import ConsoleDesk
from cti.notify.delivery_log import OutboxQueries
from cti.storage.call_notes import CallNotebook
from cti.storage.field_tasks import FieldTaskStore
from cti.storage.leave_days import LeaveDays
from cti.storage.units import UnitStore
from cti.web.auth import People
from cti.web.ports import (
    Callbacks,
    CallQueries,
    Dialer,
    HealthProbe,
    QueueView,
    ReadAudit,
    Tickets,
)

# Subscripted rather than `AppKey("calls", CallQueries)`: a Protocol is no concrete class.
CALLS = web.AppKey[CallQueries]("calls")
QUEUES = web.AppKey[QueueView]("queues")
HEALTH = web.AppKey[HealthProbe]("health")
CONSOLE = web.AppKey("console", ConsoleDesk)
PEOPLE = web.AppKey("people", People)
CALL_NOTES = web.AppKey("call_notes", CallNotebook)
TICKETS = web.AppKey[Tickets]("tickets")
ACCESS_AUDIT = web.AppKey[ReadAudit]("access_audit")
UNITS = web.AppKey("units", UnitStore)
LEAVE_DAYS = web.AppKey("leave_days", LeaveDays)
OUTBOX = web.AppKey("outbox", OutboxQueries)
FIELD_TASKS = web.AppKey("field_tasks", FieldTaskStore)
CALLBACKS = web.AppKey[Callbacks]("callbacks")
DIALER = web.AppKey[Dialer]("dialer")
