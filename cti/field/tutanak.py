"""The tutanak (saha tespit tutanağı): the field team's report form, as a PDF.

An official Turkish document, so its words are Turkish only. DejaVu Sans (Debian's
fonts-dejavu-core) carries the Turkish letters the PDF core fonts lack (ğ, ş, İ, ı). The
citizen's name and phone are not in it: the form is about a place and goes to the unit by
e-mail (KVKK, Law No. 6698, art. 4). Its creation date is the inspection's moment, so the same
visit renders the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from cti.field.photos import for_pdf
from cti.field.tasks import Named, TaskTicket

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVu"
ISTANBUL = ZoneInfo("Europe/Istanbul")
HEADER = ("T.C.", "ADANA BÜYÜKŞEHİR BELEDİYESİ", "ALO 153 Çözüm Merkezi")
TITLE = "SAHA TESPİT TUTANAĞI"
PHOTOS_PER_PAGE = 2
_WIDTH = 180.0  # A4's 210 mm less 15 mm margins
_PHOTO_BOX = (_WIDTH, 108.0)
_LABEL = FontFace(emphasis="BOLD", fill_color=(235, 239, 243))
_MISSED = {"ack": "Alındı bildirimi süresi", "resolve": "Çözüm süresi"}
_NONE = "—"


@dataclass(frozen=True)
class Photo:
    filename: str
    data: bytes  # JPEG, PNG or WebP, as uploaded
    taken_at: float  # when it reached us


@dataclass(frozen=True, kw_only=True)
class Inspection:
    """Everything the form says: the ticket, the visit, who made it and what they saw."""

    task_id: int
    ticket: TaskTicket
    inspected_at: float
    inspector_name: str
    inspector_username: str
    notes: str
    photos: Sequence[Photo]


def render(inspection: Inspection, *, compress: bool = True) -> bytes:
    """The tutanak as PDF bytes: the form on the first page(s), then the photos, two a page."""
    pdf = _Form(inspection.ticket.number)
    pdf.set_compression(compress)
    pdf.set_creation_date(datetime.fromtimestamp(inspection.inspected_at, ISTANBUL))
    pdf.set_title(f"{TITLE} {inspection.ticket.number}")
    pdf.set_author(inspection.inspector_name)
    pdf.set_creator("ALO 153 CTI")
    pdf.add_page()
    _header(pdf)
    _preamble(pdf, inspection)
    _table(pdf, "Başvuru", _request_rows(inspection.ticket, inspection.inspected_at))
    _paragraph(pdf, "Talep", inspection.ticket.description)
    _table(pdf, "Konum", _place_rows(inspection.ticket))
    _table(pdf, "Tespit", _inspection_rows(inspection))
    _paragraph(pdf, "Saha notları", inspection.notes)
    _signatures(pdf, inspection.inspector_name)
    _photos(pdf, inspection.photos)
    return bytes(pdf.output())


def local_time(at: float | None) -> str:
    """`12.03.2026 14:05` in Turkey's time, or a dash."""
    if at is None:
        return _NONE
    return datetime.fromtimestamp(at, ISTANBUL).strftime("%d.%m.%Y %H:%M")


class _Form(FPDF):
    def __init__(self, number: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._number = number
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"{self._number} · {TITLE} · Sayfa {self.page_no()}/{{nb}}",
                  align="C")


def _header(pdf: FPDF) -> None:
    pdf.set_font(FONT, "B", 12)
    for line in HEADER:
        pdf.cell(0, 5.5, line, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 15)
    pdf.cell(0, 8, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)


def _preamble(pdf: FPDF, inspection: Inspection) -> None:
    ticket = inspection.ticket
    # Late only by the facts at the visit: a supervisor may send the team to a ticket on time.
    cause = ("sorumlu birimin süresi içinde işlem yapmaması üzerine"
             if ticket.missed_by(inspection.inspected_at)
             else "ALO 153 Çözüm Merkezi'nin talebi üzerine")
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(
        0, 5,
        f"{ticket.number} numaralı başvuru için {cause}, aşağıda bilgileri yazılı yerde "
        f"{local_time(inspection.inspected_at)} tarihinde saha tespiti yapılmış ve bu tutanak "
        "düzenlenmiştir.",
        new_x=XPos.LMARGIN, new_y=YPos.NEXT,
    )
    pdf.ln(2)


