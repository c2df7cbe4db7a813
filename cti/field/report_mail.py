"""The e-mail that carries a tutanak to the unit and to its manager.

Its wording follows the facts at the inspection: a formal warning when the unit had let its
acknowledge or resolve deadline pass (the ladder's revisit, or a supervisor's on a late
ticket), else a plain information mail. A supervisor may send the team to a ticket that is on
time or already resolved, and telling that unit it is late would be false.

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


@dataclass(frozen=True)
class _Facts:
    """What both wordings say: who is addressed, the request, the visit."""

    greeting_tr: str
    greeting_en: str
    number: str
    category_tr: str
    category_en: str
    place: str
    when: str
    inspector: str


def report_mail(ticket: TaskTicket, *, inspected_at: float, inspector: str,
                to_manager: bool) -> Mail:
    """The message for the unit (or, `to_manager`, for whoever answers for the unit): a
    warning if a deadline of the unit's had passed by `inspected_at`, else information."""
    facts = _facts(ticket, inspected_at, inspector, to_manager)
    missed = ticket.missed_by(inspected_at)
    if missed is None:
        return _information(facts)
    return _warning(facts, *missed)


def _facts(ticket: TaskTicket, inspected_at: float, inspector: str, to_manager: bool) -> _Facts:
    unit_tr = ticket.unit.name_tr if ticket.unit else "İlgili birim"
    unit_en = ticket.unit.name_en if ticket.unit else "the responsible unit"
    return _Facts(
        greeting_tr=f"Sayın {unit_tr} Yöneticisi," if to_manager else f"Sayın {unit_tr},",
        greeting_en=f"To the manager of {unit_en}," if to_manager else f"To {unit_en},",
        number=ticket.number, category_tr=ticket.category.name_tr,
        category_en=ticket.category.name_en,
        place=", ".join(p for p in (ticket.neighbourhood, ticket.address) if p) or "-",
        when=local_time(inspected_at), inspector=inspector,
    )


def _warning(facts: _Facts, kind: str, due_at: float) -> Mail:
    due = local_time(due_at)
    subject = (f"UYARI: {facts.number} numaralı ALO 153 kaydı için saha tespit tutanağı"
               f" / WARNING: field inspection report on ALO 153 ticket {facts.number}")
    body = "\n".join([
        facts.greeting_tr, "",
        f"ALO 153 Çözüm Merkezi'ne yapılan {facts.number} numaralı başvuru "
        f"({facts.category_tr}) size iletilmiştir. Birime tanınan {_MISSED_TR[kind]} süresi "
        f"{due} tarihinde dolmuş, kayıt yanıtsız kalmıştır. Saha ekibimiz {facts.when} "
        f"tarihinde yerinde tespit yapmıştır; {facts.inspector} tarafından düzenlenen, "
        "fotoğrafları içeren tutanak ektedir.", "",
        f"Konum: {facts.place}", "",
        "Başvurunun en kısa sürede sonuçlandırılmasını ve ALO 153 sistemi üzerinden "
        "yanıtlanmasını önemle rica ederiz. Bu e-posta, süresinde yanıtlanmayan kayıtlar "
        "için yapılan bir uyarıdır.", "",
        "ALO 153 Çözüm Merkezi", "",
        "-- ", facts.greeting_en, "",
        f"ALO 153 ticket {facts.number} ({facts.category_en}) was forwarded to you. The "
        f"unit's {_MISSED_EN[kind]} deadline passed on {due} without an answer. Our field "
        f"team inspected the place on {facts.when} (Turkey time); the report written by "
        f"{facts.inspector}, with the photos in it, is attached. Please resolve the request "
        "and answer it in the ALO 153 system without delay. This e-mail is a formal warning.",
    ])
    return Mail(subject[:255], body)


def _information(facts: _Facts) -> Mail:
    subject = (f"Bilgi: {facts.number} numaralı ALO 153 kaydı için saha tespit tutanağı"
               f" / For information: field inspection report on ALO 153 ticket {facts.number}")
    body = "\n".join([
        facts.greeting_tr, "",
        f"Biriminize iletilen {facts.number} numaralı ALO 153 başvurusu "
        f"({facts.category_tr}) ile ilgili olarak saha ekibimiz {facts.when} tarihinde "
        f"yerinde tespit yapmıştır; {facts.inspector} tarafından düzenlenen, fotoğrafları "
        "içeren tutanak ektedir.", "",
        f"Konum: {facts.place}", "",
        "Tutanak bilgilerinize sunulur. Bu e-posta bir uyarı değil, bilgilendirmedir.", "",
        "ALO 153 Çözüm Merkezi", "",
        "-- ", facts.greeting_en, "",
        f"Our field team inspected the place of ALO 153 ticket {facts.number} "
        f"({facts.category_en}), forwarded to your unit, on {facts.when} (Turkey time); the "
        f"report written by {facts.inspector}, with the photos in it, is attached. It is sent "
        "for your information; this e-mail is not a warning.",
    ])
    return Mail(subject[:255], body)
