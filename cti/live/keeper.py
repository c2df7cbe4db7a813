"""The owner of the live state: the glue the composition root hands to the AMI client.

`on_connected` rebuilds from QueueStatus after every (re)connect and publishes a snapshot;
`on_event` applies each event and publishes only what changed; `sweep` rebuilds on a timer,
because AMI events get lost, and publishes a snapshot only when the rebuild found a
difference.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from cti.live.bus import LiveBus
from cti.live.from_ami import apply, rebuild
from cti.live.messages import change_message, snapshot_message
from cti.live.state import LiveState, diff
from cti.telephony.ami.frames import Frame
from cti.telephony.ami.session import AmiError

log = logging.getLogger(__name__)


class QueueStatusSource(Protocol):
    """An AmiSession (in on_connected) or the AmiClient (for sweeps)."""

    async def action_list(
        self, name: str, headers: Mapping[str, str | int] | None = None, *, timeout: float = 10.0
    ) -> list[Frame]: ...


class LiveStateKeeper:
    def __init__(self, bus: LiveBus, *, clock: Callable[[], float] = time.time) -> None:
        self._bus = bus
        self._clock = clock
        self._state = LiveState()

    @property
    def state(self) -> LiveState:
        return self._state

    async def on_connected(self, ami: QueueStatusSource) -> None:
        self.rebuild_from(await ami.action_list("QueueStatus"), always=True)

    async def on_event(self, frame: Frame) -> None:
        now = self._clock()
        self._state, change = apply(self._state, frame, now)
        if change:
            self._bus.publish(change_message(self._state, change, now))

    def rebuild_from(self, frames: Iterable[Frame], *, always: bool) -> None:
        now = self._clock()
        rebuilt = rebuild(frames, now, self._state)
        if not always and not diff(self._state, rebuilt):
            return
        if not always:
            log.info("live state corrected by a QueueStatus sweep (an AMI event was lost)")
        self._state = rebuilt
        self._bus.publish(snapshot_message(rebuilt, now))

    async def sweep(self, ami: QueueStatusSource, interval: float) -> None:
        """Run until cancelled; a failed sweep waits for the next one (the link reconnects,
        and on_connected rebuilds anyway)."""
        while True:
            await asyncio.sleep(interval)
            version = self._state.version
            try:
                frames = await ami.action_list("QueueStatus")
            except (AmiError, TimeoutError) as error:
                log.warning("QueueStatus sweep failed: %s", error)
                continue
            # An event applied while the list was on its way may be newer than the list:
            # this sweep cannot tell, the next one will.
            if self._state.version == version:
                self.rebuild_from(frames, always=False)
