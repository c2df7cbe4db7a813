"""A field photo judged by its bytes, and made fit for the tutanak.

A phone's photo arrives as JPEG (sometimes PNG or WebP), several megabytes, often turned by
an EXIF tag rather than by its pixels. The upload is checked once: an allowed type by its first
bytes (`accepted_type`), then decoded for real, so a truncated or forged file is refused at
the door rather than breaking the tutanak later. For the PDF each photo is turned upright,
scaled down and re-encoded as JPEG, which also drops its EXIF (the phone's GPS track and
serial number have no business in a letter to the unit).

The tutanak is the only file the unit's e-mail carries, so its size is bounded: each photo in
it stays under PDF_PHOTO_BYTES, stepping quality and then size down when a photo (grainy night
shot, foliage, a forged noise image) does not fit. Ten photos then make a PDF of at most about
4 MB, 5.5 MB as base64: well under the 10 MB beyond which many mail servers refuse a message
(552, which the outbox takes as final).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from cti.domain.tickets.attachments import accepted_type
from cti.domain.tickets.errors import AttachmentRefused
from cti.field.errors import PhotoRefused
from cti.field.tasks import PHOTO_TYPES

# A 50-megapixel phone camera is the largest we expect; beyond that it is a decompression bomb.
MAX_PIXELS = 60_000_000
PDF_LONG_SIDE = 1600  # pixels: sharp on an A4 page at ~230 dpi, a few hundred KB each
PDF_QUALITY = 80
PDF_PHOTO_BYTES = 400_000
# (long side, JPEG quality), tried in turn until the photo fits PDF_PHOTO_BYTES; the last fits
# even pure noise (about 200 KB), so no photo is ever left out.
_PDF_STEPS = ((PDF_LONG_SIDE, PDF_QUALITY), (PDF_LONG_SIDE, 65), (1200, 60), (1000, 50),
              (800, 40))


def photo_type(data: bytes) -> str:
    """The photo's content type; PhotoRefused unless it is a JPEG, PNG or WebP that decodes."""
    try:
        content_type = accepted_type(data)
    except AttachmentRefused as refused:
        reason = "not_a_photo" if refused.reason == "unsupported_type" else refused.reason
        raise PhotoRefused(reason) from None
    if content_type not in PHOTO_TYPES:
        raise PhotoRefused("not_a_photo")
    _decode(data)
    return content_type


def for_pdf(data: bytes) -> bytes:
    """The photo upright, at most PDF_LONG_SIDE pixels long, as a baseline RGB JPEG of at most
    PDF_PHOTO_BYTES (smaller or coarser when it would not fit)."""
    image = ImageOps.exif_transpose(_decode(data))
    image.thumbnail((PDF_LONG_SIDE, PDF_LONG_SIDE))
    if image.mode != "RGB":
        image = _on_white(image)
    encoded = b""
    for long_side, quality in _PDF_STEPS:
        scaled = image.copy()
        scaled.thumbnail((long_side, long_side))
        encoded = _jpeg(scaled, quality)
        if len(encoded) <= PDF_PHOTO_BYTES:
            break
    return encoded


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def _decode(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise PhotoRefused("unreadable")
            image.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused("unreadable") from None
    return image


def _on_white(image: Image.Image) -> Image.Image:
    """An RGB copy; transparent parts (a PNG's, a WebP's) become white, as on paper."""
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background
