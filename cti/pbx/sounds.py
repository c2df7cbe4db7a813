"""Hold music for the sandbox: a soft two-note chime, generated as 8 kHz mu-law.

Debian's minimal Asterisk has no music on hold, and queued callers would hear silence. ulaw is
what the trunks speak, so Asterisk plays it without transcoding.
"""

from __future__ import annotations

import math
from pathlib import Path

RATE = 8000
# (frequency Hz, seconds): a gentle rising pair, then a rest.
PATTERN = ((523.25, 0.45), (659.25, 0.6), (0.0, 2.2))
LEVEL = 0.25


def ulaw_byte(sample: int) -> int:
    """G.711 mu-law encoding of one 16-bit linear sample."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), clip) + bias
    exponent = max(magnitude.bit_length() - 8, 0)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def chime(repeats: int = 4) -> bytes:
    out = bytearray()
    for _ in range(repeats):
        for freq, seconds in PATTERN:
            count = int(RATE * seconds)
            for n in range(count):
                fade = min(1.0, (count - n) / (RATE * 0.3))  # soft release, no click
                value = LEVEL * fade * math.sin(2 * math.pi * freq * n / RATE) if freq else 0.0
                out.append(ulaw_byte(int(value * 32767)))
    return bytes(out)


def write_hold_music(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "alo153-chime.ulaw"
    if not target.exists():
        target.write_bytes(chime())
    return target
