"""Reading a FastAGI request's environment, which Asterisk sends as `agi_name: value` lines.

Everything here is untrusted: Asterisk copies caller id and name into these lines unescaped,
so a carrier-supplied name can hold CR/LF and forge further lines, or invalid UTF-8.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_LINE = 4096
MAX_HEADERS = 128

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BadRequest(ValueError):
    """The peer did not send a usable FastAGI environment."""


@dataclass(frozen=True)
class AgiRequest:
    env: dict[str, str]

    @property
    def route(self) -> str:
        """The script name: `incoming` for agi://host:port/incoming."""
        script = (
            self.env.get("agi_network_script") or urlsplit(self.env.get("agi_request", "")).path
        )
        return script.strip("/").split("?", 1)[0]

    @property
    def caller_number(self) -> str:
        return self.env.get("agi_callerid", "")

    @property
    def caller_name(self) -> str:
        return self.env.get("agi_calleridname", "")

    @property
    def uniqueid(self) -> str:
        return self.env.get("agi_uniqueid", "")

    def arg(self, index: int) -> str | None:
        return self.env.get(f"agi_arg_{index}")


def clean(value: str) -> str:
    """Drop control characters (a forged line break included) from an untrusted value."""
    return _CONTROL.sub("", value).strip()


async def read_request(reader: asyncio.StreamReader, *, timeout: float) -> AgiRequest:
    """Read the environment up to its blank line, within `timeout` seconds in all.

    The first occurrence of a name wins: a line forged inside a caller name comes after the
    real one and must not override routing or the caller's number.
    """
    env: dict[str, str] = {}
    async with asyncio.timeout(timeout):
        for _ in range(MAX_HEADERS):
            line = await _read_line(reader)
            if not line:
                if env:
                    return AgiRequest(env)
                raise BadRequest("empty request")
            name, sep, value = line.partition(":")
            if sep and name.startswith("agi_") and name not in env:
                env[name] = clean(value)
    raise BadRequest(f"more than {MAX_HEADERS} header lines")


async def _read_line(reader: asyncio.StreamReader) -> str:
    try:
        raw = await reader.readuntil(b"\n")
    except asyncio.IncompleteReadError as error:
        if error.partial:
            raise BadRequest("connection closed inside a line") from error
        raise BadRequest("connection closed before the request ended") from error
    except asyncio.LimitOverrunError as error:
        raise BadRequest(f"a line longer than {MAX_LINE} bytes") from error
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")
