"""Screen pop latency on the real sandbox Asterisk: AgentCalled to the operator's console.

The bench boots the sandbox PBX (`--fresh`) from its own copy of asterisk-config/ with the
operators it needs (endpoints 1020-1099, added beside the shipped ones; ten share one SIPp
softphone, which answers after about a second and hangs up after about --talk seconds),
builds a SQLite store of --tickets tickets and a week of calls in a temporary data directory,
creates one console user (role operator) per endpoint, and runs the whole CTI in-process
(`running_services`). Helper processes leave the CTI's event loop to itself: one builds the
store, one runs the SIPp softphones and citizens (--calls calls in progress, until_hangup:
each that ends is replaced), one plays the operators' browsers (signs in over HTTP, one
WebSocket on /api/console/ws each, joins the 153 queue, picks a wrap-up code after a call).

Per pop: from Asterisk's AgentCalled Timestamp (the pop's `rang_at`) to the client's clock
when the WebSocket message arrived (same machine). Pops of the first --warmup seconds are
not counted. Target: p99 at most 25 ms. Needs root and a free sandbox (no Asterisk or SIPp
of the project running); stops everything it started, also on Ctrl-C.

    python bench/screen_pop.py [--calls 100] [--operators 30] [--tickets 1000000] [--duration 180]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import math
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cti.config import Settings

DAY = 24 * 3600.0
QUEUE = "alo153"
TARGET_P99_MS = 25.0
# The bench's operators: endpoints it adds to its own copy of the configuration, beside the
# shipped 1001-1005 and 1010-1011 (and within the sandbox's 10XX dialplan and port range).
OPERATORS = tuple(str(n) for n in range(1020, 1100))
OPERATOR_PORT_BASE = 5100
# Share of tickets per status (most end closed or solved on the phone; a few are open).
STATUS_MIX = {
    "closed": 52, "first_contact_solved": 22, "resolved": 8, "in_progress": 6,
    "forwarded": 5, "new": 3, "feedback": 3, "reopened": 1,
}
OPEN = frozenset({"resolved", "in_progress", "forwarded", "new", "feedback", "reopened"})
CHANNELS = {"phone": 70, "whatsapp": 8, "web": 8, "email": 5, "cimer": 4, "x": 2, "field": 3}
NEW_CALLER_EVERY = 7  # the others have earlier tickets
CALLER_POOL = 30_000
STORE_SEED = 153


class BenchError(RuntimeError):
    """One line saying what went wrong."""


# ------------------------------------------------------------------ helper processes


class Child:
    """A helper process, spoken to over a pipe: ("job", …) in, ("ready"|"done"|"error", …) out.

    It ignores SIGINT (Ctrl-C reaches the whole process group): the bench stops it.
    """

    def __init__(self, name: str, main: Callable[[Connection], Awaitable[None]]) -> None:
        self.name = name
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_child, args=(theirs, main), name=name,
                                        daemon=True)
        self._process.start()
        theirs.close()

    @property
    def pid(self) -> int:
        return self._process.pid or 0

    def send(self, *message: Any) -> None:
        with contextlib.suppress(OSError):
            self._conn.send(message)

    async def recv(self, timeout: float | None = None) -> Any:
        """The payload of the next "ready" or "done"; BenchError for "error" or a death."""
        if not self._conn.poll():
            loop = asyncio.get_running_loop()
            readable: asyncio.Future[None] = loop.create_future()

            def ready() -> None:
                if not readable.done():
                    readable.set_result(None)

            loop.add_reader(self._conn.fileno(), ready)
            try:
                await asyncio.wait_for(readable, timeout)
            except TimeoutError:
                raise BenchError(
                    f"the {self.name} process did not answer in {timeout:g} s") from None
            finally:
                loop.remove_reader(self._conn.fileno())
        try:
            kind, payload = self._conn.recv()
        except (EOFError, OSError):
            raise BenchError(f"the {self.name} process died (exit code "
                             f"{self._process.exitcode})") from None
        if kind == "error":
            raise BenchError(f"{self.name}: {payload}")
        return payload

    async def close(self, grace: float = 10.0) -> None:
        self.send("stop")
        deadline = time.monotonic() + grace
        while self._process.is_alive() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self._process.is_alive():
            self._process.terminate()
            await asyncio.to_thread(self._process.join, 3.0)
        if self._process.is_alive():
            self._process.kill()
            await asyncio.to_thread(self._process.join, 3.0)
        self._conn.close()


def _child(conn: Connection, main: Callable[[Connection], Awaitable[None]]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        asyncio.run(main(conn))  # type: ignore[arg-type]
    except BenchError as error:
        with contextlib.suppress(OSError):
            conn.send(("error", str(error)))
        sys.exit(1)
    except BaseException as error:
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(error).__name__}: {error}"))
        raise


class Inbox:
    """The parent's messages, for a helper's event loop; EOF (the bench died) reads as stop."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._messages: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        asyncio.get_running_loop().add_reader(conn.fileno(), self._readable)

    def _readable(self) -> None:
        try:
            message = self._conn.recv()
        except (EOFError, OSError):
            asyncio.get_running_loop().remove_reader(self._conn.fileno())
            message = ("stop",)
        self._messages.put_nowait(message)

    async def get(self) -> tuple[Any, ...]:
        return await self._messages.get()


