"""What an operator's console may ask for: queue login/logout, pause/resume, a disposition.

Which queues a person works follows from their role: operators take 153 calls, feedback
operators the callback queue; someone with both roles joins both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cti.console.codes import DISPOSITIONS, PAUSE_CODES, PAUSE_REASONS, as_json
from cti.console.hub import ConsoleHub, Json, Outbox
from cti.console.queue_control import CALL_QUEUE, FEEDBACK_QUEUE, QueueControl
from cti.console.service import ConsoleService
from cti.console.wrapup import WrapUp, WrapUpError
from cti.domain.roles import Principal, Role

CODES = {"dispositions": as_json(DISPOSITIONS), "pauses": as_json(PAUSE_REASONS)}
QUEUES_BY_ROLE = {Role.OPERATOR: CALL_QUEUE, Role.FEEDBACK_OPERATOR: FEEDBACK_QUEUE}


NO_SOFTPHONE = "hesabınıza bağlı bir dahili yok / no softphone is tied to you"


class NoSoftphone(ValueError):
    """The signed-in person has no softphone (PJSIP endpoint) tied to them."""


class ConsoleDesk:
    def __init__(self, service: ConsoleService, hub: ConsoleHub, control: QueueControl,
                 wrapup: WrapUp) -> None:
        self._service = service
        self._hub = hub
        self._control = control
        self._wrapup = wrapup

    def hello(self, principal: Principal) -> Json:
        return {**self._service.hello(_extension(principal)),
                "queues": list(queues_for(principal)), "codes": CODES}

    @contextmanager
    def subscribe(self, principal: Principal) -> Iterator[Outbox]:
        with self._hub.subscribe(_extension(principal)) as outbox:
            yield outbox

    async def join(self, principal: Principal) -> None:
        await self._control.join(_extension(principal), principal.username,
                                 queues_for(principal))

    async def leave(self, principal: Principal) -> None:
        await self._control.leave(_extension(principal), queues_for(principal))

    async def pause(self, principal: Principal, reason: str) -> None:
        if reason not in PAUSE_CODES:
            raise WrapUpError(f"bilinmeyen mola nedeni / unknown pause reason: {reason[:40]}")
        await self._control.pause(_extension(principal), reason)

    async def resume(self, principal: Principal) -> None:
        await self._control.resume(_extension(principal))

    async def code_unless_coded(self, principal: Principal, call_id: str, code: str) -> None:
        """Give the call `code` unless the operator coded it already (their own code, and its
        note, stand); WrapUpError when it was not a call of theirs."""
        if not self._wrapup.coded(_extension(principal), call_id):
            await self.dispose(principal, call_id, code, "", None)

    async def dispose(self, principal: Principal, call_id: str, code: str, note: str,
                      then_pause: str | None) -> None:
        if then_pause is not None and then_pause not in PAUSE_CODES:
            raise WrapUpError(f"bilinmeyen mola nedeni / unknown pause reason: "
                              f"{then_pause[:40]}")
        await self._wrapup.dispose(_extension(principal), principal.username, call_id, code,
                                   note, then_pause)


def queues_for(principal: Principal) -> tuple[str, ...]:
    return tuple(queue for role, queue in QUEUES_BY_ROLE.items() if role in principal.roles)


def _extension(principal: Principal) -> str:
    if not principal.extension:
        raise NoSoftphone(NO_SOFTPHONE)
    return principal.extension
