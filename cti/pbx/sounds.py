"""Sounds for the sandbox, generated as 8 kHz mu-law: hold music and a greeting signature.

Debian's minimal Asterisk has no music on hold, and queued callers would hear silence; the
centre records its own Turkish greeting, which the sandbox stands in for with a short jingle so
that calls really pass through a greeting (and a citizen can hang up during it). ulaw is what
the trunks speak, so Asterisk plays it without transcoding.
"""

from __future__ import annotations

import math
from pathlib import Path

RATE = 8000
# (frequency Hz, seconds): a gentle rising pair, then a rest.
PATTERN = ((523.25, 0.45), (659.25, 0.6), (0.0, 2.2))
# The greeting stand-in: three rising notes, 1.5 s in all.
GREETING = ((587.33, 0.4), (739.99, 0.4), (880.0, 0.7))
LEVEL = 0.25


def ulaw_byte(sample: int) -> int:
    """G.711 mu-law encoding of one 16-bit linear sample."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), clip) + bias
    exponent = max(magnitude.bit_length() - 8, 0)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def chime(repeats: int = 4, pattern: tuple[tuple[float, float], ...] = PATTERN) -> bytes:
    out = bytearray()
    for _ in range(repeats):
        for freq, seconds in pattern:
            count = int(RATE * seconds)
            for n in range(count):
                fade = min(1.0, (count - n) / (RATE * 0.3))  # soft release, no click
                value = LEVEL * fade * math.sin(2 * math.pi * freq * n / RATE) if freq else 0.0
                out.append(ulaw_byte(int(value * 32767)))
    return bytes(out)


def write_hold_music(directory: Path) -> Path:
    return _write(directory / "alo153-chime.ulaw", chime())


def write_greeting(prompts: Path) -> Path:
    """`welcome.ulaw`, played by the dialplan before the queue (extensions.conf)."""
    return _write(prompts / "welcome.ulaw", chime(1, GREETING))


def _write(target: Path, audio: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(audio)
    return target
