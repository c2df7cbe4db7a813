"""Queue login, logout, pause and resume for one operator, through AMI.

The member is named by the operator's username (`MemberName`), which queue_log records as
the agent (`log_membername_as_agent`) and the call log as `answered_by`; `StateInterface` lets
Asterisk see the phone busy on any call, not only queue calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from cti.telephony.ami.frames import Frame
from cti.telephony.ami.session import AmiError

CALL_QUEUE = "alo153"
FEEDBACK_QUEUE = "alo153-feedback"


class AmiActions(Protocol):
    async def action(
        self,
        name: str,
        headers: Mapping[str, str | int] | None = None,
        variables: Mapping[str, str] | None = None,
        *,
        timeout: float = 5.0,
    ) -> Frame: ...


class QueueControlError(Exception):
    """Asterisk refused or could not be asked; `message` is for the operator."""


# Answers that mean the member is already where we wanted it.
_ALREADY = ("already there", "not there")


class QueueControl:
    def __init__(self, ami: AmiActions) -> None:
        self._ami = ami

    async def join(self, extension: str, member: str, queues: tuple[str, ...],
                   *, penalty: int = 0) -> None:
        interface = interface_of(extension)
        for queue in queues:
            await self._send("QueueAdd", {
                "Queue": queue, "Interface": interface, "MemberName": member,
                "StateInterface": interface, "Penalty": penalty, "Paused": "false",
            })

    async def leave(self, extension: str, queues: tuple[str, ...]) -> None:
        for queue in queues:
            await self._send("QueueRemove", {"Queue": queue,
                                             "Interface": interface_of(extension)})

    async def pause(self, extension: str, reason: str) -> None:
        """In every queue the member is in: no call of any queue rings a phone on a break."""
        await self._send("QueuePause", {"Interface": interface_of(extension),
                                        "Paused": "true", "Reason": reason})

    async def resume(self, extension: str) -> None:
        await self._send("QueuePause", {"Interface": interface_of(extension),
                                        "Paused": "false"})

    async def _send(self, action: str, headers: Mapping[str, str | int]) -> None:
        try:
            reply = await self._ami.action(action, headers)
        except (AmiError, TimeoutError) as error:
            raise QueueControlError("santral bağlantısı yok / PBX link is down") from error
        if reply.response == "Success":
            return
        message = reply.get("Message") or ""
        if any(word in message.lower() for word in _ALREADY):
            return
        raise QueueControlError(f"santral reddetti / PBX refused: {message[:120]}")


def interface_of(extension: str) -> str:
    return f"PJSIP/{extension}"
