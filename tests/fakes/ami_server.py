"""A scriptable AMI peer on loopback, for the failures a real Asterisk rarely shows on demand."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from cti.telephony.ami.frames import Frame, FrameBuffer


@dataclass
class FakeAmi:
    secret: str = "secret"
    answer_pings: bool = True
    # Actions the peer swallows without answering (to leave them in flight).
    swallow: set[str] = field(default_factory=set)
    # Events sent right behind an action's response, in the same write ("{id}" = its ActionID).
    follow_up: dict[str, str] = field(default_factory=dict)
    logins: int = 0
    actions: list[Frame] = field(default_factory=list)
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def drop(self) -> None:
        """Close every connection from this side, as an Asterisk restart would."""
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    async def send(self, raw: bytes, *, chunk: int = 0) -> None:
        """Send bytes to every client, optionally `chunk` bytes per write."""
        for writer in list(self._writers):
            step = chunk or len(raw)
            for start in range(0, len(raw), step):
                writer.write(raw[start : start + step])
                await writer.drain()

    def named(self, action: str) -> list[Frame]:
        return [a for a in self.actions if a.get("Action") == action]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        buffer = FrameBuffer()
        try:
            while data := await reader.read(4096):
                for frame in buffer.feed(data):
                    await self._answer(frame, writer)
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _answer(self, frame: Frame, writer: asyncio.StreamWriter) -> None:
        action = frame.get("Action") or ""
        self.actions.append(frame)
        reply = self._reply(action, frame)
        if reply is not None:
            writer.write(f"Response: {reply}\r\nActionID: {frame.action_id}\r\n\r\n".encode())
            if action == "Login" and reply == "Success":
                writer.write(b"Event: FullyBooted\r\nStatus: Fully Booted\r\n\r\n")
            if action in self.follow_up:
                writer.write(self.follow_up[action].format(id=frame.action_id).encode())
            await writer.drain()

    def _reply(self, action: str, frame: Frame) -> str | None:
        if action == "Login":
            self.logins += 1
            ok = frame.get("Secret") == self.secret
            return "Success" if ok else "Error\r\nMessage: Authentication failed"
        if action in self.swallow or (action == "Ping" and not self.answer_pings):
            return None
        return "Success"
