"""The tutanak PDF, read back: its words (Turkish letters intact), its dates in Turkey's time,
its pages, and the photos embedded in it, upright and scaled."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from cti.field.errors import PhotoRefused
from cti.field.photos import PDF_LONG_SIDE, photo_type
from cti.field.tasks import Named, TaskTicket
from cti.field.tutanak import Inspection, Photo, render
from tests.unit.pdf_support import images, page_count, page_text, text

ISTANBUL = ZoneInfo("Europe/Istanbul")


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=ISTANBUL).timestamp()  # type: ignore[arg-type,misc]


def picture(width: int, height: int, kind: str = "JPEG", colour: tuple[int, ...] = (200, 40, 40),
            mode: str = "RGB", exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, (width, height), colour)
    image.save(out, format=kind, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


TICKET = TaskTicket(
    number="153-2026-000123", status="forwarded",
    category=Named("asfalt-cukuru", "Asfalt çukuru", "Pothole"),
    district=Named("seyhan", "Seyhan", "Seyhan"), neighbourhood="Reşatbey",
    address="Atatürk Caddesi No: 12 (ışıklı kavşak)", latitude=36.991234, longitude=35.330456,
    description="Yolda derin çukur var, ağır şişmiş İğne", unit=Named(
        "seyhan-fen-isleri", "Seyhan Fen İşleri Müdürlüğü", "Seyhan Works"),
    created_at=at(2026, 3, 2, 9, 15), forwarded_at=at(2026, 3, 2, 9, 20),
    acknowledged_at=None, ack_due_at=at(2026, 3, 3, 9, 20), resolve_due_at=at(2026, 3, 16, 17),
)


def inspection(photos: list[Photo], notes: str = "Çukur hâlâ açık, üstü örtülmemiş.") -> Inspection:
    return Inspection(task_id=41, ticket=TICKET, inspected_at=at(2026, 3, 12, 15, 5),
                      inspector_name="Şükrü Işıkoğlu", inspector_username="saha1",
                      notes=notes, photos=photos)


def test_the_form_names_the_ticket_the_place_the_dates_and_who_inspected() -> None:
    pdf = render(inspection([Photo("cukur.jpg", picture(320, 240), at(2026, 3, 12, 15))]))
    assert pdf.startswith(b"%PDF-")
    first = page_text(pdf)[0]
    for words in ("T.C.", "ADANA BÜYÜKŞEHİR BELEDİYESİ", "ALO 153 Çözüm Merkezi",
                  "SAHA TESPİT TUTANAĞI", "153-2026-000123", "Asfalt çukuru", "Reşatbey",
                  "Atatürk Caddesi No: 12 (ışıklı kavşak)", "36.991234, 35.330456",
                  "Seyhan Fen İşleri Müdürlüğü", "Şükrü Işıkoğlu (saha1)",
                  "Çukur hâlâ açık, üstü örtülmemiş.", "ağır şişmiş İğne"):
        assert words in first, words
    # Turkey's time, whatever the machine's zone: received, forwarded, the missed deadline.
    assert "02.03.2026 09:15" in first and "02.03.2026 09:20" in first
    assert "Alındı bildirimi süresi: 03.03.2026 09:20" in first
    assert "12.03.2026 15:05 (Türkiye saati)" in first
    assert "İmza" in first and "Birim Yetkilisi (Teslim Alan)" in first


def test_photos_follow_the_form_two_a_page_each_embedded_as_an_image() -> None:
    sizes = [(320, 240), (240, 320), (400, 300)]
    photos = [Photo(f"foto{i}.jpg", picture(w, h, colour=(i * 60, 90, 30)), at(2026, 3, 12, 15))
              for i, (w, h) in enumerate(sizes)]
    pdf = render(inspection(photos))
    assert page_count(pdf) == 1 + 2  # the form, then photos 1-2 and photo 3
    assert sorted((i.width, i.height) for i in images(pdf)) == sorted(sizes)
    assert {i.filter for i in images(pdf)} == {"DCTDecode"}
    pages = page_text(pdf)
    assert "Fotoğraf 1: foto0.jpg" in pages[1] and "Fotoğraf 2: foto1.jpg" in pages[1]
    assert "Fotoğraf 3: foto2.jpg" in pages[2]
    assert all("Sayfa" in page and "/3" in page for page in pages)


def test_png_with_transparency_and_webp_photos_become_jpeg_in_the_pdf() -> None:
    photos = [Photo("a.png", picture(60, 80, "PNG", (0, 0, 200, 100), mode="RGBA"), 0.0),
              Photo("b.webp", picture(90, 50, "WEBP"), 0.0)]
    pdf = render(inspection(photos))
    assert sorted((i.width, i.height, i.filter) for i in images(pdf)) == [
        (60, 80, "DCTDecode"), (90, 50, "DCTDecode")]


def test_a_phone_photo_turned_by_exif_is_embedded_upright_and_scaled_down() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    photo = Photo("telefon.jpg", picture(4000, 3000, exif=exif), 0.0)
    [embedded] = images(render(inspection([photo])))
    assert (embedded.width, embedded.height) == (PDF_LONG_SIDE * 3 // 4, PDF_LONG_SIDE)


def test_long_notes_run_onto_more_pages_and_the_same_visit_renders_the_same_bytes() -> None:
    notes = "Kaldırım taşları sökülmüş; " * 400
    photos = [Photo("a.jpg", picture(32, 24), 0.0)]
    pdf = render(inspection(photos, notes))
    assert page_count(pdf) >= 3
    assert text(pdf).count("Kaldırım taşları sökülmüş;") == 400
    assert render(inspection(photos, notes)) == pdf


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"%PDF-1.4 a document, not a photo", "not_a_photo"),
    (b"GIF89a" + bytes(100), "not_a_photo"),
    (b"\xff\xd8\xff\xe0" + bytes(200), "unreadable"),  # a JPEG's first bytes, then nothing
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024), "too_large"),
])
def test_only_real_photos_are_taken(data: bytes, reason: str) -> None:
    with pytest.raises(PhotoRefused) as refused:
        photo_type(data)
    assert refused.value.reason == reason


def test_a_truncated_jpeg_is_refused_at_the_door() -> None:
    whole = picture(640, 480, colour=(10, 200, 10))
    assert photo_type(whole) == "image/jpeg"
    with pytest.raises(PhotoRefused, match="unreadable"):
        photo_type(whole[: len(whole) // 2])


def test_a_decompression_bomb_is_refused_without_decoding_it() -> None:
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, format="PNG")  # tiny file, 400 megapixels
    assert len(out.getvalue()) < 1024 * 1024
    with pytest.raises(PhotoRefused, match="unreadable"):
        photo_type(out.getvalue())
