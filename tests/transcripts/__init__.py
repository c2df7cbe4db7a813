"""Recorded AMI sessions, as the bytes a reader gets after the banner line."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def session_bytes(name: str) -> bytes:
    """The session `name` (e.g. "queue-answered", "variants/queue-abandoned.eventfilter-
    whitelist") without its banner line, which is not a frame."""
    raw = (HERE / f"{name}.ami").read_bytes()
    return raw.split(b"\r\n", 1)[1]


def names(pattern: str) -> list[str]:
    """Session names matching a glob, relative to this folder, without `.ami`."""
    return sorted(str(p.relative_to(HERE).with_suffix("")) for p in HERE.glob(f"{pattern}.ami"))