# ------------------------------------------------------------------ the store


@dataclass(frozen=True)
class StoreJob:
    path: Path
    tickets: int
    phones: int
    recent_calls: int
    users: tuple[tuple[str, str, str], ...]  # username, full name, extension
    password: str


async def _store_main(conn: Connection) -> None:
    inbox = Inbox(conn)
    _, job = await inbox.get()
    started = time.perf_counter()
    callers = await build_store(job)
    conn.send(("done", (callers, time.perf_counter() - started)))


async def build_store(job: StoreJob) -> list[tuple[str, str]]:
    """Migrate, bulk-load tickets and a week of calls, add the operators; callers to play."""
    from cti.storage.db import create_engine, session_factory
    from cti.storage.migrate import upgrade
    from cti.storage.users import UserStore

    url = f"sqlite+aiosqlite:///{job.path}"
    await upgrade(url)  # the real schema, by migration
    rng = random.Random(STORE_SEED)
    phones = [f"05{n:09d}" for n in rng.sample(range(300_000_000, 599_999_999), job.phones)]
    now = time.time()
    ticket_phones = _load_rows(job, rng, phones, now)
    engine = create_engine(url)
    try:
        users = UserStore(session_factory(engine))
        for username, full_name, extension in job.users:  # one at a time: SQLite writes
            await users.add(username, full_name, job.password, ["operator"], extension=extension)
    finally:
        await engine.dispose()
    return _callers(rng, ticket_phones)


def _load_rows(job: StoreJob, rng: random.Random, phones: list[str], now: float) -> list[str]:
    db = sqlite3.connect(job.path, isolation_level=None)
    ticket_phones: list[str] = []
    try:
        # A bulk load: no journal, a big page cache for the indexes; WAL again afterwards.
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA cache_size=-1000000")
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO tickets (number, citizen_phone, status, channel, created_at,"
            " updated_at, closed_at, category, priority, district, neighbourhood, description,"
            " created_by, citizen_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _tickets(rng, phones, job.tickets, now, ticket_phones),
        )
        db.executemany(
            "INSERT INTO calls (call_id, caller_number, caller_name, started_at,"
            " channel_uniqueid, outcome, source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _recent_calls(rng, ticket_phones, job.recent_calls, now),
        )
        db.execute("COMMIT")
        db.execute("ANALYZE")
        db.execute("PRAGMA journal_mode=WAL")
    finally:
        db.close()
    return ticket_phones


def _tickets(
    rng: random.Random, phones: list[str], count: int, now: float, ticket_phones: list[str]
) -> Iterator[tuple[object, ...]]:
    """`count` tickets over three years, oldest first; a few citizens write very often.

    The phone of every ticket that has one goes into `ticket_phones` (a caller drawn from it
    is a citizen with earlier tickets, the frequent ones more often)."""
    from cti.domain.tickets.reference import reference
    from cti.simulate.traffic import FIRST_NAMES, LAST_NAMES

    ref = reference()
    categories = list(ref.categories.values())
    districts = list(ref.districts.values())
    created = sorted(now - rng.random() * 3 * 365 * DAY for _ in range(count))
    statuses = rng.choices(list(STATUS_MIX), weights=list(STATUS_MIX.values()), k=count)
    channels = rng.choices(list(CHANNELS), weights=list(CHANNELS.values()), k=count)
    per_year: Counter[int] = Counter()
    for at, status, channel in zip(created, statuses, channels, strict=True):
        year = time.gmtime(at).tm_year
        per_year[year] += 1
        if status in OPEN and now - at > 60 * DAY and rng.random() < 0.9:
            status = "closed"  # old requests are mostly done
        phone = None if channel == "field" else phones[int(len(phones) * rng.random() ** 1.5)]
        if phone is not None:
            ticket_phones.append(phone)
        category = rng.choice(categories)
        district = rng.choice(districts)
        neighbourhood = rng.choice(district.neighbourhoods)
        updated = min(now, at + rng.random() * 14 * DAY)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" if rng.random() < .6 else None
        yield (
            f"153-{year}-{per_year[year]:06d}", phone, status, channel, at, updated,
            None if status in OPEN else updated, category.code, category.priority.value,
            district.code, neighbourhood, f"{category.name_tr} — {neighbourhood} Mah.",
            channel, name,
        )


