"""The warning e-mail that carries a tutanak to the unit and to its manager.

Turkish first, English after it. The citizen's complaint and person stay out of the body: the
unit reads the request in the attached tutanak, and a mail body is copied into places a PDF
attachment is not (previews, mail server logs).
"""

from __future__ import annotations

from dataclasses import dataclass

from cti.field.tasks import TaskTicket
from cti.field.tutanak import local_time

_MISSED_TR = {"ack": "alındı bildirimi", "resolve": "çözüm"}
_MISSED_EN = {"ack": "acknowledgement", "resolve": "resolution"}


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str


def warning_mail(ticket: TaskTicket, *, inspected_at: float, inspector: str,
                 to_manager: bool) -> Mail:
    """The message for the unit (or, `to_manager`, for whoever answers for the unit)."""
    unit_tr = ticket.unit.name_tr if ticket.unit else "İlgili birim"
    unit_en = ticket.unit.name_en if ticket.unit else "the responsible unit"
    subject = (f"UYARI: {ticket.number} numaralı ALO 153 kaydı için saha tespit tutanağı"
               f" / WARNING: field inspection report on ALO 153 ticket {ticket.number}")
    greeting_tr = f"Sayın {unit_tr} Yöneticisi," if to_manager else f"Sayın {unit_tr},"
    greeting_en = f"To the manager of {unit_en}," if to_manager else f"To {unit_en},"
    missed = ticket.missed_deadline()
    late_tr = (f" Birime tanınan {_MISSED_TR[missed[0]]} süresi {local_time(missed[1])} "
               "tarihinde dolmuş, kayıt yanıtsız kalmıştır." if missed else "")
    late_en = (f" The unit's {_MISSED_EN[missed[0]]} deadline passed on "
               f"{local_time(missed[1])} without an answer." if missed else "")
    place = ", ".join(p for p in (ticket.neighbourhood, ticket.address) if p) or "-"
    when = local_time(inspected_at)
    body = "\n".join([
        greeting_tr, "",
        f"ALO 153 Çözüm Merkezi'ne yapılan {ticket.number} numaralı başvuru "
        f"({ticket.category.name_tr}) size iletilmiştir.{late_tr} Saha ekibimiz {when} "
        f"tarihinde yerinde tespit yapmıştır; {inspector} tarafından düzenlenen tutanak ve "
        "fotoğraflar ektedir.", "",
        f"Konum: {place}", "",
        "Başvurunun en kısa sürede sonuçlandırılmasını ve ALO 153 sistemi üzerinden "
        "yanıtlanmasını önemle rica ederiz. Bu e-posta, süresinde yanıtlanmayan kayıtlar "
        "için yapılan bir uyarıdır.", "",
        "ALO 153 Çözüm Merkezi", "",
        "-- ", greeting_en, "",
        f"ALO 153 ticket {ticket.number} ({ticket.category.name_en}) was forwarded to you."
        f"{late_en} Our field team inspected the place on {when} (Turkey time); the report "
        f"written by {inspector} and the photos are attached. Please resolve the request and "
        "answer it in the ALO 153 system without delay. This e-mail is a formal warning.",
    ])
    return Mail(subject[:255], body)
