"""Rebuilding calls from Asterisk's queue_log and CDRs, and filling the log without doubles."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from cti.domain.calls.record import (
    AttemptResult,
    CallRecord,
    HungUpBy,
    OperatorAttempt,
    Outcome,
)
from cti.reconcile.reconciler import Reconciler

NOW = 1_795_690_000.0


def cdr(
    uid: str,
    src: str,
    start: float,
    end: float,
    *,
    linkedid: str | None = None,
    context: str = "alo153-entry",
    answered: bool = True,
    name: str = "Ayşe Şahin",
) -> str:
    return json.dumps(
        {
            "start": start,
            "answer": start if answered else 0,
            "end": end,
            "src": src,
            "clid": f'"{name}" <{src}>',
            "dcontext": context,
            "dstchannel": "",
            "lastapp": "Queue",
            "disposition": "ANSWERED",
            "uniqueid": uid,
            "linkedid": linkedid or uid,
        },
        ensure_ascii=False,
    )


class MemoryStore:
    def __init__(self) -> None:
        self.records: dict[str, CallRecord] = {}
        self.saves = 0

    async def get(self, call_id: str) -> CallRecord | None:
        return self.records.get(call_id)

    async def save_many(self, records: Iterable[CallRecord]) -> None:
        for record in records:
            self.saves += 1
            self.records[record.call_id] = record


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    (tmp_path / "cdr-custom").mkdir()
    return tmp_path


def write(logs: Path, queue_log: list[str], cdrs: list[str]) -> None:
    with (logs / "queue_log").open("a") as handle:
        handle.writelines(line + "\n" for line in queue_log)
    with (logs / "cdr-custom/cdr.jsonl").open("a") as handle:
        handle.writelines(line + "\n" for line in cdrs)


T = int(NOW) - 100
ANSWERED = [
    f"{T}|a-1.0|alo153|NONE|ENTERQUEUE||05321112233|1",
    f"{T + 15}|a-1.0|alo153|op1002|RINGNOANSWER|15000",
    f"{T + 19}|a-1.0|alo153|op1001|CONNECT|19|a-1.1|2",
    f"{T + 49}|a-1.0|alo153|op1001|COMPLETECALLER|19|30|1",
]


async def test_an_answered_call_is_rebuilt_with_every_attempt(logs: Path) -> None:
    write(logs, ANSWERED, [cdr("a-1.0", "+905321112233", T - 1.5, T + 49.2)])
    store = MemoryStore()
    report = await Reconciler(store, logs).run_once(NOW)
    assert report.filled == ["a-1.0"]
    record = store.records["a-1.0"]
    assert (record.caller_number, record.caller_name) == ("05321112233", "Ayşe Şahin")
    assert (record.queue, record.position_at_entry) == ("alo153", 1)
    assert [(a.operator, a.result) for a in record.attempts] == [
        ("op1002", AttemptResult.NO_ANSWER),
        ("op1001", AttemptResult.ANSWERED),
    ]
    assert (record.answered_by, record.wait_seconds, record.talk_seconds) == ("op1001", 19, 30)
    assert (record.outcome, record.hung_up_by) == (Outcome.ANSWERED, HungUpBy.CALLER)
    assert record.source == "reconciled"


async def test_abandon_timeout_and_greeting_hangups_get_their_outcomes(logs: Path) -> None:
    write(
        logs,
        [
            f"{T}|b-1.0|alo153|NONE|ENTERQUEUE||05321112234|2",
            f"{T + 7}|b-1.0|alo153|NONE|ABANDON|1|2|7",
            f"{T}|c-1.0|alo153|NONE|ENTERQUEUE||05321112235|1",
            f"{T + 300}|c-1.0|alo153|NONE|EXITWITHTIMEOUT|1|1|300",
            f"{T + 300}|c-1.0|alo153|NONE|ALO153_FALLBACK|max-wait",
        ],
        [
            cdr("b-1.0", "05321112234", T - 2, T + 7),
            cdr("c-1.0", "05321112235", T - 2, T + 301),
            cdr("d-1.0", "05321112236", T, T + 0.8),
        ],
    )
    store = MemoryStore()
    await Reconciler(store, logs).run_once(NOW + 400)
    abandoned, timed_out, greeting = (store.records[k] for k in ("b-1.0", "c-1.0", "d-1.0"))
    assert (abandoned.outcome, abandoned.wait_seconds) == (Outcome.ABANDONED, 7)
    assert (timed_out.outcome, timed_out.fallback_reason) == (Outcome.TIMED_OUT, "max-wait")
    assert greeting.outcome is Outcome.HUNG_UP_BEFORE_QUEUE and greeting.queue is None


async def test_calls_already_closed_live_are_left_alone_and_nothing_doubles(logs: Path) -> None:
    write(logs, ANSWERED, [cdr("a-1.0", "05321112233", T, T + 49)])
    store = MemoryStore()
    live = CallRecord(
        "a-1.0",
        "05321112233",
        "Ayşe",
        T,
        outcome=Outcome.ANSWERED,
        answered_by="op1001",
        ended_at=T + 49,
        attempts=[
            OperatorAttempt("op1002", "PJSIP/1002", T, T + 15, AttemptResult.NO_ANSWER),
            OperatorAttempt("op1001", "PJSIP/1001", T + 17, T + 19, AttemptResult.ANSWERED),
            OperatorAttempt("op1003", "PJSIP/1003", T + 17, T + 19, AttemptResult.CANCELLED),
        ],
    )
    store.records["a-1.0"] = live
    reconciler = Reconciler(store, logs)
    assert (await reconciler.run_once(NOW)).filled == []
    assert store.records["a-1.0"] is live
    assert (await reconciler.run_once(NOW)).calls_seen == 0, "files are read once"


async def test_a_call_left_in_progress_by_a_lost_link_is_closed(logs: Path) -> None:
    write(logs, ANSWERED, [cdr("a-1.0", "05321112233", T, T + 49)])
    store = MemoryStore()
    store.records["a-1.0"] = CallRecord("a-1.0", "05321112233", "", T)
    report = await Reconciler(store, logs).run_once(NOW)
    assert report.closed == ["a-1.0"]
    assert store.records["a-1.0"].outcome is Outcome.ANSWERED


async def test_callbacks_and_operator_legs_are_not_citizen_calls(logs: Path) -> None:
    write(
        logs,
        [],
        [
            cdr("x-1.0", "153", T, T + 5, context="alo153-dialout"),
            cdr("y-1.1", "1001", T, T + 5, linkedid="y-1.0", context="alo153-operators"),
        ],
    )
    store = MemoryStore()
    await Reconciler(store, logs).run_once(NOW)
    assert store.records == {}


async def test_a_half_written_line_waits_and_garbage_is_skipped(logs: Path) -> None:
    write(logs, ["garbage|line", "\x00\xff"], ["{not json", json.dumps({"start": "x"})])
    line = cdr("e-1.0", "05321112237", T, T + 3)
    (logs / "cdr-custom/cdr.jsonl").open("a").write(line[:20])
    store = MemoryStore()
    reconciler = Reconciler(store, logs)
    await reconciler.run_once(NOW)
    assert store.records == {}
    (logs / "cdr-custom/cdr.jsonl").open("a").write(line[20:] + "\n")
    await reconciler.run_once(NOW)
    assert list(store.records) == ["e-1.0"]


async def test_a_rotated_file_is_read_from_its_start(logs: Path) -> None:
    write(logs, [], [cdr("f-1.0", "05321112238", T, T + 3)])
    store = MemoryStore()
    reconciler = Reconciler(store, logs)
    await reconciler.run_once(NOW)
    # logrotate's copytruncate: the same file, emptied and written anew
    (logs / "cdr-custom/cdr.jsonl").write_text(cdr("g-1.0", "05321112239", T + 60, T + 63) + "\n")
    await reconciler.run_once(NOW)
    assert sorted(store.records) == ["f-1.0", "g-1.0"]


async def test_a_live_record_that_missed_the_answer_is_corrected_by_asterisk(logs: Path) -> None:
    write(logs, ANSWERED, [cdr("a-1.0", "05321112233", T, T + 49)])
    store = MemoryStore()
    store.records["a-1.0"] = CallRecord(
        "a-1.0", "05321112233", "", T, outcome=Outcome.ABANDONED, ended_at=T + 49
    )
    report = await Reconciler(store, logs).run_once(NOW)
    assert report.corrected == ["a-1.0"]
    assert store.records["a-1.0"].answered_by == "op1001"
