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
    TicketStatus.RESOLVED: ("Çözüldü", "Resolved"),
    TicketStatus.FEEDBACK: ("Geri bildirim bekleniyor", "Awaiting feedback"),
    TicketStatus.CLOSED: ("Kapatıldı", "Closed"),
    TicketStatus.REOPENED: ("Yeniden açıldı", "Reopened"),
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
