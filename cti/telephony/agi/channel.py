"""Sending AGI commands on one FastAGI session and reading Asterisk's answers."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from cti.telephony.agi.request import clean

_RESPONSE = re.compile(r"^(\d{3})([ -])(.*)$")
_RESULT = re.compile(r"result=(-?\d+)(?:\s+\((.*)\))?")
# Lines that are not answers (a forged blank line in a caller name pushes the rest of the
# environment into the answer stream) are skipped, but not forever.
MAX_STRAY_LINES = 256


class ChannelHungUp(Exception):
    """The caller hung up: Asterisk said HANGUP, answered 511, or closed the session."""


class AgiProtocolError(Exception):
    """Asterisk's answer could not be understood."""


@dataclass(frozen=True)
class AgiResult:
    code: int
    result: int
    data: str


class AgiChannel:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, timeout: float
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._timeout = timeout

    async def set_variable(self, name: str, value: str | int) -> AgiResult:
        return await self.command(f"SET VARIABLE {_name(name)} {quote(str(value))}")

    async def command(self, line: str) -> AgiResult:
        if any(c in line for c in "\r\n\0"):
            raise ValueError("an AGI command is one line")
        self._writer.write(line.encode("utf-8") + b"\n")
        async with asyncio.timeout(self._timeout):
            await self._writer.drain()
            return await self._read_answer()

    async def _read_answer(self) -> AgiResult:
        for _ in range(MAX_STRAY_LINES):
            line = await self._read_line()
            if line == "HANGUP":
                raise ChannelHungUp("HANGUP")
            match = _RESPONSE.match(line)
            if match is None:
                continue
            code, more, rest = int(match.group(1)), match.group(2), match.group(3)
            if more == "-":
                await self._skip_usage(code)
            return _result(code, rest)
        raise AgiProtocolError("no answer among the lines Asterisk sent")

    async def _skip_usage(self, code: int) -> None:
        """A 520- answer is followed by usage text ending with `520 End of proper usage.`"""
        for _ in range(MAX_STRAY_LINES):
            if (await self._read_line()).startswith(f"{code} "):
                return

    async def _read_line(self) -> str:
        raw = await self._reader.readline()
        if not raw:
            raise ChannelHungUp("session closed")
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _result(code: int, rest: str) -> AgiResult:
    if code == 511:
        raise ChannelHungUp("dead channel")
    match = _RESULT.search(rest)
    if code != 200 or match is None:
        return AgiResult(code, -1, rest)
    return AgiResult(code, int(match.group(1)), match.group(2) or "")


def quote(value: str) -> str:
    """Quote an AGI argument: control characters dropped, quotes and backslashes escaped."""
    escaped = clean(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _name(name: str) -> str:
    if not re.fullmatch(r"_{0,2}[A-Za-z][A-Za-z0-9_]*", name):
        raise ValueError(f"not a channel variable name: {name!r}")
    return name
