"""AMI frames in, call-outcome records out: translate, track, hand to the writer.

This is the one path every AMI event takes, so it does no I/O of its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from cti.domain.calls.tracker import CallTracker
from cti.service.record_writer import RecordWriter
from cti.telephony.ami.frames import Frame
from cti.telephony.ami.translate import translate

log = logging.getLogger(__name__)

# A citizen call lasts minutes; one still open after this long lost its hangup event.
STALE_CALL_AGE = 4 * 3600.0


class CallIngest:
    def __init__(
        self, tracker: CallTracker, writer: RecordWriter, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._tracker = tracker
        self._writer = writer
        self._clock = clock
        self.events = 0

    def on_frame(self, frame: Frame) -> None:
        event = translate(frame, self._clock())
        if event is None:
            return
        self.events += 1
        records = self._tracker.apply(event)
        if records:
            self._writer.submit(records)

    def forget_dead(self, alive: set[str]) -> int:
        """After a reconnect: drop calls Asterisk no longer has. Their end happened while we
        were not listening; reconciliation writes it from Asterisk's own records."""
        dropped = self._tracker.sweep(self._clock(), 0.0, alive=alive)
        return len(dropped)

    def sweep_stale(self) -> None:
        records = self._tracker.sweep(self._clock(), STALE_CALL_AGE)
        if records:
            log.warning("closed %d call(s) whose hangup was never seen", len(records))
            self._writer.submit(records)
