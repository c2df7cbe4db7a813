"""A shutdown never hangs on a task that will not stop."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from cti.stopping import cancel_all


async def test_tasks_that_end_on_cancel_are_awaited() -> None:
    ended: list[str] = []

    async def worker(name: str) -> None:
        try:
            await asyncio.sleep(60)
        finally:
            ended.append(name)

    tasks = [asyncio.create_task(worker(n)) for n in "ab"]
    await asyncio.sleep(0)
    await cancel_all(tasks, "test")
    assert sorted(ended) == ["a", "b"] and all(t.done() for t in tasks)


async def test_a_task_that_swallows_its_cancellation_is_left_behind_in_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(60)

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await cancel_all([task], "test", grace=0.2)
    assert loop.time() - started < 2
    assert "stubborn did not stop" in caplog.text
    release.set()
    task.cancel()
    await asyncio.wait([task], timeout=1)