def _recent_calls(
    rng: random.Random, ticket_phones: list[str], count: int, now: float
) -> Iterator[tuple[object, ...]]:
    for n in range(count):
        at = now - 120 - rng.random() * 7 * DAY
        yield (f"bench-{n}", rng.choice(ticket_phones), "Vatandaş", at, f"bench-{n}",
               "answered", "ami", at)


def _callers(rng: random.Random, ticket_phones: list[str]) -> list[tuple[str, str]]:
    """Who calls during the run, as the carrier presents them (05…, +905…, 905…), with a
    display name: six in seven have earlier tickets (drawn by ticket, so those who write
    often call often), every seventh calls for the first time."""
    from cti.simulate.traffic import FIRST_NAMES, LAST_NAMES

    callers = []
    for n in range(CALLER_POOL):
        if n % NEW_CALLER_EVERY == NEW_CALLER_EVERY - 1:
            phone = f"05{rng.randrange(600_000_000, 999_999_999):09d}"
        else:
            phone = rng.choice(ticket_phones)
        presented = rng.choice((phone, "+90" + phone[1:], "90" + phone[1:]))
        callers.append((presented, f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"))
    return callers


# ------------------------------------------------------------------ the PBX


def operator_extensions(count: int) -> list[str]:
    if not 1 <= count <= len(OPERATORS):
        raise BenchError(f"--operators must be between 1 and {len(OPERATORS)}")
    return list(OPERATORS[:count])


def phone_groups(extensions: list[str], per_phone: int) -> list[list[str]]:
    """The extensions each SIPp softphone answers for (it listens on the first one's port)."""
    return [extensions[n:n + per_phone] for n in range(0, len(extensions), per_phone)]


def config_with_operators(source: Path, target: Path, groups: list[list[str]]) -> Path:
    """A copy of asterisk-config/ whose pjsip_operators.conf also holds the bench's operators:
    endpoint and auth from the shipped templates, and an AOR whose static contact is the
    SIPp softphone of its group (the sandbox's convention, 5100 + extension - 1000, for the
    group's first extension)."""
    shutil.copytree(source, target)
    conf = target / "pjsip_operators.conf"
    blocks = []
    for group in groups:
        port = OPERATOR_PORT_BASE + int(group[0]) - 1000
        blocks += [
            f"[{ext}](operator-endpoint)\nauth = {ext}\naors = {ext}\n"
            f'callerid = "Operatör {int(ext) - 1000}" <{ext}>\n\n'
            f"[{ext}](operator-auth)\nusername = {ext}\npassword = {secrets.token_hex(12)}\n\n"
            f"[{ext}]\ntype = aor\nmax_contacts = 1\ncontact = sip:{ext}@127.0.0.1:{port}\n"
            "qualify_frequency = 0\n\n"
            for ext in group
        ]
    with conf.open("a", encoding="utf-8") as out:
        out.write("\n; Added by bench/screen_pop.py\n\n" + "".join(blocks))
    return target


def running(program: str) -> list[int]:
    """Live processes named `program` (as `pgrep program`), whoever started them."""
    from cti.pbx.processes import alive, pids_where

    def named(pid: int) -> bool:
        return Path(f"/proc/{pid}/comm").read_text().strip() == program and alive(pid)

    return pids_where(named)


def sandbox_in_use() -> str | None:
    """Any Asterisk or SIPp on the machine: the sandbox's ports and CPU are someone else's."""
    asterisk, sipp = running("asterisk"), running("sipp")
    if asterisk or sipp:
        return (f"the sandbox PBX is in use ({len(asterisk)} Asterisk, {len(sipp)} SIPp "
                "process(es)): run the bench when nobody else runs it")
    return None


# ------------------------------------------------------------------ citizens


class Traffic:
    """The SIPp side, in its own process: the operators' softphones, then citizens in lanes.

    A lane keeps its share of the calls in progress: with --calls-per-sipp 1 one SIPp per
    call, each from the next number; with more, one SIPp keeps that many calls from one
    number for the whole run (lighter: every SIPp wakes each millisecond, even idle)."""

    def __init__(self, job: dict[str, Any]) -> None:
        self._job = job
        self.phones: list[Any] = []
        self._lanes: list[asyncio.Task[None]] = []
        self._running: dict[int, Any] = {}  # lane → its SippProcess
        self._created_before = 0  # calls of SIPp runs that ended
        self._stopping = False
        self.tally: Counter[str] = Counter()

    async def start_phones(self) -> None:
        from cti.simulate import OperatorPhone, SippProcess, operator_command

        for group, ring, talk in self._job["phones"]:
            phone = OperatorPhone(extension=group[0], ring_seconds=ring, talk_seconds=talk)
            self.phones.append(await SippProcess.start(operator_command(phone)))

    def start_calls(self) -> None:
        lanes = -(-self._job["calls"] // self._job["per_sipp"])
        ramp = self._job["ramp"]
        self._lanes = [asyncio.create_task(self._lane(n, lanes, ramp * n / lanes))
                       for n in range(lanes)]

    async def _lane(self, n: int, lanes: int, delay: float) -> None:
        from cti.simulate import CitizenCall, SippError, SippProcess, citizen_command

        calls, per_sipp = self._job["calls"], self._job["per_sipp"]
        callers = self._job["callers"]
        share = calls // lanes + (n < calls % lanes)  # the lanes' shares add up to --calls
        await asyncio.sleep(delay)
        turn = n
        while not self._stopping:
            number, name = callers[turn % len(callers)]
            turn += lanes
            call = CitizenCall(caller=number, display_name=name, behaviour="until_hangup",
                               calls=1 if per_sipp == 1 else 10**6, max_concurrent=share,
                               rate=10.0)
            try:
                process = await SippProcess.start(citizen_command(call, stats_interval=1.0))
            except SippError:
                self.tally["sipp_errors"] += 1
                await asyncio.sleep(1.0)
                continue
            self._running[n] = process
            result = await process.wait()  # until it ends, or stop() ends it
            del self._running[n]
            self._created_before += result.stats.created
            self.tally["calls_ok"] += result.stats.successful
            self.tally["calls_failed"] += result.stats.failed

    def created(self) -> int:
        """Citizen calls placed so far (SIPp's counters, at most a second old)."""
        live: int = sum(p.stats().created for p in self._running.values())
        return self._created_before + live

    async def stop(self) -> None:
        """SIGTERM every citizen's SIPp (it writes its counters), then the softphones."""
        self._stopping = True
        await asyncio.gather(*(p.stop(grace=0.0) for p in list(self._running.values())),
                             return_exceptions=True)
        if self._lanes:
            _, starting = await asyncio.wait(self._lanes, timeout=3.0)
            for lane in starting:  # still in their ramp delay or starting a SIPp
                lane.cancel()
            await asyncio.gather(*starting, return_exceptions=True)
        # A SIPp whose start was cancelled is SIGTERMed by a task of its own: let it finish.
        others = asyncio.all_tasks() - {asyncio.current_task()}
        if others:
            await asyncio.wait(others, timeout=6.0)
        await asyncio.gather(*(phone.stop(grace=1.0) for phone in self.phones),
                             return_exceptions=True)


async def _traffic_main(conn: Connection) -> None:
    """("job", …) → phones up, ready; ("calls",) → citizens calling, ready; ("count",) →
    calls placed so far; ("stop",) → everything stopped, done."""
    inbox = Inbox(conn)
    _, job = await inbox.get()
    # Citizens and softphones stand for parties outside the PBX host: they, and every SIPp
    # started from here, yield the CPU to Asterisk and the CTI.
    os.nice(job["nice"])
    traffic = Traffic(job)
    try:
        await traffic.start_phones()
        conn.send(("ready", None))
        while (message := await inbox.get())[0] != "stop":
            if message[0] == "calls":
                traffic.start_calls()
                conn.send(("ready", None))
            elif message[0] == "count":  # calls placed so far, CPU used so far
                conn.send(("ready", (traffic.created(), _cpu(message[1]))))
    finally:
        await traffic.stop()
    conn.send(("done", dict(traffic.tally)))


# ------------------------------------------------------------------ the operators' consoles


@dataclass
class Pop:
    extension: str
    call_id: str
    rang_at: float
    received: float
    history: bool  # the history came in the pop itself
    tickets: int  # earlier tickets in it


@dataclass
class ConsoleTally:
    pops: list[Pop] = field(default_factory=list)
    answered: set[tuple[str, str]] = field(default_factory=set)  # (extension, call id)
    late_history: list[tuple[str, float]] = field(default_factory=list)  # call, s after pop
    dispositions: int = 0
    disposition_failures: int = 0
    reconnects: int = 0


class Console:
    """One operator's browser: signed in, one WebSocket, a wrap-up code after each call."""

    def __init__(self, base: str, username: str, extension: str, password: str,
                 tally: ConsoleTally) -> None:
        self.base, self.username, self.extension = base, username, extension
        self._password = password
        self._tally = tally
        self._http: Any = None
        self._ws: Any = None
        self._csrf = ""
        self._rng = random.Random(extension)
        self._popped: dict[str, float] = {}  # call id → when its pop arrived
        self._coded: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.closing = False

    async def open(self) -> None:
        import aiohttp

        self._http = aiohttp.ClientSession(base_url=self.base,
                                           cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with self._http.post("/api/session", json={
                "username": self.username, "password": self._password}) as reply:
            if reply.status != 200:
                raise BenchError(f"sign-in of {self.username}: HTTP {reply.status} "
                                 f"{(await reply.text())[:200]}")
            self._csrf = (await reply.json())["csrf_token"]
        await self._connect()
        await self._post("/api/console/queue/join", {})

    async def _connect(self) -> None:
        self._ws = await self._http.ws_connect("/api/console/ws", max_msg_size=0)
        hello = json.loads((await self._ws.receive(timeout=10)).data)
        if hello.get("type") != "hello":
            raise BenchError(f"first console message was {hello.get('type')!r}, not hello")

    async def run(self) -> None:
        import aiohttp

        while not self.closing:
            async for message in self._ws:
                received = time.time()
                if message.type == aiohttp.WSMsgType.TEXT:
                    self._read(json.loads(message.data), received)
            if not self.closing:  # dropped: reconnect, as the page does
                self._tally.reconnects += 1
                await asyncio.sleep(0.2)
                await self._connect()

    def _read(self, message: dict[str, Any], received: float) -> None:
        kind = message.get("type", "")
        if kind == "pop":
            history = message.get("history")
            self._tally.pops.append(Pop(
                extension=self.extension, call_id=message["call_id"],
                rang_at=float(message["rang_at"]), received=received,
                history=history is not None,
                tickets=len(history.get("tickets", [])) if history else 0,
            ))
            self._popped[message["call_id"]] = received
        elif kind == "history":
            popped = self._popped.get(message.get("call_id", ""))
            if popped is not None:
                self._tally.late_history.append((message["call_id"], received - popped))
        elif kind == "call":
            self._tally.answered.add((self.extension, message.get("call_id", "")))
        elif kind == "wrapup":
            for pending in message.get("pending", []):
                call = pending.get("call_id", "")
                if call and call not in self._coded:
                    self._coded.add(call)
                    self._spawn(self._dispose(call))

    async def _dispose(self, call_id: str) -> None:
        """The operator picks a code from the keyboard a second or two after the call."""
        from cti.console.codes import DISPOSITIONS

        await asyncio.sleep(self._rng.uniform(0.8, 2.0))
        code = self._rng.choice(DISPOSITIONS).code
        try:
            await self._post("/api/console/disposition", {"call_id": call_id, "code": code})
            self._tally.dispositions += 1
        except (TimeoutError, BenchError, OSError):
            self._tally.disposition_failures += 1

    async def _post(self, path: str, body: dict[str, Any]) -> None:
        async with self._http.post(path, json=body,
                                   headers={"X-CSRF-Token": self._csrf}) as reply:
            if reply.status != 200:
                raise BenchError(f"{path} for {self.username}: HTTP {reply.status} "
                                 f"{(await reply.text())[:200]}")

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        self.closing = True
        for task in list(self._tasks):
            task.cancel()
        if self._http is None:
            return
        if self._ws is not None:  # still a queue member: Asterisk goes down next
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 2.0)
        await self._http.close()


async def _consoles_main(conn: Connection) -> None:
    inbox = Inbox(conn)
    _, job = await inbox.get()
    tally = ConsoleTally()
    consoles = [Console(job["url"], username, extension, job["password"], tally)
                for username, extension in job["operators"]]
    readers: list[asyncio.Task[None]] = []
    try:
        for console in consoles:  # sign-ins one after the other: argon2 is meant to be slow
            await console.open()
        readers = [asyncio.create_task(console.run()) for console in consoles]
        conn.send(("ready", None))
        await inbox.get()  # stop
    finally:
        for console in consoles:
            console.closing = True
        await asyncio.gather(*(console.close() for console in consoles),
                             return_exceptions=True)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    # Plain data only: the parent cannot unpickle this process's `__mp_main__` classes.
    conn.send(("done", {**vars(tally), "pops": [dataclasses.astuple(p) for p in tally.pops]}))


# ------------------------------------------------------------------ the run


@dataclass
class Outcome:
    pops: list[Pop]
    tally: ConsoleTally
    traffic: dict[str, Any]
    window: tuple[float, float]
    calls: int  # citizen calls placed in the window
    cpu: dict[str, float]  # CPU seconds in the window, per part
    store_seconds: float


async def run(args: argparse.Namespace) -> Outcome:
    from cti.bootstrap import running_services
    from cti.pbx.sandbox import Sandbox

    extensions = operator_extensions(args.operators)
    groups = phone_groups(extensions, args.operators_per_phone)
    async with contextlib.AsyncExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="alo153-bench-screen-pop-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        base = Settings.from_env()
        settings = dataclasses.replace(
            base, data_dir=tmp / "cti", database_url="", redis_url="", http_host="127.0.0.1",
            http_port=0, asterisk_log_dir=Sandbox(base).paths.root / "var/log/asterisk",
            asterisk_config=config_with_operators(base.asterisk_config, tmp / "asterisk-config",
                                                  groups),
        )
        settings.data_dir.mkdir()
        sandbox = Sandbox(settings)
        password = "bench-" + secrets.token_urlsafe(16)
        users = _users(extensions)
        callers, store_seconds = await _store(stack, args, settings, users, password)

        await _boot(stack, sandbox)
        services = await stack.enter_async_context(running_services(settings))
        say(f"CTI running in-process, HTTP on {services.http_url}")

        traffic = Child("sipp", _traffic_main)
        stack.push_async_callback(traffic.close, 15.0)
        timing = random.Random(153)
        traffic.send("job", {
            "phones": [(group, timing.uniform(0.6, 1.4), args.talk * timing.uniform(0.7, 1.3))
                       for group in groups],
            "callers": callers, "calls": args.calls, "per_sipp": args.calls_per_sipp,
            "ramp": min(10.0, args.warmup), "nice": args.sipp_nice,
        })
        await traffic.recv(timeout=60.0)
        consoles = Child("consoles", _consoles_main)
        stack.push_async_callback(consoles.close)
        consoles.send("job", {"url": services.http_url, "password": password,
                              "operators": [(user[0], user[2]) for user in users]})
        await consoles.recv(timeout=120.0)
        say(f"{len(users)} operators: SIPp softphones up ({len(groups)} SIPp), consoles signed "
            "in, connected to /api/console/ws and in the queue")

        traffic.send("calls")
        await traffic.recv(timeout=30.0)
        say(f"{args.calls} citizen calls in progress from now on; {args.warmup:g} s warm-up, "
            f"then {args.duration:g} s measured")
        await asyncio.sleep(args.warmup)
        # Counted by the SIPp process: a scan of /proc here would stall the CTI's loop.
        meters = _meters(traffic, consoles)
        traffic.send("count", meters)
        placed, cpu = await traffic.recv(timeout=10.0)
        window = (time.time(), time.time() + args.duration)
        await _progress(services, window)
        traffic.send("count", meters)
        placed_end, cpu_end = await traffic.recv(timeout=10.0)
        placed = placed_end - placed
        cpu = {part: cpu_end[part] - seconds for part, seconds in cpu.items()}

        say("stopping: citizens, consoles, softphones, the CTI, Asterisk")
        await asyncio.sleep(1.0)  # the last pops of the window are on their way
        consoles.send("stop")
        figures = await consoles.recv(timeout=30.0)
        tally = ConsoleTally(**{**figures, "pops": [Pop(*pop) for pop in figures["pops"]]})
        traffic.send("stop")
        traffic_figures = await traffic.recv(timeout=60.0)
        pops = [pop for pop in tally.pops if window[0] <= pop.rang_at < window[1]]
    return Outcome(pops, tally, traffic_figures, window, placed, cpu, store_seconds)


def _users(extensions: list[str]) -> tuple[tuple[str, str, str], ...]:
    from cti.simulate.traffic import FIRST_NAMES, LAST_NAMES

    rng = random.Random(len(extensions))
    return tuple((f"op{ext}", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", ext)
                 for ext in extensions)


async def _store(
    stack: contextlib.AsyncExitStack, args: argparse.Namespace, settings: Settings,
    users: tuple[tuple[str, str, str], ...], password: str,
) -> tuple[list[tuple[str, str]], float]:
    """The store and the users, built in a helper process (a million rows' garbage stays
    there); the callers to play and the seconds it took."""
    say(f"building the store: {args.tickets:,} tickets over {args.phones:,} phones, "
        f"{args.recent_calls:,} calls of the last week, {len(users)} operators")
    builder = Child("store", _store_main)
    stack.push_async_callback(builder.close, 0.0)
    builder.send("job", StoreJob(settings.data_dir / "cti.sqlite3", args.tickets, args.phones,
                                 args.recent_calls, users, password))
    callers, seconds = await builder.recv()
    await builder.close(5.0)
    say(f"store built in {seconds:.1f} s")
    return callers, seconds


def _meters(traffic: Child, consoles: Child) -> dict[str, tuple[int, bool]]:
    """Which process is which part: (pid, with its reaped children)."""
    return {
        "cti": (os.getpid(), False),
        "asterisk": (min(running("asterisk"), default=0), False),
        "sipp": (traffic.pid, True),
        "consoles": (consoles.pid, False),
    }


def _cpu(meters: dict[str, tuple[int, bool]]) -> dict[str, float]:
    """CPU seconds used so far by each part (user + system, from /proc/<pid>/stat); with its
    children, those still running and those it reaped (the SIPp processes)."""
    stats = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            # ppid; utime + stime; cutime + cstime
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]),
                                      int(fields[13]) + int(fields[14]))
    used = {}
    for part, (pid, children) in meters.items():
        ticks = stats[pid][1] if pid in stats else 0
        if children and pid in stats:
            ticks += stats[pid][2] + sum(own for parent, own, _ in stats.values()
                                         if parent == pid)
        used[part] = ticks / os.sysconf("SC_CLK_TCK")
    return used


async def _progress(services: Any, window: tuple[float, float]) -> None:
    """A line every 30 s from the CTI's own live state: the queue and the operators."""
    from cti.live.messages import queue_json

    while (left := window[1] - time.time()) > 0:
        await asyncio.sleep(min(30.0, left))
        state = services.keeper.state
        queue = state.queues.get(QUEUE)
        if queue is None or window[1] - time.time() < 1:
            continue
        shown = queue_json(state, queue, time.time())
        operators = ", ".join(f"{k} {v}" for k, v in shown["operators"].items() if v)
        say(f"  {time.time() - window[0]:4.0f} s: {shown['waiting']} waiting (longest "
            f"{shown['longest_wait']:.0f} s), {shown['completed']} completed; {operators}")


async def _boot(stack: contextlib.AsyncExitStack, sandbox: Any) -> None:
    """Boot the PBX fresh with the bench's operators, and take it down at the end: unless it
    was someone else's (started since the check at the beginning)."""
    if busy := sandbox_in_use():
        raise BenchError(busy)
    booting = asyncio.ensure_future(asyncio.to_thread(sandbox.up, fresh=True))

    async def down() -> None:
        with contextlib.suppress(Exception):  # a failed start still leaves a mount behind
            if await booting == "already running":
                return
        say(await asyncio.to_thread(sandbox.down))

    stack.push_async_callback(down)
    said = await asyncio.shield(booting)
    if said == "already running":
        raise BenchError("someone else started the sandbox PBX meanwhile; left it running")
    say(said)


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ figures


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest rank: the smallest value at least `share` of them do not exceed."""
    return sorted_values[max(0, math.ceil(share * len(sorted_values)) - 1)]


def report(args: argparse.Namespace, outcome: Outcome) -> None:
    pops, tally = outcome.pops, outcome.tally
    if not pops:
        raise BenchError("no pop arrived in the measured window")
    latencies = sorted((pop.received - pop.rang_at) * 1000 for pop in pops)
    p50, p90, p99 = (percentile(latencies, q) for q in (0.5, 0.9, 0.99))
    with_history = sum(pop.history for pop in pops)
    with_tickets = sum(pop.tickets > 0 for pop in pops)
    measured = {pop.call_id for pop in pops}
    late = sorted(delay for call, delay in tally.late_history if call in measured)
    popped = {(pop.extension, pop.call_id) for pop in tally.pops}
    print(f"screen pops: {len(pops)} in {args.duration:g} s ({args.operators} operators, "
          f"{args.calls} citizen calls in progress, {args.tickets:,} tickets; store built in "
          f"{outcome.store_seconds:.0f} s)")
    print(f"  AgentCalled -> console: p50 {p50:.2f} ms  p90 {p90:.2f} ms  p99 {p99:.2f} ms  "
          f"max {latencies[-1]:.2f} ms  mean {statistics.fmean(latencies):.2f} ms  "
          f"(target p99 <= {TARGET_P99_MS:g} ms: {'met' if p99 <= TARGET_P99_MS else 'MISSED'})")
    worst = sorted(pops, key=lambda pop: pop.received - pop.rang_at)[-5:]
    print("  slowest: " + ", ".join(
        f"{(pop.received - pop.rang_at) * 1000:.1f} ms at +{pop.rang_at - outcome.window[0]:.0f} s"
        for pop in reversed(worst)))
    print(f"  history in the pop: {with_history}/{len(pops)} (with tickets: {with_tickets}); "
          f"sent after the pop: {len(late)}"
          + (f" (median {statistics.median(late) * 1000:.0f} ms later)" if late else ""))
    print(f"  answered calls without a pop: {len(tally.answered - popped)} of "
          f"{len(tally.answered)}; dispositions {tally.dispositions} (failed "
          f"{tally.disposition_failures}); WebSocket reconnects {tally.reconnects}")
    traffic = outcome.traffic
    print(f"  citizens: {outcome.calls} calls placed in the window; SIPp calls ok "
          f"{traffic.get('calls_ok', 0)}, failed {traffic.get('calls_failed', 0)}, SIPp start "
          f"errors {traffic.get('sipp_errors', 0)}")
    cores = os.cpu_count() or 1
    print(f"  CPU in the window ({cores} cores): " + ", ".join(
        f"{part} {seconds / args.duration:.0%}" for part, seconds in outcome.cpu.items())
        + " of one core")
    print(f"pops={len(pops)} p50_ms={p50:.2f} p99_ms={p99:.2f} max_ms={latencies[-1]:.2f} "
          f"with_history={with_history} calls={outcome.calls}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100, help="citizen calls kept in progress")
    parser.add_argument("--operators", type=int, default=30,
                        help=f"operators, each with a console (1-{len(OPERATORS)})")
    parser.add_argument("--operators-per-phone", type=int, default=10,
                        help="extensions one SIPp softphone answers for")
    parser.add_argument("--calls-per-sipp", type=int, default=1,
                        help="citizen calls one SIPp keeps in progress from one number; 1 (a "
                        "SIPp and a number per call) costs the most CPU")
    parser.add_argument("--sipp-nice", type=int, default=10,
                        help="niceness of the SIPp processes (0: as Asterisk and the CTI)")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--phones", type=int, default=300_000, help="citizens' numbers")
    parser.add_argument("--recent-calls", type=int, default=70_000,
                        help="calls in the store from the last 7 days")
    parser.add_argument("--duration", type=float, default=180.0, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=20.0,
                        help="seconds of traffic before measuring")
    parser.add_argument("--talk", type=float, default=3.0,
                        help="seconds an operator talks (each phone 0.7-1.3 times this)")
    args = parser.parse_args()
    if min(args.calls, args.tickets, args.phones, args.operators_per_phone,
           args.calls_per_sipp) < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("counts and --duration must be positive, --warmup at least 0")
    try:
        operator_extensions(args.operators)
        if os.geteuid() != 0:
            raise BenchError("needs root: the sandbox PBX runs in a chroot")
        if busy := sandbox_in_use():
            raise BenchError(busy)
        report(args, _run_until_interrupted(args))
    except BenchError as error:
        print(f"screen_pop: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("screen_pop: interrupted; everything it started is stopped", file=sys.stderr)
        sys.exit(130)


def _run_until_interrupted(args: argparse.Namespace) -> Outcome:
    """Ctrl-C or SIGTERM cancels the run once; its clean-up then runs to the end (a second
    Ctrl-C only says so)."""

    async def guarded() -> Outcome:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        interrupted = False

        def interrupt() -> None:
            nonlocal interrupted
            if interrupted:
                say("screen_pop: still stopping what it started…")
                return
            interrupted = True
            say("screen_pop: interrupted, stopping…")
            task.cancel()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, interrupt)
        try:
            return await run(args)
        except asyncio.CancelledError:
            if interrupted:
                raise KeyboardInterrupt from None
            raise

    return asyncio.run(guarded())


if __name__ == "__main__":
    main()
