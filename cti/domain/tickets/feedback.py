"""How a feedback call ends a resolved ticket: closed, or reopened to the same unit."""

from __future__ import annotations

from dataclasses import dataclass

from cti.domain.tickets.status import TicketStatus


@dataclass(frozen=True)
class FeedbackEnd:
    """Where the ticket goes, the note on that last step, and whether its priority rises."""

    status: TicketStatus
    note: str
    raise_priority: bool = False
    keeps_score: bool = True  # False: a survey score given on this call is taken away


def confirmed(words: str | None = None) -> FeedbackEnd:
    """The citizen confirms it is solved."""
    return FeedbackEnd(TicketStatus.CLOSED, words or "Vatandaş çözüldüğünü doğruladı")


def not_solved(words: str) -> FeedbackEnd:
    """The citizen says it is not: back to the unit, one priority step higher."""
    return FeedbackEnd(TicketStatus.REOPENED, words, raise_priority=True)


def unreachable(attempts: int) -> FeedbackEnd:
    """No answer after the last attempt: closed on the unit's resolution."""
    return FeedbackEnd(TicketStatus.CLOSED, f"Vatandaşa {attempts} denemede ulaşılamadı")


def waived(reason: str) -> FeedbackEnd:
    """The team leader calls the callback off (the citizen asked not to be called, or heard
    the outcome another way): closed on the unit's resolution, saying why."""
    return FeedbackEnd(TicketStatus.CLOSED, f"Geri arama yapılmadı: {reason}")


def wrong_number() -> FeedbackEnd:
    """The number reached someone else, or does not exist."""
    return FeedbackEnd(TicketStatus.CLOSED, "Yanlış numara: vatandaşa ulaşılamadı",
                       keeps_score=False)
