"""Attachment bytes on disk, named by their SHA-256: `<dir>/ab/abcdef…` (the first two hex
digits fan the files out over 256 directories). The same file attached twice is stored once.

Files are written whole (a temporary file, then a rename) before the database row that names
them is committed: a crash between the two leaves an unnamed file, never a row without bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")


class AttachmentFiles:
    def __init__(self, directory: Path) -> None:
        self._directory = directory

    async def put(self, data: bytes) -> str:
        """Store `data`; its SHA-256 (hex), which names it."""
        return await asyncio.to_thread(self._put, data)

    async def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`; FileNotFoundError if they are not there."""
        return await asyncio.to_thread(self.path(sha256).read_bytes)

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError("not a SHA-256")
        return self._directory / sha256[:2] / sha256

    def _put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest
