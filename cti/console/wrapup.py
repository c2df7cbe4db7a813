"""After-call work: every answered call gets a disposition code, and the phone stays quiet
until it has one or the queue's wrap-up time runs out.

When an answered queue call ends, the operator is paused in every queue with reason `acw`
(after-call work, which supervisors see as work, not a break). Choosing a code ends the wrap-up
and resumes the operator, or pauses them with the reason they asked for instead; when the time
runs out, the CTI records the timeout code and resumes them. A code chosen during the call
skips the wrap-up. An operator who paused themselves during wrap-up stays paused.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass

from cti.console.codes import DISPOSITION_CODES, TIMEOUT
from cti.console.queue_control import QueueControl, QueueControlError
from cti.live.state import AFTER_CALL_WORK_REASONS
from cti.storage.dispositions import Disposition, DispositionLog

log = logging.getLogger(__name__)

ACW_REASON = next(iter(AFTER_CALL_WORK_REASONS))
DEFAULT_SECONDS = 30.0
RECENT_CALLS = 50  # calls an operator may still code, per extension


class WrapUpError(ValueError):
    """The operator's request cannot be taken: unknown code, a call that was not theirs."""


@dataclass(frozen=True, kw_only=True)
class Pending:
    extension: str
    member: str
    call_id: str
    queue: str
    deadline: float

    def json(self) -> dict[str, object]:
        return {"call_id": self.call_id, "queue": self.queue, "deadline": self.deadline}


class WrapUp:
    def __init__(
        self,
        control: QueueControl,
        dispositions: DispositionLog,
        *,
        seconds: Mapping[str, float] | None = None,
        default_seconds: float = DEFAULT_SECONDS,
        pause_reason: Callable[[str], str | None] = lambda extension: None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._control = control
        self._log = dispositions
        self._seconds = dict(seconds or {})
        self._default = default_seconds
        self._pause_reason = pause_reason  # the live pause reason of an extension, if paused
        self._on_change: Callable[[str], None] = lambda extension: None
        self._clock = clock
        self._pending: dict[tuple[str, str], Pending] = {}
        self._timers: dict[tuple[str, str], asyncio.Task[None]] = {}
        # (extension, call) → coded already; answered calls an operator may code
        self._recent: dict[str, OrderedDict[str, bool]] = {}

    def watch(self, on_change: Callable[[str], None]) -> None:
        """`on_change(extension)` is called whenever that extension's pending list changes."""
        self._on_change = on_change

    def pending(self, extension: str) -> list[Pending]:
        return [p for (ext, _), p in self._pending.items() if ext == extension]

    def coded(self, extension: str, call_id: str) -> bool:
        """Whether the operator gave this call a code already."""
        calls = self._recent.get(extension)
        return calls is not None and bool(calls.get(call_id))

    def answered(self, extension: str, call_id: str) -> None:
        calls = self._recent.setdefault(extension, OrderedDict())
        calls.setdefault(call_id, False)
        while len(calls) > RECENT_CALLS:
            calls.popitem(last=False)

    async def call_ended(self, extension: str, member: str, call_id: str, queue: str) -> None:
        calls = self._recent.get(extension, OrderedDict())
        if calls.get(call_id) or (extension, call_id) in self._pending:
            return  # coded during the call, or an event seen twice
        self.answered(extension, call_id)
        seconds = self._seconds.get(queue, self._default)
        pending = Pending(extension=extension, member=member, call_id=call_id, queue=queue,
                          deadline=self._clock() + seconds)
        key = (extension, call_id)
        self._pending[key] = pending
        self._timers[key] = asyncio.create_task(self._expire_later(pending, seconds),
                                                name="wrapup-timer")
        self._on_change(extension)
        await self._try(self._control.pause(extension, ACW_REASON))

    async def dispose(
        self, extension: str, member: str, call_id: str, code: str, note: str = "",
        then_pause: str | None = None,
    ) -> None:
        if code not in DISPOSITION_CODES:
            raise WrapUpError(f"bilinmeyen kod / unknown code: {code[:40]}")
        calls = self._recent.get(extension, OrderedDict())
        if call_id not in calls and (extension, call_id) not in self._pending:
            raise WrapUpError("bu çağrı sizin değil / not one of your calls")
        await self._log.record(Disposition(call_id=call_id, operator=member, code=code,
                                           note=note, set_at=self._clock()))
        calls[call_id] = True
        pending = self._end(extension, call_id)
        if pending is not None and not self.pending(extension):
            await self._after(extension, then_pause)
        elif then_pause:
            await self._try(self._control.pause(extension, then_pause))

    async def release_orphans(self, paused_for_acw: Iterable[str]) -> None:
        """Operators Asterisk holds paused for after-call work with no wrap-up running here:
        a CTI that restarted lost their timers, and the pause outlives it. They are resumed,
        or they would stay silent for the rest of the shift."""
        for extension in paused_for_acw:
            if not self.pending(extension):
                log.info("resuming an operator left in after-call work by an earlier run")
                await self._try(self._control.resume(extension))

    async def close(self) -> None:
        timers = list(self._timers.values())
        self._timers.clear()
        for timer in timers:
            timer.cancel()
        await asyncio.gather(*timers, return_exceptions=True)

    async def _expire_later(self, pending: Pending, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._timers.pop((pending.extension, pending.call_id), None)
        await self._log.record(Disposition(
            call_id=pending.call_id, operator=pending.member, code=TIMEOUT.code,
            set_at=self._clock(), timed_out=True))
        self._recent.setdefault(pending.extension, OrderedDict())[pending.call_id] = True
        self._end(pending.extension, pending.call_id)
        if not self.pending(pending.extension):
            await self._after(pending.extension, None)

    def _end(self, extension: str, call_id: str) -> Pending | None:
        key = (extension, call_id)
        pending = self._pending.pop(key, None)
        timer = self._timers.pop(key, None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        if pending is not None:
            self._on_change(extension)
        return pending

    async def _after(self, extension: str, then_pause: str | None) -> None:
        if then_pause:
            await self._try(self._control.pause(extension, then_pause))
        elif self._pause_reason(extension) in (ACW_REASON, None):
            await self._try(self._control.resume(extension))
        # else: the operator took a break during wrap-up; it is theirs to end

    async def _try(self, action: Awaitable[None]) -> None:
        try:
            await action
        except QueueControlError as error:
            log.warning("wrap-up pause/resume failed: %s", error)
