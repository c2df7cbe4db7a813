"""The tutanak's e-mail says what happened: a warning when the unit had let a deadline pass by
the time of the visit, plain information otherwise (a supervisor's visit to a ticket on time,
or to one the unit has resolved)."""

from __future__ import annotations

import dataclasses

import pytest

from cti.field.report_mail import report_mail
from cti.field.tasks import TaskTicket
from tests.unit.test_field_tutanak import TICKET, at

VISIT = at(2026, 3, 12, 15, 5)


def test_a_missed_acknowledge_deadline_gets_the_formal_warning() -> None:
    mail = report_mail(TICKET, inspected_at=VISIT, inspector="Şükrü Işıkoğlu", to_manager=False)
    assert mail.subject.startswith("UYARI: 153-2026-000123 ")
    assert "WARNING" in mail.subject
    assert mail.body.startswith("Sayın Seyhan Fen İşleri Müdürlüğü,\n")
    assert "alındı bildirimi süresi 03.03.2026 09:20 tarihinde dolmuş" in mail.body
    assert "acknowledgement deadline passed on 03.03.2026 09:20" in mail.body
    assert "12.03.2026 15:05" in mail.body and "Şükrü Işıkoğlu" in mail.body
    assert "Konum: Reşatbey, Atatürk Caddesi No: 12 (ışıklı kavşak)" in mail.body
    assert "formal warning" in mail.body
    assert TICKET.description not in mail.body  # the request is in the tutanak only


def test_once_acknowledged_the_missed_resolve_deadline_is_the_one_named() -> None:
    ticket = dataclasses.replace(TICKET, status="in_progress", acknowledged_at=at(2026, 3, 2, 10),
                                 resolve_due_at=at(2026, 3, 10, 17))
    mail = report_mail(ticket, inspected_at=VISIT, inspector="S", to_manager=True)
    assert mail.subject.startswith("UYARI: ")
    assert mail.body.startswith("Sayın Seyhan Fen İşleri Müdürlüğü Yöneticisi,\n")
    assert "çözüm süresi 10.03.2026 17:00 tarihinde dolmuş" in mail.body
    assert "To the manager of Seyhan Works," in mail.body


@pytest.mark.parametrize("ticket", [
    dataclasses.replace(TICKET, ack_due_at=at(2026, 3, 13, 9, 20)),  # due tomorrow
    dataclasses.replace(TICKET, status="in_progress", acknowledged_at=at(2026, 3, 2, 10)),
    dataclasses.replace(TICKET, status="resolved", acknowledged_at=at(2026, 3, 5, 10)),
    dataclasses.replace(TICKET, status="closed"),
    # Waiting for the call centre's answer: the ladder holds, so does the warning.
    dataclasses.replace(TICKET, status="info_requested", acknowledged_at=at(2026, 3, 2, 10),
                        resolve_due_at=at(2026, 3, 10, 17)),
], ids=["ack-ahead", "resolve-ahead", "resolved", "closed", "info-requested"])
def test_a_visit_with_no_deadline_missed_is_reported_for_information(
    ticket: TaskTicket,
) -> None:
    for to_manager in (False, True):
        mail = report_mail(ticket, inspected_at=VISIT, inspector="Şükrü Işıkoğlu",
                           to_manager=to_manager)
        assert mail.subject == (
            "Bilgi: 153-2026-000123 numaralı ALO 153 kaydı için saha tespit tutanağı"
            " / For information: field inspection report on ALO 153 ticket 153-2026-000123")
        for word in ("UYARI", "WARNING", "uyarıdır", "formal warning", "süresi", "deadline"):
            assert word not in mail.body, word
        assert "bir uyarı değil, bilgilendirmedir" in mail.body
        assert "this e-mail is not a warning" in mail.body
        assert "12.03.2026 15:05" in mail.body and "Şükrü Işıkoğlu" in mail.body
        assert ("Yöneticisi," in mail.body) is to_manager


def test_the_deadline_is_judged_at_the_visit_not_at_the_task() -> None:
    assert TICKET.ack_due_at is not None
    early = report_mail(TICKET, inspected_at=TICKET.ack_due_at - 60, inspector="S",
                        to_manager=False)
    assert early.subject.startswith("Bilgi: ")
