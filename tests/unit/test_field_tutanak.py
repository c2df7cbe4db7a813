"""The tutanak PDF, read back: its words (Turkish letters intact), its dates in Turkey's time,
its pages, and the photos embedded in it, upright and scaled."""

from __future__ import annotations

import dataclasses
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageChops, ImageDraw

from cti.field.errors import PhotoRefused
from cti.field.photos import PDF_LONG_SIDE, PDF_PHOTO_BYTES, for_pdf, photo_type
from cti.field.tasks import MAX_PHOTOS, Named, TaskTicket
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


def inspection(photos: list[Photo], notes: str = "Çukur hâlâ açık, üstü örtülmemiş.",
               ticket: TaskTicket = TICKET) -> Inspection:
    return Inspection(task_id=41, ticket=ticket, inspected_at=at(2026, 3, 12, 15, 5),
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
    assert "süresi içinde işlem yapmaması üzerine" in first


@pytest.mark.parametrize("ticket", [
    # A supervisor's visit the day after the forward: no deadline has passed yet.
    dataclasses.replace(TICKET, ack_due_at=at(2026, 3, 13, 9, 20)),
    # Acknowledged in time, resolve deadline still ahead.
    dataclasses.replace(TICKET, status="in_progress", acknowledged_at=at(2026, 3, 2, 10)),
    # Late, but the unit has resolved it since.
    dataclasses.replace(TICKET, status="resolved", acknowledged_at=at(2026, 3, 5, 10)),
], ids=["ack-ahead", "resolve-ahead", "resolved"])
def test_a_visit_to_a_ticket_not_late_says_no_deadline_was_missed(ticket: TaskTicket) -> None:
    first = page_text(render(inspection([Photo("a.jpg", picture(32, 24), 0.0)],
                                        ticket=ticket)))[0]
    assert "ALO 153 Çözüm Merkezi'nin talebi üzerine" in first
    assert "işlem yapmaması" not in first and "süresi:" not in first
    assert "Kaçırılan süre" in first  # the row stays, with a dash


def test_the_resolve_deadline_is_the_missed_one_once_acknowledged() -> None:
    late = dataclasses.replace(TICKET, status="in_progress", acknowledged_at=at(2026, 3, 2, 10),
                               resolve_due_at=at(2026, 3, 10, 17))
    first = page_text(render(inspection([Photo("a.jpg", picture(32, 24), 0.0)],
                                        ticket=late)))[0]
    assert "Çözüm süresi: 10.03.2026 17:00" in first
    assert "süresi içinde işlem yapmaması üzerine" in first


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


def phone_photos(count: int) -> list[bytes]:
    """`count` different 12-megapixel JPEGs as a phone saves them: a scene (sky to ground,
    shapes) under heavy sensor noise, some 8.5 MB each, close to the 10 MB upload limit. Noise
    is what JPEG compresses worst; each photo shifts it so no two are alike."""
    width, height = 4000, 3000
    noise = Image.merge("RGB", [Image.effect_noise((width, height), 48) for _ in range(3)])
    scene = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(scene)
    for i in range(30):
        x, y = (i * 397) % width, (i * 211) % height
        draw.ellipse((x, y, x + 500, y + 300), fill=(i * 37 % 256, i * 91 % 256, i * 13 % 256))
    photos = []
    for n in range(count):
        shot = ImageChops.add(scene, ImageChops.offset(noise, n * 37, n * 11), offset=-128)
        out = io.BytesIO()
        shot.save(out, format="JPEG", quality=90)
        photos.append(out.getvalue())
    return photos


def test_ten_large_noisy_phone_photos_make_a_tutanak_a_mail_server_takes() -> None:
    photos = phone_photos(MAX_PHOTOS)
    assert min(len(p) for p in photos) > 8_000_000
    pdf = render(inspection([Photo(f"{n}.jpg", data, 0.0) for n, data in enumerate(photos)]))
    # Measured: 2.8 MB (3.7 MB as base64) from 85 MB of photos. The bound holds whatever
    # the photos: each at most PDF_PHOTO_BYTES, plus the form and its fonts.
    assert len(pdf) < MAX_PHOTOS * PDF_PHOTO_BYTES + 200_000 < 4_500_000
    assert len(images(pdf)) == MAX_PHOTOS and page_count(pdf) == 1 + MAX_PHOTOS // 2


def test_a_photo_too_grainy_for_its_share_of_the_tutanak_is_made_smaller() -> None:
    noise = Image.merge("RGB", [Image.effect_noise((1600, 1200), 128) for _ in range(3)])
    out = io.BytesIO()
    noise.save(out, format="PNG")  # pure noise: the worst a photo can be for JPEG
    embedded = for_pdf(out.getvalue())
    assert len(embedded) <= PDF_PHOTO_BYTES
    with Image.open(io.BytesIO(embedded)) as image:
        assert image.format == "JPEG" and max(image.size) < PDF_LONG_SIDE


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
