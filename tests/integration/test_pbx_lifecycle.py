"""`cti pbx up/down`: safe to repeat, and down leaves nothing behind, also after a crash."""

from __future__ import annotations

import asyncio
import os
import signal

from cti.pbx.processes import alive, mounts_under, pids_where, rooted_in
from cti.pbx.sandbox import Sandbox
from cti.simulate import OperatorPhone, SippProcess, operator_command, sipp_pids


def leftovers(sandbox: Sandbox) -> tuple[list[int], list[int], list[str]]:
    root = sandbox.paths.root
    asterisk = [pid for pid in pids_where(rooted_in(root)) if alive(pid)]
    return asterisk, sipp_pids(), [str(p) for p in mounts_under(root)]


async def test_up_twice_is_harmless(sandbox: Sandbox) -> None:
    assert await asyncio.to_thread(sandbox.up) == "already running"
    assert (await asyncio.to_thread(sandbox.status)).ami_ready


async def test_down_leaves_no_asterisk_sipp_or_mount(sandbox: Sandbox) -> None:
    phone = await SippProcess.start(operator_command(OperatorPhone(extension="1004")))
    assert phone.running
    try:
        await asyncio.to_thread(sandbox.down)
        assert leftovers(sandbox) == ([], [], [])
        again = await asyncio.to_thread(sandbox.down)
        assert "stopped 0 Asterisk and 0 SIPp" in again, "down twice is harmless"
    finally:
        await phone.stop()
        await asyncio.to_thread(sandbox.up)


async def test_down_after_a_crash_leaves_nothing(sandbox: Sandbox) -> None:
    pid = (await asyncio.to_thread(sandbox.status)).pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)  # Asterisk dies; its pid file and /proc mount stay behind
    try:
        await asyncio.to_thread(sandbox.down)
        assert leftovers(sandbox) == ([], [], [])
    finally:
        await asyncio.to_thread(sandbox.up)
    assert (await asyncio.to_thread(sandbox.status)).ami_ready
