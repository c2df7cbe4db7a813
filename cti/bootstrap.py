"""The composition root: builds every adapter and service `cti serve` runs, and owns them.

Data flows one way: Asterisk's AMI events → translation → call tracker → record writer →
call log, and → live queue state → bus (in-process, or Redis); FastAGI lookups answer from
the caller directory (tickets, recent calls, block list); reconciliation fills the call log
from Asterisk's own records; the HTTP API reads the call log, the live state and everyone's
health. Every long-lived task started here is cancelled here.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import agi_scripts
from cti.config import Settings
from cti.console.desk import ConsoleDesk
from cti.console.history import PopHistory
from cti.console.hub import ConsoleHub
from cti.console.lookup import history_lookup
from cti.console.queue_control import QueueControl
from cti.console.service import ConsoleService
from cti.console.wrapup import WrapUp
from cti.domain.calls.tracker import CallTracker
from cti.live.bus import InProcessBus, LiveBus
from cti.live.keeper import LiveStateKeeper
from cti.live.redis_bus import RedisLiveBus
from cti.notify.delivery_log import OutboxQueries
from cti.notify.dispatcher import OutboxDispatcher
from cti.notify.senders import configured_senders
from cti.reconcile.reconciler import QUEUE_LOG, Reconciler
from cti.service.call_ingest import CallIngest
from cti.service.escalation import EscalationSweep
from cti.service.health import ServiceHealth
from cti.service.periodic import every
from cti.service.record_writer import RecordWriter
from cti.service.resync import LinkResync
from cti.stopping import cancel_all
from cti.storage.access_audit import AccessAudit
from cti.storage.attachment_files import AttachmentFiles
from cti.storage.call_log import CallLog
from cti.storage.call_notes import CallNotebook
from cti.storage.caller_directory import CallerDirectory
from cti.storage.db import create_engine, session_factory
from cti.storage.dispositions import DispositionLog
from cti.storage.field_tasks import FieldTaskStore
from cti.storage.leave_days import LeaveDays
from cti.storage.migrate import upgrade_engine
from cti.storage.tickets import TicketStore
from cti.storage.units import UnitStore
from cti.storage.users import UserStore
from cti.storage.web_sessions import SessionStore
from cti.telephony.agi.server import FastAgiServer
from cti.telephony.ami.client import AmiClient, AmiTarget, LinkState
from cti.telephony.ami.frames import Frame
from cti.telephony.ami.session import AmiSession
from cti.web.app import create_app
from cti.web.auth import People
from cti.web.server import serving
from dialer.callbacks import CallbackStore
from dialer.config import DialerConfig, DialerMode
from dialer.engine import Dialer
from dialer.lease import PacerLease
from dialer.survey import SurveyConfig

log = logging.getLogger(__name__)

SWEEP_EVERY = 300.0
LIVE_REBUILD_EVERY = 60.0
SESSION_PURGE_EVERY = 3600.0


@dataclass(frozen=True, kw_only=True)
class Stores:
    """Everything kept in the database, one object per table family."""

    call_log: CallLog
    dispositions: DispositionLog
    tickets: TicketStore
    audit: AccessAudit
    people: People
    notes: CallNotebook
    units: UnitStore
    leave_days: LeaveDays
    outbox: OutboxQueries
    field_tasks: FieldTaskStore
    callbacks: CallbackStore
    dialer_lease: PacerLease


@dataclass
class Services:
    settings: Settings
    writer: RecordWriter
    ingest: CallIngest
    reconciler: Reconciler
    live: LiveBus
    keeper: LiveStateKeeper
    agi: FastAgiServer
    ami: AmiClient
    redis: Redis | None
    console: ConsoleService
    desk: ConsoleDesk
    stores: Stores
    escalation: EscalationSweep
    outbox: OutboxDispatcher | None = None  # sends what the outbox holds
    dialer: Dialer | None = None  # the feedback dialer, unless it runs as `cti dialer`
    http_url: str = ""
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def call_log(self) -> CallLog:
        return self.stores.call_log


@dataclass(frozen=True)
class LiveQueues:
    """The HTTP API's view of the live state: the bus's current snapshot."""

    bus: LiveBus

    def snapshot(self) -> dict[str, object]:
        return self.bus.current()


@contextlib.asynccontextmanager
async def running_services(settings: Settings) -> AsyncIterator[Services]:
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database)
    sessions = session_factory(engine)
    try:
        await upgrade_engine(engine)
        # On SQLite the directory holds one connection of its own: a pooled connection per
        # lookup costs nine thread hand-offs in aiosqlite (p99 over 5 ms, bench/agi_lookup.py).
        async with CallerDirectory(sessions, settings.blocklist) as callers:
            services = _build(settings, _stores(settings, sessions), callers,
                              EscalationSweep(sessions))
            services.outbox = OutboxDispatcher(
                sessions, configured_senders(settings),
                attachments=AttachmentFiles(settings.data_dir / "attachments"))
            async with _serving(services, engine):
                # Start-up's objects (modules, seed data, the app) live as long as the service:
                # out of the collector's sight, a full collection takes ~10 ms instead of
                # 64-98 ms, and a pop ringing during one no longer waits that long
                # (bench/screen_pop.py).
                gc.freeze()
                yield services
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def _serving(services: Services, engine: AsyncEngine) -> AsyncIterator[None]:
    settings = services.settings
    health = ServiceHealth(ami=services.ami, agi=services.agi, engine=engine,
                           redis_ping=services.redis.ping if services.redis else None)
    stores = services.stores
    await stores.units.seed()  # the shipped organisation, into an empty table only
    app = create_app(calls=stores.call_log, queues=LiveQueues(services.live), health=health,
                     console=services.desk, people=stores.people, call_notes=stores.notes,
                     tickets=stores.tickets, access_audit=stores.audit, units=stores.units,
                     leave_days=stores.leave_days, outbox=stores.outbox,
                     field_tasks=stores.field_tasks, callbacks=stores.callbacks,
                     dialer=services.dialer)
    try:
        await services.agi.start()
        log.info("FastAGI listening on %s:%d", settings.agi_host, services.agi.port)
        async with serving(app, host=settings.http_host, port=settings.http_port) as runner:
            host, port = runner.addresses[0][:2]
            services.http_url = f"http://{host}:{port}"
            log.info("HTTP API on %s/api/", services.http_url)
            _start_tasks(services)
            yield
    finally:
        await _stop(services)


def _stores(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> Stores:
    callbacks = CallbackStore(sessions, DialerConfig.from_settings(settings))
    return Stores(
        call_log=CallLog(sessions),
        dispositions=DispositionLog(sessions),
        tickets=TicketStore(sessions, attachments_dir=settings.data_dir / "attachments",
                            notices=settings.citizen_sms, feedback=callbacks),
        audit=AccessAudit(sessions),
        people=People(users=UserStore(sessions), sessions=SessionStore(sessions),
                      secure_cookies=settings.secure_cookies),
        notes=CallNotebook(sessions),
        units=UnitStore(sessions),
        leave_days=LeaveDays(sessions),
        outbox=OutboxQueries(sessions),
        field_tasks=FieldTaskStore(sessions,
                                   attachments_dir=settings.data_dir / "attachments"),
        callbacks=callbacks,
        dialer_lease=PacerLease(sessions),
    )


def _build(settings: Settings, stores: Stores, callers: CallerDirectory,
           escalation: EscalationSweep) -> Services:
    call_log = stores.call_log
    writer = RecordWriter(call_log)
    ingest = CallIngest(CallTracker(), writer)
    reconciler = Reconciler(call_log, settings.asterisk_log_dir)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    live: LiveBus = RedisLiveBus(redis) if redis is not None else InProcessBus()
    keeper = LiveStateKeeper(live)
    survey = SurveyConfig.from_settings(settings)
    agi = FastAgiServer(
        agi_scripts.routes(callers, agi_scripts.survey.route(
            stores.callbacks, stores.tickets, survey)),
        host=settings.agi_host, port=settings.agi_port, budgets=agi_scripts.budgets(survey),
    )
    resync = LinkResync(ingest, writer, reconciler)

    async def on_event(frame: Frame) -> None:
        ingest.on_frame(frame)
        await keeper.on_event(frame)
        console.on_frame(frame)  # after the keeper: it reads the operator's new state
        if dialer is not None:
            dialer.on_frame(frame)  # after the keeper: free operators are counted there

    async def on_connected(session: AmiSession) -> None:
        await keeper.on_connected(session)
        console.on_resynced()
        await resync(session)
        if dialer is not None:
            await dialer.on_connected()

    target = AmiTarget(host=settings.ami_host, port=settings.ami_port,
                       username=settings.ami_user, secret=settings.ami_secret)
    ami = AmiClient(target, on_event, on_connected=on_connected)
    console, desk = _console(settings, keeper, ami, stores)
    dialer = None
    if settings.dialer_in_serve and settings.dialer_mode is not DialerMode.OFF:
        dialer = Dialer(callbacks=stores.callbacks, tickets=stores.tickets, ami=ami,
                        live=lambda: keeper.state, config=DialerConfig.from_settings(settings),
                        link_up=lambda: ami.health().state is LinkState.UP,
                        lease=stores.dialer_lease,
                        queue_log=settings.asterisk_log_dir / QUEUE_LOG)
    return Services(settings, writer, ingest, reconciler, live, keeper, agi, ami, redis,
                    console, desk, stores, escalation, dialer=dialer)


def _console(settings: Settings, keeper: LiveStateKeeper, ami: AmiClient,
             stores: Stores) -> tuple[ConsoleService, ConsoleDesk]:
    hub, control = ConsoleHub(), QueueControl(ami)

    def pause_reason(extension: str) -> str | None:
        operator = keeper.state.operators.get(f"PJSIP/{extension}")
        pause = operator.pause() if operator else None
        return pause.pause_reason if pause else None

    wrapup = WrapUp(control, stores.dispositions, seconds=settings.wrapup,
                    pause_reason=pause_reason)
    lookup = history_lookup(stores.tickets.history_json, stores.call_log)
    service = ConsoleService(hub, PopHistory(lookup), wrapup, lambda: keeper.state)
    return service, ConsoleDesk(service, hub, control, wrapup)


def _start_tasks(services: Services) -> None:
    interval = services.settings.reconcile_interval

    async def sweep() -> None:
        services.ingest.sweep_stale()

    services.live.start()
    services.tasks += [
        asyncio.create_task(services.writer.run(), name="record-writer"),
        # The first reconciliation runs when the AMI link comes up (LinkResync), not here too.
        asyncio.create_task(every(interval, services.reconciler.run_once, name="reconcile",
                                  now=False), name="reconcile"),
        asyncio.create_task(every(SWEEP_EVERY, sweep, name="sweep"), name="sweep"),
        asyncio.create_task(every(SESSION_PURGE_EVERY,
                                  services.stores.people.sessions.purge_expired,
                                  name="session-purge"), name="session-purge"),
        asyncio.create_task(services.keeper.sweep(services.ami, LIVE_REBUILD_EVERY),
                            name="live-rebuild"),
        asyncio.create_task(every(services.settings.escalation_interval,
                                  services.escalation.run_once, name="escalation"),
                            name="escalation"),
    ]
    if services.outbox is not None:
        services.outbox.start()
    if services.dialer is not None:
        services.dialer.start()
    services.ami.start()


async def _stop(services: Services) -> None:
    if services.dialer is not None:
        await services.dialer.stop()
    await services.ami.close()
    await services.console.close()
    await cancel_all(services.tasks, "cti")
    if services.outbox is not None:
        await services.outbox.stop()
    await services.writer.flush()  # what was accepted is written before we go
    await services.agi.close()
    await services.live.close()
    if services.redis is not None:
        await services.redis.aclose()


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop` is set)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with running_services(settings):
        await stop.wait()
