"""AMI ingest: our framing, decoding and translation against panoramisk 1.4, on the same bytes.

The stream is the recorded sessions of tests/transcripts/ concatenated until it holds
--events events, each copy with its own Uniqueid/Linkedid and a Turkish caller name. Both
readers get the same bytes in the same TCP-sized chunks, which split multi-byte characters:

- panoramisk: `AMIProtocol.data_received` with a Manager holding a single '*' callback, as
  `Manager.connect` sets them up (utf-8), without a socket;
- ours: `FrameBuffer.feed`, then `translate` on every frame (and `CallTracker.apply` on every
  call event with --tracker); no database.

Both consumers read each event's CallerIDName, which is then checked against the names put
into the stream. Target: ours at least 2.5 times panoramisk's events/s, every name intact.

    python bench/ami_ingest.py [--events 200000] [--chunk 1460] [--repeat 3] [--tracker]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol

from cti.domain.calls.tracker import CallTracker
from cti.telephony.ami.frames import FrameBuffer, parse_frame
from cti.telephony.ami.translate import translate
from tests.transcripts import names, session_bytes

# Between them: ç ğ ı İ ö ş ü and their capitals, at the start, middle and end of names.
TURKISH_NAMES = (
    "Ayşe Yılmaz", "Çağrı Öztürk", "İsmail Güneş", "Gülşen Doğan", "Şükrü Kılıç",
    "Ilgın Ünal", "Ömer Çelik", "Büşra Aydın", "Hüseyin Koç", "Elif Işık", "Oğuz Şahin",
    "İrem Öğüt", "Gökçe Sönmez", "Müjgan Ağaoğlu", "Ertuğrul Çakır", "Süheyla İnce",
)
RECORDED_CITIZEN = b"Vatandas 1"
# "alo153spike-1795680858.0": Asterisk's SystemName, the channel's creation second, a counter.
_ASTERISK_ID = re.compile(rb"alo153spike-(\d+)\.(\d+)")


# ------------------------------------------------------------------ the stream


def recorded_sessions() -> list[bytes]:
    return [session_bytes(name) for name in names("*") + names("variants/*")]


def one_copy(sessions: list[bytes], copy: int) -> bytes:
    """All sessions once, with ids no other copy has and copy's own caller name."""
    name = TURKISH_NAMES[copy % len(TURKISH_NAMES)].encode()
    shift = (copy + 1) * 100_000  # seconds: far from every other copy's ids

    def renumber(match: re.Match[bytes]) -> bytes:
        return b"alo153spike-%d.%s" % (int(match.group(1)) + shift, match.group(2))

    return b"".join(
        _ASTERISK_ID.sub(renumber, session).replace(RECORDED_CITIZEN, name)
        for session in sessions
    )


