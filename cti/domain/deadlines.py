"""How long a unit has to acknowledge and to resolve a forwarded request, on the calendar.

The acknowledge deadline is counted in business hours (a unit should have seen a burst pipe
within the hour, a bench within two working days); the resolve deadline in business days and
falls at the end of that day's last shift; an emergency whose unit works round the clock
(`"clock": "24/7"`: a burst main, an open cable) counts wall-clock hours and days instead.
Both come from `cti/seed/deadlines.json`: a
category's rule, else its group's, else its default priority's. An operator who raises a
ticket's priority above its category's default tightens its deadlines, never loosens them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from cti.domain.calendar import ISTANBUL, BusinessCalendar
from cti.domain.tickets.fields import Priority
from cti.domain.tickets.reference import Reference, reference

HOUR = 3600.0
DAY = 24 * HOUR
_URGENCY = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)


@dataclass(frozen=True)
class Allowance:
    ack_hours: float
    resolve_days: int
    round_the_clock: bool = False  # wall-clock hours and days, holidays and nights included

    def __post_init__(self) -> None:
        if not self.ack_hours > 0 or self.resolve_days < 1:
            raise ValueError("a deadline needs positive hours to acknowledge and days to resolve")

    def stricter(self, other: Allowance) -> Allowance:
        return Allowance(min(self.ack_hours, other.ack_hours),
                         min(self.resolve_days, other.resolve_days),
                         self.round_the_clock or other.round_the_clock)


@dataclass(frozen=True)
class Pace:
    """How long the escalation ladder waits between rungs: business hours, or wall-clock hours
    for a round-the-clock emergency (a burst main left alone on a Friday night must not wait
    for Monday's warning)."""

    hours: float
    round_the_clock: bool = False

    def ready(self, calendar: BusinessCalendar, since: float) -> float:
        """When the next rung may come, the last one having come at `since`."""
        if self.round_the_clock:
            return since + self.hours * HOUR
        start = datetime.fromtimestamp(since, ISTANBUL)
        return calendar.add_business_hours(start, self.hours).timestamp()


@dataclass(frozen=True)
class Due:
    """Both deadlines of one forward, as epoch seconds."""

    ack: float
    resolve: float


@dataclass(frozen=True)
class DeadlineRules:
    by_priority: Mapping[Priority, Allowance]
    by_group: Mapping[str, Allowance]
    by_category: Mapping[str, Allowance]
    step_hours: float  # the escalation ladder's pace, in business hours

    def allowance(
        self, category: str, priority: Priority, ref: Reference | None = None
    ) -> Allowance:
        found = (ref or reference()).category(category)
        rule = (self.by_category.get(found.code) or self.by_group.get(found.group)
                or self.by_priority[found.priority])
        if _URGENCY.index(priority) > _URGENCY.index(found.priority):
            return rule.stricter(self.by_priority[priority])
        return rule

    def pace(self, category: str, priority: Priority) -> Pace:
        """The ladder's step for this request: `step_hours`, or its acknowledge allowance when
        that is shorter (a unit given two hours to see a flood is chased every two hours),
        on the clock its deadlines run on."""
        allowance = self.allowance(category, priority)
        return Pace(min(self.step_hours, allowance.ack_hours), allowance.round_the_clock)

    def due(self, calendar: BusinessCalendar, category: str, priority: Priority,
            forwarded_at: float) -> Due:
        allowance = self.allowance(category, priority)
        if allowance.round_the_clock:
            return Due(forwarded_at + allowance.ack_hours * HOUR,
                       forwarded_at + allowance.resolve_days * DAY)
        start = datetime.fromtimestamp(forwarded_at, ISTANBUL)
        ack = calendar.add_business_hours(start, allowance.ack_hours)
        last_day = calendar.add_business_days(start.date(), allowance.resolve_days)
        resolve = calendar.shifts(last_day)[-1][1]  # the end of that day's work
        return Due(ack.timestamp(), resolve.timestamp())


@functools.cache
def deadline_rules() -> DeadlineRules:
    """The shipped rules (`cti/seed/deadlines.json`), checked against the categories."""
    text = resources.files("cti.seed").joinpath("deadlines.json").read_text(encoding="utf-8")
    return build(json.loads(text), reference())


def build(data: Mapping[str, Any], ref: Reference) -> DeadlineRules:
    by_priority = {Priority(k): _allowance(v) for k, v in data["by_priority"].items()}
    if set(by_priority) != set(Priority):
        raise ValueError("deadlines: every priority needs a default")
    unknown = (set(data["by_group"]) - set(ref.groups)) | (
        set(data["by_category"]) - set(ref.categories))
    if unknown:
        raise ValueError(f"deadlines: unknown groups or categories {sorted(unknown)}")
    return DeadlineRules(
        by_priority=by_priority,
        by_group={k: _allowance(v) for k, v in data["by_group"].items()},
        by_category={k: _allowance(v) for k, v in data["by_category"].items()},
        step_hours=float(data["ladder"]["step_hours"]),
    )


def _allowance(raw: Mapping[str, Any]) -> Allowance:
    clock = raw.get("clock", "business")
    if clock not in ("business", "24/7"):
        raise ValueError(f"deadlines: clock is business or 24/7, not {clock!r}")
    return Allowance(float(raw["ack_hours"]), int(raw["resolve_days"]), clock == "24/7")
