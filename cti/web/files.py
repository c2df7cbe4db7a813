"""Files over HTTP: an upload read no further than its limit allows, and a download that a
browser saves rather than renders.

A multipart body's first part must be named `file`; anything else is a clear 400, and a body
past its limit is refused as soon as the limit is passed, not after reading it all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote, unquote

from aiohttp import BodyPartReader, web

from cti.domain.tickets.attachments import Attachment
from cti.web.errors import invalid_parameter
from cti.web.json_body import INVALID_BODY

CHUNK = 64 * 1024
# A multipart body's boundaries and headers around its file.
MULTIPART_OVERHEAD = 64 * 1024


async def uploaded_file(
    request: web.Request, limit: int, too_large: Exception
) -> tuple[str | None, bytes]:
    """The multipart body's `file` part: its name as sent and its bytes; `too_large` past
    `limit` bytes."""
    if (request.content_length or 0) > limit + MULTIPART_OVERHEAD:
        raise too_large
    if not request.content_type.startswith("multipart/"):
        raise INVALID_BODY
    part = await file_part(request)
    return sent_filename(part.filename), await read_limited(part_chunks(part), limit, too_large)


async def file_part(request: web.Request) -> BodyPartReader:
    """The multipart body's first part, which must be named `file`."""
    try:
        reader = await request.multipart()
        part = await reader.next()
    except (ValueError, AssertionError):
        raise INVALID_BODY from None
    if not isinstance(part, BodyPartReader) or part.name != "file":
        raise invalid_parameter("file")
    return part


async def part_chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    while chunk := await part.read_chunk(CHUNK):
        yield chunk


async def read_limited(chunks: AsyncIterator[bytes], limit: int, too_large: Exception) -> bytes:
    data = bytearray()
    async for chunk in chunks:
        data += chunk
        if len(data) > limit:
            raise too_large
    return bytes(data)


def sent_filename(sent: str | None) -> str | None:
    # Browsers send a file name as UTF-8; some clients (aiohttp's among them) percent-encode it.
    if sent is None or not sent.isascii() or "%" not in sent:
        return sent
    try:
        return unquote(sent, errors="strict")
    except UnicodeDecodeError:
        return sent


def download_headers(attachment: Attachment) -> dict[str, str]:
    # A download, never a page: the browser saves it rather than rendering it here, does not
    # guess another type, and a PDF opened anyway runs without scripts (sandbox).
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in attachment.filename)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''" + quote(
        attachment.filename, safe=""
    )
    return {
        "Content-Disposition": disposition,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
