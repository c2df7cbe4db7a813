"""What Asterisk's queue_log says of feedback calls the dialer lost sight of.

A dialer that was down (a crash, a restart that waited for the pacer's lease) misses the
events of the calls it had placed; when it looks again, a call that ended meanwhile has no
channel left to follow. Asterisk wrote its queue part all the same, under the attempt's id
(the attempt's channel is the queue's caller): any line in the feedback queue means the
citizen answered (ENTERQUEUE, or the dialplan's ALO153_FALLBACK when no operator was there),
and CONNECT names the member who took the call (queues.conf `log_membername_as_agent`: the
member name, as AgentConnect's MemberName). Without that, a citizen who spoke to an operator
would be an unknown outcome, and be called again.

The file is Asterisk's, read as untrusted text: a line that does not parse is skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

from cti.reconcile.asterisk_logs import parse_queue_log
from dialer.tracking import FEEDBACK_QUEUE

log = logging.getLogger(__name__)

# The calls looked for were placed minutes (at worst hours) ago: the file's end holds them.
TAIL_BYTES = 8 << 20
MAX_OPERATOR = 64  # the attempt's operator column


@dataclass(frozen=True)
class QueueTrail:
    """An attempt's part in the feedback queue: when the citizen (who answered) reached it,
    and who took the call when (`operator` None if nobody did)."""

    answered_at: float
    operator: str | None = None
    connected_at: float | None = None


def read_trails(path: Path, attempt_ids: Collection[str],
                tail_bytes: int = TAIL_BYTES) -> dict[str, QueueTrail]:
    """The trails of `attempt_ids` in the last `tail_bytes` of queue_log (blocking: run it
    in a thread). An attempt with no line there is absent."""
    wanted = set(attempt_ids)
    if not wanted:
        return {}
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - tail_bytes))
            data = handle.read(tail_bytes)
    except OSError as error:
        log.warning("dialer: queue_log cannot be read (%s); lost calls end as unknown",
                    type(error).__name__)
        return {}
    if size > tail_bytes:
        data = data.partition(b"\n")[2]  # the first line is cut
    trails: dict[str, QueueTrail] = {}
    lines = data.decode("utf-8", errors="replace").splitlines()
    for entry in parse_queue_log(lines):
        if entry.callid not in wanted or entry.queue != FEEDBACK_QUEUE:
            continue
        trail = trails.get(entry.callid) or QueueTrail(answered_at=float(entry.epoch))
        if entry.event == "CONNECT" and entry.agent not in ("", "NONE"):
            trail = replace(trail, operator=entry.agent[:MAX_OPERATOR],
                            connected_at=float(entry.epoch))
        trails[entry.callid] = trail
    return trails
