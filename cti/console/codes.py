"""The words an operator picks from: wrap-up dispositions and pause reasons (Turkish first).

Codes are stored (call_dispositions.code, Asterisk's pause Reason); labels are only shown.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    tr: str
    en: str


DISPOSITIONS: tuple[Code, ...] = (
    Code("bilgi_verildi", "Bilgi verildi", "Information given"),
    Code("cozuldu", "İlk temasta çözüldü", "Solved at first contact"),
    Code("kayit_acildi", "Kayıt açıldı, yönlendirildi", "Ticket opened and forwarded"),
    Code("mevcut_kayit", "Mevcut kaydı soruldu", "Asked about an existing ticket"),
    Code("sikayet", "Şikâyet alındı", "Complaint taken"),
    Code("tesekkur", "Teşekkür / öneri", "Thanks or suggestion"),
    Code("baska_kurum", "Başka kuruma yönlendirildi", "Referred to another institution"),
    Code("yanlis_arama", "Yanlış arama", "Wrong number"),
    Code("sessiz_cagri", "Sessiz çağrı / hat koptu", "Silent call or line dropped"),
    Code("rahatsiz_edici", "Rahatsız edici arama", "Abusive call"),
)
# Given by the feedback console's verdict, which is also the call's disposition: it ends the
# after-call work of the call it was about (a feedback operator does not code a call twice).
# Not offered on the wrap-up panel.
FEEDBACK_DISPOSITIONS: tuple[Code, ...] = (
    Code("geri_arama_cozuldu", "Geri arama: çözüldüğü doğrulandı", "Callback: confirmed solved"),
    Code("geri_arama_cozulmedi", "Geri arama: çözülmedi, birime döndü",
         "Callback: not solved, back to the unit"),
    Code("geri_arama_yanlis_numara", "Geri arama: yanlış numara", "Callback: wrong number"),
    Code("geri_arama_sonra", "Geri arama: sonra aranacak", "Callback: to be called later"),
)
# Set by the CTI when the after-call work time ran out before the operator chose.
TIMEOUT = Code("zaman_asimi", "Süre doldu (kod seçilmedi)", "Timed out (no code chosen)")

PAUSE_REASONS: tuple[Code, ...] = (
    Code("mola", "Mola", "Break"),
    Code("yemek", "Yemek", "Lunch"),
    Code("egitim", "Eğitim", "Training"),
    Code("toplanti", "Toplantı", "Meeting"),
    Code("geri_bildirim", "Geri bildirim işi", "Back-office work"),
    Code("teknik", "Teknik sorun", "Technical problem"),
)

DISPOSITION_CODES = frozenset(c.code for c in DISPOSITIONS + FEEDBACK_DISPOSITIONS)
PAUSE_CODES = frozenset(c.code for c in PAUSE_REASONS)


def as_json(codes: tuple[Code, ...]) -> list[dict[str, str]]:
    return [{"code": c.code, "tr": c.tr, "en": c.en} for c in codes]
