"""A ticket's lifecycle: its statuses and the only moves between them (`TRANSITIONS`).

An operator solves a request on the call (new → first_contact_solved → closed) or forwards it
(new → forwarded). The unit acknowledges it (in_progress), may ask the call centre for more
information (info_requested, answered back to in_progress), and resolves it; a feedback
operator asks the citizen (feedback), who confirms (closed) or not (reopened). A unit that finds
a request is not theirs returns it with a reason (returned): it waits at 153 to be routed again,
never dropped. A forwarded ticket may be re-routed (forwarded → forwarded) by the call centre.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from cti.domain.tickets.errors import InvalidTransition


class TicketStatus(enum.StrEnum):
    NEW = "new"
    FIRST_CONTACT_SOLVED = "first_contact_solved"  # solved by the operator on the call
    FORWARDED = "forwarded"          # sent to a unit or district municipality
    IN_PROGRESS = "in_progress"      # the unit acknowledged it and is working on it
    INFO_REQUESTED = "info_requested"  # the unit asked the call centre for more information
    RETURNED = "returned"            # the unit says it is not theirs: 153 routes it again
    RESOLVED = "resolved"            # the unit says it is done
    FEEDBACK = "feedback"            # a feedback operator is asking the citizen
    CLOSED = "closed"
    REOPENED = "reopened"            # the citizen says it is not done

    def is_open(self) -> bool:
        """Still someone's work. The caller lookup counts these (`caller_directory.NOT_OPEN`)."""
        return self not in NOT_OPEN


NOT_OPEN = frozenset({TicketStatus.CLOSED, TicketStatus.FIRST_CONTACT_SOLVED})
# A unit's work: what its inbox lists and what the deadlines run on.
AT_UNIT = frozenset({TicketStatus.FORWARDED, TicketStatus.IN_PROGRESS,
                     TicketStatus.INFO_REQUESTED, TicketStatus.REOPENED})

S = TicketStatus
TRANSITIONS: Mapping[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: frozenset({S.FIRST_CONTACT_SOLVED, S.FORWARDED}),
    S.FIRST_CONTACT_SOLVED: frozenset({S.CLOSED}),
    S.FORWARDED: frozenset({S.FORWARDED, S.IN_PROGRESS, S.INFO_REQUESTED, S.RESOLVED,
                            S.RETURNED}),
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.FORWARDED, S.INFO_REQUESTED, S.RETURNED}),
    S.INFO_REQUESTED: frozenset({S.IN_PROGRESS, S.FORWARDED, S.RETURNED, S.RESOLVED}),
    # CLOSED: nobody in the municipality handles it (referred elsewhere), with a resolution.
    S.RETURNED: frozenset({S.FORWARDED, S.CLOSED}),
    S.RESOLVED: frozenset({S.FEEDBACK, S.CLOSED}),
    S.FEEDBACK: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.FORWARDED, S.IN_PROGRESS}),
}
del S


def check_transition(current: TicketStatus, wanted: TicketStatus) -> None:
    """InvalidTransition unless the lifecycle leads from `current` to `wanted` in one step."""
    if wanted not in TRANSITIONS[current]:
        raise InvalidTransition(current.value, wanted.value)
