"""A field photo judged by its bytes, and made fit for the tutanak.

A phone's photo arrives as JPEG (sometimes PNG or WebP), several megabytes, often turned by
an EXIF tag rather than by its pixels. The upload is checked once: an allowed type by its first
bytes (`accepted_type`), then decoded for real, so a truncated or forged file is refused at
the door rather than breaking the tutanak later. For the PDF each photo is turned upright,
scaled down and re-encoded as JPEG, which also drops its EXIF (the phone's GPS track and
serial number have no business in a letter to the unit).
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
    """The photo upright, at most PDF_LONG_SIDE pixels long, as a baseline RGB JPEG."""
    image = _decode(data)
    image = ImageOps.exif_transpose(image)
    image.thumbnail((PDF_LONG_SIDE, PDF_LONG_SIDE))
    if image.mode != "RGB":
        image = _on_white(image)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=PDF_QUALITY)
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