def _table(pdf: FPDF, title: str, rows: Sequence[tuple[str, str]]) -> None:
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    with pdf.table(col_widths=(52, 128), first_row_as_headings=False, line_height=4.5,
                   text_align="LEFT", padding=1) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=_LABEL)
            row.cell(value or _NONE)
    pdf.ln(2)


def _paragraph(pdf: FPDF, title: str, body: str) -> None:
    """A long text (the request, the field notes): a table row cannot run onto the next
    page, a paragraph can."""
    pdf.set_font(FONT, "B", 11)
    pdf.cell(0, 6, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 4.5, body or _NONE, border=1, padding=1, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(2)


def _request_rows(ticket: TaskTicket, inspected_at: float) -> list[tuple[str, str]]:
    missed = ticket.missed_by(inspected_at)
    return [
        ("Kayıt numarası", ticket.number),
        ("Konu", ticket.category.name_tr),
        ("Başvuru tarihi", local_time(ticket.created_at)),
        ("Birime iletildiği tarih", local_time(ticket.forwarded_at)),
        ("Kaçırılan süre",
         f"{_MISSED[missed[0]]}: {local_time(missed[1])}" if missed else _NONE),
        ("Sorumlu birim", _named(ticket.unit)),
    ]


def _place_rows(ticket: TaskTicket) -> list[tuple[str, str]]:
    coordinates = (f"{ticket.latitude:.6f}, {ticket.longitude:.6f}"
                   if ticket.latitude is not None and ticket.longitude is not None else _NONE)
    return [
        ("İlçe", ticket.district.name_tr if ticket.district else _NONE),
        ("Mahalle", ticket.neighbourhood or _NONE),
        ("Adres", ticket.address or _NONE),
        ("Koordinat (enlem, boylam)", coordinates),
    ]


def _inspection_rows(inspection: Inspection) -> list[tuple[str, str]]:
    return [
        ("Saha görevi", str(inspection.task_id)),
        ("Tespit tarihi ve saati", f"{local_time(inspection.inspected_at)} (Türkiye saati)"),
        ("Tespit eden", f"{inspection.inspector_name} ({inspection.inspector_username})"),
        ("Fotoğraf sayısı", str(len(inspection.photos))),
    ]


def _named(named: Named | None) -> str:
    return f"{named.name_tr} ({named.code})" if named else _NONE


def _signatures(pdf: FPDF, inspector: str) -> None:
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(3)
    top = pdf.get_y()
    half = _WIDTH / 2
    columns = (("Tespit Eden", inspector), ("Birim Yetkilisi (Teslim Alan)", ""))
    for index, (role, name) in enumerate(columns):
        x = pdf.l_margin + index * half
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(half, 6, role, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)
        pdf.cell(half, 6, f"Adı Soyadı: {name or '.' * 30}", align="C",
                 new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.ln(8)
        pdf.set_x(x)
        pdf.cell(half, 6, "İmza: " + "." * 30, align="C")


def _photos(pdf: FPDF, photos: Sequence[Photo]) -> None:
    box_w, box_h = _PHOTO_BOX
    for index, photo in enumerate(photos):
        if index % PHOTOS_PER_PAGE == 0:
            pdf.add_page()
            pdf.set_font(FONT, "B", 11)
            pdf.cell(0, 7, "EK: Fotoğraflar", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        top = pdf.get_y()
        pdf.image(io.BytesIO(for_pdf(photo.data)), x=pdf.l_margin, y=top, w=box_w, h=box_h,
                  keep_aspect_ratio=True)
        pdf.set_y(top + box_h + 1)
        pdf.set_font(FONT, "", 8.5)
        caption = f"Fotoğraf {index + 1}: {photo.filename[:80]} · {local_time(photo.taken_at)}"
        pdf.cell(0, 5, caption, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
