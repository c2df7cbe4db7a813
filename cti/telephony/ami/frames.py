"""AMI wire format: frames split on bytes, decoded whole; actions encoded safely.

panoramisk 1.4 decodes each TCP read on its own and drops invalid bytes, so a Turkish name
split across two reads arrives damaged ("Ayşe" as "Aye"). Here bytes are buffered until a
frame's blank line arrives, and only the complete frame is decoded.

This is the path of every AMI event (160 a call with `read=all`), and most events interest
no one: a frame is split into headers only when a reader wants more than a header or two
(bench/ami_ingest.py measures it against panoramisk).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping

FRAME_END = b"\r\n\r\n"
# Asterisk's largest frames (QueueStatus of a busy queue, long ChanVariable lists) stay far
# below this; a peer that sends more without a frame end is broken or hostile.
MAX_FRAME_BYTES = 1 << 20
# The one non-ASCII letter whose lower case is an ASCII letter (KELVIN SIGN -> k).
_KELVIN = "\u212a".encode()
# A frame's Event not looked up yet: no header value can hold a line break.
_UNREAD = "\r\n"


class FrameTooLarge(ValueError):
    """The peer sent more than MAX_FRAME_BYTES without ending a frame."""


class UnsafeHeader(ValueError):
    """A header name or value would break the AMI framing (CR, LF or NUL)."""


class Frame:
    """One AMI message. Repeated headers (ChanVariable, Variable) keep every value.

    Read-only, equal to any frame with the same headers. A frame read from the wire keeps
    its bytes and splits them into headers on first need: a single header (Event, ActionID
    that events lack) is mostly answered from the bytes without decoding the frame.
    """

    __slots__ = ("_event", "_headers", "_lowered", "_raw")

    def __init__(self, headers: tuple[tuple[str, str], ...] = ()) -> None:
        self._headers: tuple[tuple[str, str], ...] | None = headers
        self._raw = self._lowered = b""
        self._event: str | None = _UNREAD

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        if self._headers is None:
            self._headers = _split(self._raw)
        return self._headers

    def get(self, name: str, default: str | None = None) -> str | None:
        if self._headers is None and self._lowered:
            certain, value = _peek(self._raw, self._lowered, name)
            if certain:
                return default if value is None else value
        key = name.lower()
        for header, value in self.headers:
            if header == name or header.lower() == key:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [value for header, value in self.headers if header.lower() == key]

    @property
    def event(self) -> str | None:
        # Every reader asks every frame for its Event first, some readers twice.
        if self._event is _UNREAD:
            self._event = self.get("Event")
        return self._event

    @property
    def response(self) -> str | None:
        return self.get("Response")

    @property
    def action_id(self) -> str | None:
        return self.get("ActionID")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Frame):
            return NotImplemented
        return self.headers == other.headers

    def __hash__(self) -> int:
        return hash(self.headers)

    def __repr__(self) -> str:
        return f"Frame(headers={self.headers!r})"

    def __reduce__(self) -> tuple[type[Frame], tuple[tuple[tuple[str, str], ...]]]:
        return Frame, (self.headers,)


def parse_frame(raw: bytes) -> Frame:
    """The frame in these bytes (without the blank line), split into headers on demand.

    Invalid UTF-8 is replaced, never dropped silently.
    """
    frame = Frame.__new__(Frame)
    frame._headers, frame._raw, frame._event = None, raw, _UNREAD
    # Only ASCII letters are lowered, so positions stay those of `raw`. Left empty (the frame
    # is then always split) when a name could match without matching byte for byte.
    plain = raw.isascii() or _KELVIN[:1] not in raw or _KELVIN not in raw
    frame._lowered = raw.lower() if plain else b""
    return frame



def _peek(raw: bytes, lowered: bytes, name: str) -> tuple[bool, str | None]:
    """`get(name)` answered from the bytes: (True, value or None) when that is certain.

    Certain when the name occurs nowhere (no header has it), or when its first occurrence in
    any letter case is a line starting with exactly `name:`, which is then the first header of
    that name. Otherwise (False, None), and the caller splits the frame.
    """
    probe = _probe(name)
    if probe is None:
        return False, None
    key, line_start = probe
    at = lowered.find(key)
    if at < 0:
        return True, None
    if not raw.startswith(line_start, at) or (at and not raw.startswith(b"\r\n", at - 2)):
        return False, None
    start = at + len(line_start)
    end = raw.find(b"\r\n", start)
    value = raw[start:] if end < 0 else raw[start:end]
    # Slices that start and end at ASCII bytes decode as the whole frame would.
    return True, value.decode("utf-8", errors="replace").strip()


@functools.lru_cache(maxsize=512)
def _probe(name: str) -> tuple[bytes, bytes] | None:
    """What to look for: the lower-cased name, and `Name:` as Asterisk writes it."""
    if not name.isascii() or not name.replace("-", "").replace("_", "").isalnum():
        return None  # an empty name, spaces or a colon: only the headers tell
    return name.lower().encode(), name.encode() + b":"


def _split(raw: bytes) -> tuple[tuple[str, str], ...]:
    text = raw.decode("utf-8", errors="replace")
    headers: list[tuple[str, str]] = []
    for line in text.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
        elif line.strip():
            # Command output and banners carry bare lines; keep them under an empty name.
            headers.append(("", line))
    return tuple(headers)


class FrameBuffer:
    """Accumulates bytes from the socket and yields complete frames."""

    def __init__(self, max_frame: int = MAX_FRAME_BYTES) -> None:
        self._rest = b""  # the start of a frame whose end has not come yet
        self._max_frame = max_frame

    def feed(self, data: bytes) -> Iterator[Frame]:
        # One split per read instead of a find, a copy and a shift of the buffer per frame.
        raws = (self._rest + data).split(FRAME_END)
        self._rest = raws.pop()
        done = 0
        try:
            for raw in raws:
                done += 1
                if raw.strip():
                    yield parse_frame(raw)
        finally:
            if done < len(raws):  # the reader stopped early: keep what it did not take
                self._rest = FRAME_END.join([*raws[done:], self._rest])
        if len(self._rest) > self._max_frame:
            raise FrameTooLarge(f"no frame end within {self._max_frame} bytes")


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
