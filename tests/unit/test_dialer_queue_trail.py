"""Reading what queue_log says of the feedback calls a dialer lost sight of."""

from __future__ import annotations

from pathlib import Path

from dialer.queue_trail import QueueTrail, read_trails

TAKEN, LEFT, OTHER = "cb1-1-4c87de9d", "cb2-1-aab9d634", "cb3-1-00000000"
# Recorded from the sandbox PBX (the callers' numbers replaced).
LOG = f"""\
1795729657|{TAKEN}|alo153-feedback|NONE|ENTERQUEUE||05320000001|1
1795729657|{TAKEN}|alo153-feedback|op1010|CONNECT|0|alo153-1795729657.3|0
1795729660|{TAKEN}|alo153-feedback|op1010|COMPLETECALLER|0|3|1
1795729662|{LEFT}|alo153-feedback|NONE|ENTERQUEUE||05320000002|1
1795729690|{LEFT}|alo153-feedback|NONE|ABANDON|1|1|28
1795729700|{OTHER}|alo153|op1001|CONNECT|0|x|0
"""


def test_a_call_an_operator_took_and_one_left_waiting(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_text(LOG)
    assert read_trails(path, [TAKEN, LEFT, OTHER, "cb4-1-11111111"]) == {
        TAKEN: QueueTrail(entered=True, operator="op1010"),
        LEFT: QueueTrail(entered=True, operator=None),
    }  # the other queue's call and the one never queued are not there


def test_garbage_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    path.write_bytes(b"\xff\xfe|||\nnot a line\n12|" + TAKEN.encode()
                     + b"|alo153-feedback|NONE|CONNECT|0|x|0\n" + LOG.encode())
    # A CONNECT without a member names nobody.
    assert read_trails(path, [TAKEN])[TAKEN] == QueueTrail(entered=True, operator="op1010")


def test_only_the_files_end_is_read_and_its_cut_first_line_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    last = f"1795729800|{LEFT}|alo153-feedback|op1011|CONNECT|0|y|0\n"
    path.write_text(LOG + last)
    trails = read_trails(path, [TAKEN, LEFT], tail_bytes=len(last) + 5)
    assert trails == {LEFT: QueueTrail(entered=True, operator="op1011")}


def test_a_missing_file_says_nothing(tmp_path: Path) -> None:
    assert read_trails(tmp_path / "queue_log", [TAKEN]) == {}
    assert read_trails(tmp_path / "queue_log", []) == {}
