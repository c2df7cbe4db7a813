"""AMI wire format: frames split on bytes, decoded whole; actions encoded safely.

panoramisk 1.4 decodes each TCP read on its own and drops invalid bytes, so a Turkish name
split across two reads arrives damaged ("Ayşe" as "Aye"). Here bytes are buffered until a
frame's blank line arrives, and only the complete frame is decoded.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

FRAME_END = b"\r\n\r\n"
# Asterisk's largest frames (QueueStatus of a busy queue, long ChanVariable lists) stay far
# below this; a peer that sends more without a frame end is broken or hostile.
MAX_FRAME_BYTES = 1 << 20


class FrameTooLarge(ValueError):
    """The peer sent more than MAX_FRAME_BYTES without ending a frame."""


class UnsafeHeader(ValueError):
    """A header name or value would break the AMI framing (CR, LF or NUL)."""


@dataclass(frozen=True)
class Frame:
    """One AMI message. Repeated headers (ChanVariable, Variable) keep every value."""

    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def get(self, name: str, default: str | None = None) -> str | None:
        key = name.lower()
        for header, value in self.headers:
            if header.lower() == key:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [value for header, value in self.headers if header.lower() == key]

    @property
    def event(self) -> str | None:
        return self.get("Event")

    @property
    def response(self) -> str | None:
        return self.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")


def parse_frame(raw: bytes) -> Frame:
    """Decode one complete frame. Invalid UTF-8 is replaced, never dropped silently."""
    text = raw.decode("utf-8", errors="replace")
    headers: list[tuple[str, str]] = []
    for line in text.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
        elif line.strip():
            # Command output and banners carry bare lines; keep them under an empty name.
            headers.append(("", line))
    return Frame(tuple(headers))


class FrameBuffer:
    """Accumulates bytes from the socket and yields complete frames."""

    def __init__(self, max_frame: int = MAX_FRAME_BYTES) -> None:
        self._buffer = bytearray()
        self._max_frame = max_frame

    def feed(self, data: bytes) -> Iterator[Frame]:
        self._buffer += data
        while True:
            end = self._buffer.find(FRAME_END)
            if end < 0:
                if len(self._buffer) > self._max_frame:
                    raise FrameTooLarge(f"no frame end within {self._max_frame} bytes")
                return
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + len(FRAME_END)]
            if raw.strip():
                yield parse_frame(raw)


_FORBIDDEN = ("\r", "\n", "\0")


def _check(text: str, what: str) -> str:
    if any(c in text for c in _FORBIDDEN):
        raise UnsafeHeader(f"{what} contains CR, LF or NUL")
    return text


def encode_action(
    action: str,
    headers: Mapping[str, str | int] | None = None,
    variables: Mapping[str, str] | None = None,
) -> bytes:
    """Encode an action. A CR/LF in any value would inject a second action: refuse it."""
    lines = [f"Action: {_check(action, 'Action')}"]
    for name, value in (headers or {}).items():
        lines.append(f"{_check(name, 'header name')}: {_check(str(value), name)}")
    for name, value in (variables or {}).items():
        lines.append(f"Variable: {_check(name, 'variable name')}={_check(value, name)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
