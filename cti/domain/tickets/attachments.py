"""What may be attached to a ticket: photos and PDFs up to 10 MB, judged by their bytes.

The type a browser declares is the file name's guess; the first bytes are the file's own
word. Only types a browser shows without running anything are accepted, and they are served
back as downloads (`Content-Disposition: attachment`, `nosniff`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cti.domain.tickets.errors import AttachmentRefused

MAX_BYTES = 10 * 1024 * 1024
MAX_FILENAME = 255
ALLOWED_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


@dataclass(frozen=True)
class Attachment:
    id: int
    filename: str
    content_type: str  # one of ALLOWED_TYPES, as the bytes said
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: float


def sniff(data: bytes) -> str | None:
    """The allowed type these bytes are, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def accepted_type(data: bytes) -> str:
    """The type of an acceptable file; AttachmentRefused for an empty, large or other file."""
    if not data:
        raise AttachmentRefused("empty")
    if len(data) > MAX_BYTES:
        raise AttachmentRefused("too_large")
    found = sniff(data)
    if found is None:
        raise AttachmentRefused("unsupported_type")
    return found


def clean_filename(name: str | None) -> str:
    """The last path component, without control or reserved characters, at most 255 long."""
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    return cleaned[:MAX_FILENAME] or "ek"
