"""Deadlines of a forwarded request on the Turkish calendar, and the escalation ladder's rungs."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from cti.domain import notices
from cti.domain.calendar import ISTANBUL, BusinessCalendar
from cti.domain.deadlines import Allowance, Pace, build, deadline_rules
from cti.domain.escalation import Missed, Rung, UnitClock, missed, next_step
from cti.domain.tickets.fields import Channel, Priority
from cti.domain.tickets.lifecycle import moved, opened
from cti.domain.tickets.reference import reference
from cti.domain.tickets.status import TicketStatus as S
from cti.domain.tickets.ticket import TicketDraft
from cti.domain.tickets.unit_clock import clocked

CALENDAR = BusinessCalendar()


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=ISTANBUL).timestamp()  # type: ignore[misc]


def local(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, ISTANBUL)


def test_the_resolve_deadline_skips_ramazan_bayrami_but_counts_its_eve() -> None:
    # Forwarded on Thursday 12 March 2026; 10 business days for a pothole. The eve (19 March)
    # is worked in the morning and counts; 20-22 March do not.
    due = deadline_rules().due(CALENDAR, "asfalt-cukuru", Priority.NORMAL, at(2026, 3, 12, 15))
    assert local(due.resolve) == datetime(2026, 3, 27, 17, 30, tzinfo=ISTANBUL)
    assert local(due.ack) == datetime(2026, 3, 13, 15, 0, tzinfo=ISTANBUL)  # 8 working hours


def test_an_acknowledge_deadline_on_a_bayram_eve_runs_over_the_holiday() -> None:
    # A blocked sewer at 11:30 on the eve of Kurban Bayramı 2026 (26 May): 2 working hours are
    # the eve's last hour of the morning, then the first hour after the holiday (1 June 09:30).
    due = deadline_rules().due(CALENDAR, "kanal-tikanikligi", Priority.HIGH,
                               at(2026, 5, 26, 11, 30))
    assert local(due.ack) == datetime(2026, 6, 1, 9, 30, tzinfo=ISTANBUL)
    # 2 business days: the eve counts as day 0, so 1 and 2 June.
    assert local(due.resolve).date() == date(2026, 6, 2)


def test_an_administrative_leave_day_moves_the_deadline() -> None:
    rules = deadline_rules()
    plain = rules.due(CALENDAR, "su-sayaci", Priority.NORMAL, at(2026, 4, 6, 9))
    with_leave = rules.due(BusinessCalendar({date(2026, 4, 8)}), "su-sayaci", Priority.NORMAL,
                           at(2026, 4, 6, 9))
    assert (local(with_leave.resolve) - local(plain.resolve)).days == 1


def test_rules_prefer_category_then_group_then_priority_and_tighten_with_priority() -> None:
    rules = deadline_rules()
    assert rules.allowance("bilgi-edinme-4982", Priority.NORMAL) == Allowance(8, 15)  # Law 4982
    assert rules.allowance("kanal-tikanikligi", Priority.HIGH) == Allowance(2, 2)  # the group's
    assert rules.allowance("asfalt-cukuru", Priority.NORMAL) == Allowance(8, 10)  # priority's
    # An operator marks a pothole urgent: the urgent defaults are stricter, so they apply,
    # round the clock like every emergency.
    assert rules.allowance("asfalt-cukuru", Priority.URGENT) == Allowance(1, 1, True)
    # Marked low, it keeps the category's deadlines: a priority never loosens them.
    assert rules.allowance("asfalt-cukuru", Priority.LOW) == Allowance(8, 10)


def test_an_emergency_s_deadlines_run_round_the_clock() -> None:
    # A burst main on a Friday evening before a holiday weekend: ASKİ's fault teams work
    # nights and holidays, so 2 hours are 2 hours and 1 day is 24 hours.
    due = deadline_rules().due(CALENDAR, "su-arizasi", Priority.HIGH, at(2026, 3, 19, 18))
    assert local(due.ack) == datetime(2026, 3, 19, 20, tzinfo=ISTANBUL)
    assert local(due.resolve) == datetime(2026, 3, 20, 18, tzinfo=ISTANBUL)  # Bayram's day 1


def test_the_shipped_rules_name_only_real_groups_and_categories() -> None:
    data = {"ladder": {"step_hours": 8},
            "by_priority": {p.value: {"ack_hours": 1, "resolve_days": 1} for p in Priority},
            "by_group": {}, "by_category": {"no-such-category": {"ack_hours": 1,
                                                                 "resolve_days": 1}}}
    with pytest.raises(ValueError, match="no-such-category"):
        build(data, reference())
    with pytest.raises(ValueError):
        Allowance(0, 3)


def unit_clock(**kw: object) -> UnitClock:
    base = UnitClock(S.FORWARDED, None, at(2026, 3, 2, 10), at(2026, 3, 16, 17, 30), 0, None)
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_missed_names_the_deadline_and_the_next_rung() -> None:
    clock = unit_clock()
    assert missed(clock, at(2026, 3, 2, 9)) is None
    step = missed(clock, at(2026, 3, 2, 10))
    assert step is not None and (step.rung, step.missed) == (Rung.REMINDER, Missed.ACKNOWLEDGE)
    acked = unit_clock(acknowledged_at=at(2026, 3, 2, 11), status=S.IN_PROGRESS)
    assert missed(acked, at(2026, 3, 10, 9)) is None
    late = missed(acked, at(2026, 3, 17, 9))
    assert late is not None and late.missed is Missed.RESOLVE
    # Waiting for the call centre's answer, or back at 153: the ladder holds.
    assert missed(unit_clock(status=S.INFO_REQUESTED), at(2026, 3, 20)) is None
    assert missed(unit_clock(status=S.RETURNED), at(2026, 3, 20)) is None


def test_the_ladder_climbs_one_rung_per_step_of_business_hours() -> None:
    step_hours = Pace(8.0)
    reminded = unit_clock(escalation_level=1, escalated_at=at(2026, 3, 6, 16))  # a Friday
    # 8 working hours after Friday 16:00 is Monday 16:00; Saturday counts for nothing.
    assert next_step(reminded, at(2026, 3, 7, 16), CALENDAR, step_hours) is None
    assert next_step(reminded, at(2026, 3, 9, 15, 59), CALENDAR, step_hours) is None
    step = next_step(reminded, at(2026, 3, 9, 16), CALENDAR, step_hours)
    assert step is not None and step.rung is Rung.WARNING
    top = unit_clock(escalation_level=3, escalated_at=at(2026, 3, 6, 16))
    assert next_step(top, at(2026, 4, 1), CALENDAR, step_hours) is None


def test_an_emergency_s_ladder_climbs_on_its_own_short_wall_clock_step() -> None:
    rules = deadline_rules()
    # A burst main (2 hours to see, round the clock): chased every 2 hours, nights included.
    burst = rules.pace("su-arizasi", Priority.HIGH)
    assert burst == Pace(2.0, round_the_clock=True)
    reminded = unit_clock(escalation_level=1, escalated_at=at(2026, 3, 6, 22))  # Friday night
    assert next_step(reminded, at(2026, 3, 6, 23, 59), CALENDAR, burst) is None
    step = next_step(reminded, at(2026, 3, 7, 0), CALENDAR, burst)  # Saturday, midnight
    assert step is not None and step.rung is Rung.WARNING
    # A pothole keeps the ladder's 8 business hours; a low-priority bench is not slower.
    assert rules.pace("asfalt-cukuru", Priority.NORMAL) == Pace(8.0)
    assert rules.pace("imar-bilgisi", Priority.NORMAL) == Pace(8.0)
    # A pothole made urgent by the operator is chased on the urgent clock.
    assert rules.pace("asfalt-cukuru", Priority.URGENT) == Pace(1.0, round_the_clock=True)


def test_forwarding_starts_the_clock_and_acknowledging_resets_the_ladder() -> None:
    draft = TicketDraft(description="Çukur var", category="asfalt-cukuru")
    ticket = opened(draft, number="153-2026-000001", now=at(2026, 3, 2, 9), actor="op1")
    forwarded, _ = moved(ticket, S.FORWARDED, now=at(2026, 3, 2, 9), unit="seyhan-fen-isleri")
    due = deadline_rules().due(CALENDAR, "asfalt-cukuru", Priority.NORMAL, at(2026, 3, 2, 9))
    clocked_in = clocked(forwarded, now=at(2026, 3, 2, 9), due=due)
    assert (clocked_in.forwarded_at, clocked_in.ack_due_at) == (at(2026, 3, 2, 9), due.ack)
    late = dataclasses.replace(clocked_in, escalation_level=1, escalated_at=at(2026, 3, 3, 10))
    taken, _ = moved(late, S.IN_PROGRESS, now=at(2026, 3, 3, 11))
    taken = clocked(taken, now=at(2026, 3, 3, 11), due=None)
    assert (taken.acknowledged_at, taken.escalation_level) == (at(2026, 3, 3, 11), 0)
    returned, _ = moved(taken, S.RETURNED, now=at(2026, 3, 3, 12))
    returned = clocked(returned, now=at(2026, 3, 3, 12), due=None)
    assert (returned.unit, returned.ack_due_at, returned.resolve_due_at) == (None, None, None)
    with pytest.raises(ValueError):
        clocked(forwarded, now=at(2026, 3, 2, 9), due=None)


def test_citizen_sms_goes_to_mobiles_on_the_channels_configured() -> None:
    draft = TicketDraft(description="Çukur var", category="asfalt-cukuru",
                        citizen_phone="0532 111 22 33", channel=Channel.WHATSAPP)
    ticket = opened(draft, number="153-2026-000007", now=at(2026, 3, 2, 9), actor="op1")
    text = notices.DEFAULT.sms_for(ticket, notices.Moment.FORWARDED)
    assert text is not None and "153-2026-000007" in text and "İlgili birime iletildi" in text
    only_resolved = notices.parse("whatsapp=resolved, phone=all")
    assert only_resolved.sms_for(ticket, notices.Moment.FORWARDED) is None
    assert only_resolved.sms_for(ticket, notices.Moment.RESOLVED) is not None
    landline = dataclasses.replace(ticket, citizen_phone="03224550000")
    assert notices.DEFAULT.sms_for(landline, notices.Moment.RESOLVED) is None
    assert notices.parse("").moments == {}
    with pytest.raises(ValueError, match="fax"):
        notices.parse("fax=all")
    with pytest.raises(ValueError, match="closed"):
        notices.parse("phone=closed")
