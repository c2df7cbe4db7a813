"""The FastAGI `incoming` lookup under load, on a SQLite store of a million tickets.

Simulated Asterisk channels (in a child process, as Asterisk is one) connect, send the `agi_*`
environment, answer every SET VARIABLE with `200 result=1` and time connect-to-close. Calls
arrive at random at --rate a second, at most --concurrency in flight; then every channel
places lookups back to back, for the most a second. The same load runs against
`RecentCallers` (memory only, no database) as the baseline. Target: p99 at most 5 ms.
The generated database is cached (under /tmp, by size and schema revision).

    python bench/agi_lookup.py [--tickets 1000000] [--requests 10000] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import agi_scripts
from agi_scripts import incoming
from cti.domain.callers import CallerHints, RecentCallers
from cti.storage.caller_directory import CallerDirectory
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import alembic_config, upgrade
from cti.telephony.agi.server import AgiStats, FastAgiServer

DAY = 24 * 3600.0
# Share of tickets per status in a year of a municipal 153 line (most end closed or solved on
# the phone; a few are still being worked on).
STATUS_MIX = {
    "closed": 52, "first_contact_solved": 22, "resolved": 8, "in_progress": 6,
    "forwarded": 5, "new": 3, "feedback": 3, "reopened": 1,
}
CHANNELS = ("phone",) * 8 + ("web", "email")
WARM_UP = 200


@dataclass(frozen=True)
class Store:
    path: Path
    phones: list[str]
    recent_callers: list[str]


# ------------------------------------------------------------------ the cached database


def store(args: argparse.Namespace) -> Store:
    """The database for these sizes, built once and reused (same seed, same content)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    path = args.db or Path(
        f"/tmp/alo153-bench/agi_lookup-{head}-{args.tickets}t-{args.phones}p-{args.calls}c.db"
    )
    rng = random.Random(153)
    phones = [f"05{n:09d}" for n in rng.sample(range(300_000_000, 599_999_999), args.phones)]
    calls = _calls(rng, phones, args.calls, time.time())
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        _build(path, rng, phones, args.tickets, calls)
        print(f"built {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return Store(path, phones, [phone for phone, _ in calls[: len(calls) // 4]])


def _build(
    path: Path, rng: random.Random, phones: list[str], tickets: int, calls: list[tuple[str, float]]
) -> None:
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{partial}"))  # the real schema, by migration
    db = sqlite3.connect(partial, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO tickets (number, citizen_phone, status, channel, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            _tickets(rng, phones, tickets),
        )
        db.executemany(
            "INSERT INTO calls (call_id, caller_number, caller_name, started_at,"
            " channel_uniqueid, outcome, source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (f"bench-{n}", phone, "Vatandaş", at, f"bench-{n}", "answered", "ami", at)
                for n, (phone, at) in enumerate(calls)
            ),
        )
        db.execute("COMMIT")
        db.execute("ANALYZE")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    partial.rename(path)


def _tickets(
    rng: random.Random, phones: list[str], count: int
) -> list[tuple[str, str, str, str, float, float]]:
    """`count` tickets over three years, oldest first; a few citizens call very often."""
    now = time.time()
    created = sorted(now - rng.random() * 3 * 365 * DAY for _ in range(count))
    statuses = rng.choices(list(STATUS_MIX), weights=list(STATUS_MIX.values()), k=count)
    per_year: dict[int, int] = {}
    rows = []
    for at, status in zip(created, statuses, strict=True):
        year = time.gmtime(at).tm_year
        per_year[year] = per_year.get(year, 0) + 1
        phone = phones[int(len(phones) * rng.random() ** 1.5)]
        rows.append((
            f"153-{year}-{per_year[year]:06d}", phone, status, rng.choice(CHANNELS),
            at, at + rng.random() * 7 * DAY,
        ))
    return rows


def _calls(
    rng: random.Random, phones: list[str], count: int, now: float
) -> list[tuple[str, float]]:
    """Calls over the last week, newest first: about a seventh in the last 24 h."""
    calls = [(rng.choice(phones), now - 60 - rng.random() * 7 * DAY) for _ in range(count)]
    return sorted(calls, key=lambda call: -call[1])


# ------------------------------------------------------------------ simulated Asterisk


def presented(rng: random.Random, phone: str) -> str:
    """How the carrier presents the number: national, E.164 or without the plus."""
    return rng.choice((phone, "+90" + phone[1:], "90" + phone[1:]))


def request_env(n: int, callerid: str) -> bytes:
    return (
        "agi_network: yes\n"
        "agi_network_script: incoming\n"
        "agi_request: agi://127.0.0.1:4573/incoming\n"
        f"agi_channel: PJSIP/carrier-{n:08x}\n"
        "agi_language: tr\n"
        "agi_type: PJSIP\n"
        f"agi_uniqueid: bench-{n}.0\n"
        "agi_version: 22.10.1\n"
        f"agi_callerid: {callerid}\n"
        "agi_calleridname: Şükrü Öztürk\n"
        "agi_callingpres: 0\n"
        "agi_dnid: 153\n"
        "agi_context: alo153-lookup\n"
        "agi_extension: s\n"
        "agi_priority: 3\n"
        "agi_enhanced: 0.0\n"
        "agi_accountcode: \n"
        f"agi_threadid: {140000000000 + n}\n"
        "\n"
    ).encode()


async def one_call(port: int, env: bytes) -> tuple[float, int]:
    """One lookup as Asterisk makes it: seconds from connect to close, variables set."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(env)
    commands = 0
    while line := await reader.readline():
        if line.startswith(b"SET VARIABLE"):
            commands += 1
        writer.write(b"200 result=1\n")
    writer.close()
    elapsed = time.perf_counter() - started
    await writer.wait_closed()
    return elapsed, commands


async def drive(
    port: int, callerids: Sequence[str], *, concurrency: int, rate: float, seconds: float
) -> dict[str, Any]:
    """Place the lookups, at most `concurrency` in flight, until done or `seconds` passed.

    With a `rate`, calls arrive at random (Poisson) at that many a second, as citizens do;
    with rate 0 every channel starts its next lookup as soon as the last one closed.
    """
    latencies: list[float] = []
    failures = 0
    slots = asyncio.Semaphore(concurrency)
    gaps = random.Random(153)
    tasks: set[asyncio.Task[None]] = set()

    async def channel(n: int, callerid: str) -> None:
        nonlocal failures
        try:
            elapsed, commands = await one_call(port, request_env(n, callerid))
            latencies.append(elapsed)
            failures += commands != len(incoming.variables(CallerHints()))
        except OSError:
            failures += 1
        finally:
            slots.release()

    started = time.perf_counter()
    due = started
    for n, callerid in enumerate(callerids):
        if rate:
            due += gaps.expovariate(rate)
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        if time.perf_counter() - started > seconds:
            break
        await slots.acquire()
        task = asyncio.create_task(channel(n, callerid))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    return {"latencies": latencies, "failures": failures, "wall": time.perf_counter() - started}


# ------------------------------------------------------------------ measuring


def _channels(conn: Connection) -> None:
    """The simulated PBX's process: runs each job it is sent until it is sent None."""
    while (job := conn.recv()) is not None:
        port, callerids, options = job
        conn.send(asyncio.run(drive(port, callerids, **options)))


class Pbx:
    """The simulated Asterisk, one process for the whole run: both sides meet it warmed up."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_channels, args=(theirs,), daemon=True)
        self._process.start()

    async def run(self, port: int, callerids: Sequence[str], **options: Any) -> dict[str, Any]:
        self._conn.send((port, list(callerids), options))
        while not self._conn.poll():
            await asyncio.sleep(0.02)
        result: dict[str, Any] = self._conn.recv()
        return result

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(10)


@dataclass(frozen=True)
class Figures:
    requests: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    rps: float
    failures: int

    @classmethod
    def of(cls, results: list[dict[str, Any]], server: FastAgiServer) -> Figures:
        latencies = sorted(x for result in results for x in result["latencies"])
        stats = server.stats
        return cls(
            requests=len(latencies),
            p50_ms=statistics.median(latencies) * 1000,
            p99_ms=latencies[int(len(latencies) * 0.99) - 1] * 1000,
            max_ms=latencies[-1] * 1000,
            rps=len(latencies) / sum(result["wall"] for result in results),
            failures=sum(result["failures"] for result in results)
            + stats.errors + stats.timeouts + stats.rejected,
        )


async def side_by_side(
    pbx: Pbx, servers: tuple[FastAgiServer, FastAgiServer], callerids: list[str],
    *, rounds: int, **options: Any,
) -> tuple[Figures, Figures]:
    """The same lookups against both servers, in rounds, ABBA: neither always goes first."""
    results: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    for server in servers:
        server.stats = AgiStats()  # failures are counted per measurement
    size = -(-len(callerids) // rounds)
    for n in range(rounds):
        batch = callerids[n * size:(n + 1) * size]
        for side in (0, 1) if n % 2 == 0 else (1, 0):
            results[side].append(await pbx.run(servers[side].port, batch, **options))
    return Figures.of(results[0], servers[0]), Figures.of(results[1], servers[1])


def report(name: str, figures: Figures) -> None:
    print(
        f"{name:<34} {figures.requests:>6} lookups  p50 {figures.p50_ms:6.2f} ms"
        f"  p99 {figures.p99_ms:6.2f} ms  max {figures.max_ms:7.2f} ms"
        f"  {figures.rps:6.0f}/s  failures {figures.failures}"
    )


def callers(data: Store, count: int) -> list[str]:
    """Caller ids as the carrier presents them: most have a history, a quarter are new, some
    called in the last day."""
    rng = random.Random(4573)
    pool = data.phones[:: max(1, len(data.phones) // 50_000)] + data.recent_callers[:20_000]
    unknown = [f"05{rng.randrange(600_000_000, 999_999_999):09d}" for _ in range(20_000)]
    return [
        presented(rng, rng.choice(unknown) if rng.random() < 0.25 else rng.choice(pool))
        for _ in range(count + WARM_UP)
    ]


async def run(args: argparse.Namespace, data: Store) -> None:
    paced = callers(data, args.requests)
    flat_out = paced[WARM_UP:WARM_UP + args.saturation_requests]
    per_job = {"concurrency": args.concurrency, "seconds": args.max_seconds / 12}
    async with contextlib.AsyncExitStack() as stack:
        engine = create_engine(f"sqlite+aiosqlite:///{data.path}")
        stack.push_async_callback(engine.dispose)
        directory = await stack.enter_async_context(CallerDirectory(session_factory(engine)))
        servers = (
            FastAgiServer(agi_scripts.routes(directory), host="127.0.0.1", port=0),
            FastAgiServer(agi_scripts.routes(RecentCallers()), host="127.0.0.1", port=0),
        )
        pbx = Pbx()
        stack.callback(pbx.close)
        for server in servers:
            await server.start()
            stack.push_async_callback(server.close)
            await pbx.run(server.port, paced[:WARM_UP], rate=0, **per_job)
        ours, baseline = await side_by_side(
            pbx, servers, paced[WARM_UP:], rounds=4, rate=args.rate, **per_job
        )
        ours_max, baseline_max = await side_by_side(
            pbx, servers, flat_out, rounds=2, rate=0, **per_job
        )
    report(f"CallerDirectory at {args.rate:g}/s", ours)
    report(f"RecentCallers at {args.rate:g}/s", baseline)
    report("CallerDirectory, flat out", ours_max)
    report("RecentCallers, flat out", baseline_max)
    print(
        f"requests={ours.requests} rate={args.rate:g} p50_ms={ours.p50_ms:.2f}"
        f" p99_ms={ours.p99_ms:.2f} max_ms={ours.max_ms:.2f} rps={ours.rps:.0f}"
        f" max_rps={ours_max.rps:.0f} failures={ours.failures + ours_max.failures}"
        f" baseline_p50_ms={baseline.p50_ms:.2f} baseline_p99_ms={baseline.p99_ms:.2f}"
        f" baseline_max_rps={baseline_max.rps:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--phones", type=int, default=300_000, help="citizens' numbers")
    parser.add_argument("--calls", type=int, default=70_000, help="calls in the last 7 days")
    parser.add_argument("--requests", type=int, default=10_000, help="lookups at --rate")
    parser.add_argument(
        "--rate", type=float, default=200.0,
        help="new calls a second, arriving at random (this machine's Asterisk was driven at 40)",
    )
    parser.add_argument(
        "--saturation-requests", type=int, default=5_000,
        help="lookups placed back to back by every channel, for the most a second",
    )
    parser.add_argument("--concurrency", type=int, default=20, help="channels in flight")
    parser.add_argument(
        "--max-seconds", type=float, default=240.0,
        help="bound on the measured run (each of its 12 parts gets a twelfth)",
    )
    parser.add_argument(
        "--db", type=Path, help="database file (default: under /tmp/alo153-bench, by size)"
    )
    args = parser.parse_args()
    asyncio.run(run(args, store(args)))


if __name__ == "__main__":
    main()