def build_stream(min_events: int) -> tuple[bytes, int]:
    """Copies of the recorded sessions until `min_events` events; the bytes and the count."""
    sessions = recorded_sessions()
    events_per_copy = sum(session.count(b"\r\nEvent: ") + session.startswith(b"Event: ")
                          for session in sessions)
    copies = -(-min_events // events_per_copy)
    return b"".join(one_copy(sessions, n) for n in range(copies)), copies * events_per_copy


def chunks(stream: bytes, size: int) -> list[bytes]:
    return [stream[start:start + size] for start in range(0, len(stream), size)]


def expected_names(stream: bytes) -> Counter[str]:
    """Every event's CallerIDName, read from the whole stream decoded at once."""
    found: Counter[str] = Counter()
    for raw in stream.split(b"\r\n\r\n"):
        frame = parse_frame(raw)
        if frame.event is not None:
            found[frame.get("CallerIDName") or ""] += 1
    return found


# ------------------------------------------------------------------ the two readers


@dataclass
class Run:
    seconds: float
    events: int
    names: Counter[str]


class _NoTransport:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def run_panoramisk(parts: Iterable[bytes]) -> Run:
    seen: Counter[str] = Counter()
    delivered = 0

    def every_event(_manager: Any, message: Any) -> None:
        nonlocal delivered
        delivered += 1
        seen[message.get("CallerIDName", "")] += 1

    async def read() -> float:
        manager = Manager(loop=asyncio.get_running_loop())
        manager.register_event("*", every_event)
        protocol = AMIProtocol()
        protocol.connection_made(_NoTransport())
        # What Manager.connection_made does once the socket is up.
        protocol.queue, protocol.factory = deque(), manager
        protocol.encoding = manager.encoding = manager.config["encoding"]
        started = time.perf_counter()
        for part in parts:
            protocol.data_received(part)
        elapsed = time.perf_counter() - started
        for task in asyncio.all_tasks() - {asyncio.current_task()}:
            task.cancel()  # FullyBooted's send_awaiting_actions, nothing to send here
        return elapsed

    return Run(asyncio.run(read()), delivered, seen)


def run_ours(parts: Iterable[bytes], *, tracker: bool) -> Run:
    seen: Counter[str] = Counter()
    delivered = 0
    calls = CallTracker()
    apply: Callable[[Any], object] = calls.apply if tracker else (lambda _event: None)
    buffer = FrameBuffer()
    now = time.time()
    started = time.perf_counter()
    for part in parts:
        for frame in buffer.feed(part):
            if frame.event is None:
                continue
            delivered += 1
            seen[frame.get("CallerIDName") or ""] += 1
            event = translate(frame, now)
            if event is not None:
                apply(event)
    return Run(time.perf_counter() - started, delivered, seen)


def damaged(run: Run, expected: Counter[str]) -> int:
    """Names delivered that were never sent: mangled on the way."""
    return sum(count for name, count in run.names.items() if name not in expected)


def intact_turkish(run: Run, expected: Counter[str]) -> int:
    return sum(
        count for name, count in run.names.items() if name in expected and not name.isascii()
    )


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="at least this many events")
    parser.add_argument("--chunk", type=int, default=1460, help="bytes per read (a TCP segment)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument(
        "--tracker", action="store_true", help="also apply call events to a CallTracker"
    )
    args = parser.parse_args()

    stream, events = build_stream(args.events)
    parts = chunks(stream, args.chunk)
    expected = expected_names(stream)
    turkish = sum(count for name, count in expected.items() if not name.isascii())
    print(
        f"stream: {events} events, {len(stream) / 1e6:.1f} MB in {len(parts)} chunks of "
        f"{args.chunk} bytes; {turkish} Turkish caller names"
    )
    ours_runs, theirs_runs = [], []
    for _ in range(args.repeat):  # interleaved, so both see the same machine
        theirs_runs.append(run_panoramisk(parts))
        ours_runs.append(run_ours(parts, tracker=args.tracker))
    ours = min(ours_runs, key=lambda run: run.seconds)
    theirs = min(theirs_runs, key=lambda run: run.seconds)
    pipeline = "frames+translate" + ("+tracker" if args.tracker else "")
    for label, run in ((f"ours ({pipeline})", ours), ("panoramisk 1.4 ('*')", theirs)):
        print(
            f"{label:<32} {run.events:>7} events  {run.events / run.seconds:>9.0f} events/s  "
            f"Turkish names intact {intact_turkish(run, expected)}/{turkish}, "
            f"damaged {damaged(run, expected)}"
        )
    ours_eps, theirs_eps = ours.events / ours.seconds, theirs.events / theirs.seconds
    print(
        f"events={events} chunk={args.chunk} ours_eps={ours_eps:.0f}"
        f" panoramisk_eps={theirs_eps:.0f} ratio={ours_eps / theirs_eps:.2f}"
        f" names={turkish} ours_names_intact={intact_turkish(ours, expected)}"
        f" ours_names_damaged={damaged(ours, expected)}"
        f" panoramisk_names_intact={intact_turkish(theirs, expected)}"
        f" panoramisk_names_damaged={damaged(theirs, expected)}"
    )


if __name__ == "__main__":
    main()
