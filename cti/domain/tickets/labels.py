"""Turkish and English labels of the ticket enumerations, for the console and the API."""

from __future__ import annotations

from collections.abc import Mapping

from cti.domain.tickets.fields import Channel, Priority
from cti.domain.tickets.status import TicketStatus

Labels = Mapping[str, tuple[str, str]]  # value: (Turkish, English)

STATUS_LABELS: Labels = {
    TicketStatus.NEW: ("Yeni", "New"),
    TicketStatus.FIRST_CONTACT_SOLVED: ("İlk temasta çözüldü", "Solved at first contact"),
    TicketStatus.FORWARDED: ("Yönlendirildi", "Forwarded"),
    TicketStatus.IN_PROGRESS: ("İşlemde", "In progress"),
    TicketStatus.INFO_REQUESTED: ("Birim ek bilgi istedi", "Unit asked for information"),
    TicketStatus.RETURNED: ("Birim iade etti (bizim değil)", "Returned by the unit (not theirs)"),
    TicketStatus.RESOLVED: ("Çözüldü", "Resolved"),
    TicketStatus.FEEDBACK: ("Geri bildirim bekleniyor", "Awaiting feedback"),
    TicketStatus.CLOSED: ("Kapatıldı", "Closed"),
    TicketStatus.REOPENED: ("Yeniden açıldı", "Reopened"),
}
# What the citizen is told (SMS, status enquiries): plain words, and never "closed" for a
# request the unit sent back; internal steps (an information request) read as "being examined".
CITIZEN_STATUS: Labels = {
    TicketStatus.NEW: ("Başvurunuz alındı", "Your request has been received"),
    TicketStatus.FIRST_CONTACT_SOLVED: ("Başvurunuz çözüldü", "Your request has been solved"),
    TicketStatus.FORWARDED: ("İlgili birime iletildi", "Sent to the responsible unit"),
    TicketStatus.IN_PROGRESS: ("Birim tarafından inceleniyor", "Being examined by the unit"),
    TicketStatus.INFO_REQUESTED: ("Birim tarafından inceleniyor", "Being examined by the unit"),
    TicketStatus.RETURNED: ("Doğru birime yönlendiriliyor", "Being sent to the right unit"),
    TicketStatus.RESOLVED: ("Birim çözüldüğünü bildirdi", "The unit reports it solved"),
    TicketStatus.FEEDBACK: ("Görüşünüz alınıyor", "We are asking for your opinion"),
    TicketStatus.CLOSED: ("Tamamlandı", "Completed"),
    TicketStatus.REOPENED: ("Yeniden inceleniyor", "Being examined again"),
}
CHANNEL_LABELS: Labels = {
    Channel.PHONE: ("Telefon", "Phone"),
    Channel.WHATSAPP: ("WhatsApp", "WhatsApp"),
    Channel.EMAIL: ("E-posta", "E-mail"),
    Channel.X: ("X (Twitter)", "X (Twitter)"),
    Channel.FIELD: ("Saha ekibi", "Field team"),
    Channel.WEB: ("Web", "Web"),
    Channel.CIMER: ("CİMER", "CİMER"),
}
PRIORITY_LABELS: Labels = {
    Priority.LOW: ("Düşük", "Low"),
    Priority.NORMAL: ("Normal", "Normal"),
    Priority.HIGH: ("Yüksek", "High"),
    Priority.URGENT: ("Acil", "Urgent"),
}
