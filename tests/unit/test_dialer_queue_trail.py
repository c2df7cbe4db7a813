"""Reading what queue_log says of the feedback calls a dialer lost sight of."""

from __future__ import annotations

from pathlib import Path

from dialer.queue_trail import QueueTrail, read_trails

TAKEN, LEFT, EMPTY, OTHER = ("cb1-1-4c87de9d", "cb2-1-aab9d634", "cb5-1-0000beef",
                             "cb3-1-00000000")
# Recorded from the sandbox PBX (the callers' numbers replaced).
LOG = f"""\
1795729657|{TAKEN}|alo153-feedback|NONE|ENTERQUEUE||05320000001|1
1795729658|{TAKEN}|alo153-feedback|op1010|CONNECT|1|alo153-1795729657.3|0
1795729660|{TAKEN}|alo153-feedback|op1010|COMPLETECALLER|1|3|1
1795729662|{LEFT}|alo153-feedback|NONE|ENTERQUEUE||05320000002|1
1795729690|{LEFT}|alo153-feedback|NONE|ABANDON|1|1|28
1795729695|{EMPTY}|alo153-feedback|NONE|ALO153_FALLBACK|callback-JOINEMPTY
1795729700|{OTHER}|alo153|op1001|CONNECT|0|x|0
"""


def test_a_call_an_operator_took_one_left_waiting_and_one_nobody_could_take(
    tmp_path: Path,
) -> None:
    path = tmp_path / "queue_log"
    path.write_text(LOG)
    assert read_trails(path, [TAKEN, LEFT, EMPTY, OTHER, "cb4-1-11111111"]) == {
        TAKEN: QueueTrail(answered_at=1795729657.0, operator="op1010",
                          connected_at=1795729658.0),
        LEFT: QueueTrail(answered_at=1795729662.0),
        EMPTY: QueueTrail(answered_at=1795729695.0),
    }  # the other queue's call and the one never queued are not there


def test_garbage_lines_are_skipped_and_a_connect_without_a_member_names_nobody(
    tmp_path: Path,
) -> None:
    path = tmp_path / "queue_log"
    path.write_bytes(b"\xff\xfe|||\nnot a line\n\xc2\xb2|" + TAKEN.encode()
                     + b"|alo153-feedback|NONE|ENTERQUEUE\n12|" + TAKEN.encode()
                     + b"|alo153-feedback|NONE|CONNECT|0|x|0\n")
    assert read_trails(path, [TAKEN]) == {TAKEN: QueueTrail(answered_at=12.0)}


def test_only_the_files_end_is_read_and_its_cut_first_line_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "queue_log"
    cut = f"1795729700|{TAKEN}|alo153-feedback|op1011|CONNECT|0|y|0\n"
    last = f"1795729800|{LEFT}|alo153-feedback|op1011|CONNECT|0|y|0\n"
    path.write_text(LOG + cut + last)
    # The tail starts inside `cut` where what is left would still parse as a line.
    trails = read_trails(path, [TAKEN, LEFT], tail_bytes=len(last) + len(cut) - 1)
    assert trails == {LEFT: QueueTrail(answered_at=1795729800.0, operator="op1011",
                                       connected_at=1795729800.0)}


def test_a_missing_file_says_nothing(tmp_path: Path) -> None:
    assert read_trails(tmp_path / "queue_log", [TAKEN]) == {}
    assert read_trails(tmp_path / "queue_log", []) == {}
