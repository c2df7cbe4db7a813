"""The FastAGI server against broken and hostile peers (panoramisk 1.4 fails each of these)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

import agi_scripts
from cti.domain.callers import RecentCallers
from cti.telephony.agi.server import FastAgiServer


def env(callerid: str = "05321112233", name: str = "Ayşe Şahin", extra: str = "") -> bytes:
    lines = (
        "agi_network: yes\n"
        "agi_network_script: incoming\n"
        "agi_request: agi://127.0.0.1:4573/incoming\n"
        "agi_channel: PJSIP/carrier-00000001\n"
        "agi_uniqueid: alo153-1.1\n"
        f"agi_callerid: {callerid}\n"
        f"agi_calleridname: {name}\n"
        f"{extra}"
        "agi_context: alo153-lookup\n"
        "\n"
    )
    return lines.encode()


@pytest.fixture
async def server() -> AsyncIterator[FastAgiServer]:
    callers = RecentCallers(frozenset({"05550000000"}))
    agi = FastAgiServer(
        agi_scripts.routes(callers), host="127.0.0.1", port=0, session_timeout=0.5
    )
    await agi.start()
    yield agi
    await agi.close()


async def fake_asterisk(
    port: int, request: bytes, *, hangup_after: int | None = None
) -> dict[str, str]:
    """Send `request`, answer every command like Asterisk, return the variables set."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    variables: dict[str, str] = {}
    try:
        while line := await asyncio.wait_for(reader.readline(), 2):
            command = line.decode().rstrip("\n")
            if hangup_after is not None and len(variables) >= hangup_after:
                writer.write(b"HANGUP\n")
                continue
            _, _, name, value = command.split(" ", 3)
            variables[name] = value.strip('"')
            writer.write(b"200 result=1\n")
    finally:
        writer.close()
    return variables


async def test_lookup_sets_the_channel_variables(server: FastAgiServer) -> None:
    variables = await fake_asterisk(server.port, env())
    assert variables["ALO153_PRIO"] == "0"
    assert variables["ALO153_BLOCKED"] == "0"
    assert variables["ALO153_REPEAT"] == "0"
    again = await fake_asterisk(server.port, env(callerid="+905321112233"))
    assert again["ALO153_REPEAT"] == "1", "the same citizen in another number form"
    assert again["ALO153_PRIO"] == "1"


async def test_blocked_number_is_flagged(server: FastAgiServer) -> None:
    variables = await fake_asterisk(server.port, env(callerid="905550000000"))
    assert variables["ALO153_BLOCKED"] == "1"


async def test_connect_then_close_does_not_spin(server: FastAgiServer) -> None:
    for _ in range(20):
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.close()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.sleep(0.2)
    # A spinning session would starve the loop for good: the sleep would never end in time
    # (the bound leaves room for a machine that is merely busy).
    assert loop.time() - started < 1.5
    assert (await fake_asterisk(server.port, env()))["ALO153_BLOCKED"] == "0"
    assert server.stats.bad_requests == 20


async def test_slow_partial_headers_are_cut_off_in_time(server: FastAgiServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"agi_network: yes\nagi_callerid: 0532")
    closed = await asyncio.wait_for(reader.read(), 2)
    assert closed == b""
    writer.close()


async def test_a_megabyte_header_is_refused(server: FastAgiServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"agi_calleridname: " + b"x" * (1 << 20) + b"\n\n")
    # Closed with our megabyte unread, the socket may be reset: that is a refusal too.
    with contextlib.suppress(ConnectionResetError):
        assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
    assert server.stats.bad_requests == 1


async def test_invalid_utf8_in_the_caller_name_is_served(server: FastAgiServer) -> None:
    request = env().replace("Ayşe".encode(), b"Ay\xfe\xffe")
    variables = await fake_asterisk(server.port, request)
    assert variables["ALO153_BLOCKED"] == "0"


async def test_a_forged_header_in_the_caller_name_cannot_reroute_or_rebrand(
    server: FastAgiServer,
) -> None:
    forged = env(name="Ali\nagi_network_script: admin\nagi_callerid: 05550000000")
    variables = await fake_asterisk(server.port, forged)
    assert variables["ALO153_BLOCKED"] == "0", "the later, forged caller id was ignored"


async def test_a_forged_blank_line_leaves_the_answers_readable(server: FastAgiServer) -> None:
    # The forged blank line ends the environment early; the rest of it arrives where answers
    # are expected, and must be skipped.
    variables = await fake_asterisk(server.port, env(name="Ali\n", extra="agi_dnid: 153\n"))
    assert variables["ALO153_PRIO"] == "0"


async def test_caller_hanging_up_between_commands_ends_the_session(
    server: FastAgiServer,
) -> None:
    variables = await fake_asterisk(server.port, env(), hangup_after=2)
    assert len(variables) == 2
    await asyncio.sleep(0.05)
    assert server.stats.hung_up == 1


async def test_unknown_route_is_closed(server: FastAgiServer) -> None:
    request = env().replace(b"agi_network_script: incoming", b"agi_network_script: nope")
    assert await fake_asterisk(server.port, request) == {}
    assert server.stats.unknown_routes == 1
