"""`cti dialer`: the feedback dialer as a process of its own, beside `cti serve` (which then
runs with `CTI_DIALER_IN_SERVE=false`): its own AMI link, the live state of the feedback
queue rebuilt from Asterisk, the shared database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from cti.config import Settings
from cti.live.bus import InProcessBus
from cti.live.keeper import LiveStateKeeper
from cti.reconcile.reconciler import QUEUE_LOG
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade_engine
from cti.storage.tickets import TicketStore
from cti.telephony.ami.client import AmiClient, AmiTarget, LinkState
from cti.telephony.ami.frames import Frame
from cti.telephony.ami.session import AmiSession
from dialer.callbacks import CallbackStore
from dialer.config import DialerConfig
from dialer.engine import Dialer
from dialer.lease import PacerLease

log = logging.getLogger(__name__)
LIVE_REBUILD_EVERY = 60.0


async def run(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Dial until SIGINT/SIGTERM (or `stop` is set)."""
    stop = stop or asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    engine = create_engine(settings.database)
    try:
        await upgrade_engine(engine)
        sessions = session_factory(engine)
        config = DialerConfig.from_settings(settings)
        callbacks = CallbackStore(sessions, config)
        tickets = TicketStore(sessions, attachments_dir=settings.data_dir / "attachments",
                              notices=settings.citizen_sms, feedback=callbacks)
        keeper = LiveStateKeeper(InProcessBus())

        async def on_event(frame: Frame) -> None:
            await keeper.on_event(frame)
            dialer.on_frame(frame)

        async def on_connected(session: AmiSession) -> None:
            await keeper.on_connected(session)
            await dialer.on_connected()

        target = AmiTarget(host=settings.ami_host, port=settings.ami_port,
                           username=settings.ami_user, secret=settings.ami_secret)
        ami = AmiClient(target, on_event, on_connected=on_connected)
        dialer = Dialer(callbacks=callbacks, tickets=tickets, ami=ami,
                        live=lambda: keeper.state, config=config,
                        link_up=lambda: ami.health().state is LinkState.UP,
                        lease=PacerLease(sessions),
                        queue_log=settings.asterisk_log_dir / QUEUE_LOG)
        await _dial(ami, keeper, dialer, stop)
    finally:
        await engine.dispose()


async def _dial(ami: AmiClient, keeper: LiveStateKeeper, dialer: Dialer,
                stop: asyncio.Event) -> None:
    dialer.start()
    ami.start()
    rebuild = asyncio.create_task(keeper.sweep(ami, LIVE_REBUILD_EVERY), name="live-rebuild")
    log.info("cti dialer: %s mode", dialer.mode)
    try:
        await stop.wait()
    finally:
        rebuild.cancel()
        await dialer.stop()
        await ami.close()
        with contextlib.suppress(asyncio.CancelledError):
            await rebuild
