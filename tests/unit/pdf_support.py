"""Reading back the PDFs the CTI writes (the tutanak): pages, page text, embedded images.

No PDF library is a dependency, so this reads what fpdf2 writes and no more: numbered objects,
streams sized by /Length (Flate-compressed or not), pages whose text is drawn with Tj/TJ in
two-byte glyph codes of embedded fonts, decoded through each font's /ToUnicode map. Only the
pages' drawn text counts: the document's metadata (title, author) does not.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

_OBJECT = re.compile(rb"(?m)^(\d+) 0 obj\s*")
_LENGTH = re.compile(rb"/Length (\d+)")
_REF = re.compile(rb"/(\w+) (\d+) 0 R")
_TOKEN = re.compile(rb"/(F\d+) [\d.]+ Tf|\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]*>|\bET\b", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


@dataclass(frozen=True)
class PdfObject:
    head: bytes  # the dictionary (or value) before any stream
    stream: bytes | None  # decompressed


@dataclass(frozen=True)
class PdfImage:
    width: int
    height: int
    filter: str  # DCTDecode for a JPEG


def objects(pdf: bytes) -> dict[int, PdfObject]:
    found: dict[int, PdfObject] = {}
    for match in _OBJECT.finditer(pdf):
        start = match.end()
        marker = pdf.find(b"stream", start)
        end = pdf.find(b"endobj", start)
        if marker == -1 or marker > end:
            found[int(match[1])] = PdfObject(pdf[start:end], None)
            continue
        head = pdf[start:marker]
        length = _LENGTH.search(head)
        assert length is not None, "a stream without /Length"
        begin = marker + len(b"stream") + (2 if pdf[marker + 6:marker + 8] == b"\r\n" else 1)
        data = pdf[begin:begin + int(length[1])]
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        found[int(match[1])] = PdfObject(head, data)
    return found


def page_count(pdf: bytes) -> int:
    return sum(1 for o in objects(pdf).values() if re.search(rb"/Type /Page\b(?!s)", o.head))


def images(pdf: bytes) -> list[PdfImage]:
    found = []
    for obj in objects(pdf).values():
        if b"/Subtype /Image" in obj.head:
            width = re.search(rb"/Width (\d+)", obj.head)
            height = re.search(rb"/Height (\d+)", obj.head)
            kind = re.search(rb"/Filter /(\w+)", obj.head)
            assert width and height
            found.append(PdfImage(int(width[1]), int(height[1]),
                                  kind[1].decode() if kind else ""))
    return found


def page_text(pdf: bytes) -> list[str]:
    """Each page's drawn text, one line per text object (BT … ET)."""
    table = objects(pdf)
    fonts = _fonts(table)
    pages = [o for o in table.values() if re.search(rb"/Type /Page\b(?!s)", o.head)]
    texts = []
    for page in pages:
        contents = re.search(rb"/Contents (\d+) 0 R", page.head)
        assert contents is not None
        stream = table[int(contents[1])].stream or b""
        texts.append(_draw(stream, fonts))
    return texts


def text(pdf: bytes) -> str:
    return "\n".join(page_text(pdf))


def _fonts(table: dict[int, PdfObject]) -> dict[str, dict[int, str]]:
    """Font resource names (F1, F2) and their glyph-code-to-text maps."""
    maps: dict[str, dict[int, str]] = {}
    for obj in table.values():
        font_dict = re.search(rb"/Font\s*<<(.*?)>>", obj.head, re.S)
        if font_dict is None:
            continue
        for name, number in _REF.findall(font_dict[1]):
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", table[int(number)].head)
            assert to_unicode is not None, "a font without /ToUnicode"
            maps[name.decode()] = _cmap(table[int(to_unicode[1])].stream or b"")
    return maps


def _cmap(stream: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for kind, section in re.findall(rb"beginbf(char|range)(.*?)endbf\1", stream, re.S):
        hexes: list[bytes] = re.findall(rb"<([0-9A-Fa-f]+)>", section)
        if kind == b"char":  # pairs: a code, the text it stands for (UTF-16BE)
            for code, target in zip(hexes[::2], hexes[1::2], strict=True):
                mapping[int(code, 16)] = bytes.fromhex(target.decode()).decode("utf-16-be")
            continue
        numbers = [int(h, 16) for h in hexes]  # triples: first..last map to base, base+1, …
        for first, last, base in zip(numbers[::3], numbers[1::3], numbers[2::3], strict=True):
            for offset, glyph in enumerate(range(first, last + 1)):
                mapping[glyph] = chr(base + offset)
    return mapping


def _draw(stream: bytes, fonts: dict[str, dict[int, str]]) -> str:
    out: list[str] = []
    font: dict[int, str] = {}
    for token in _TOKEN.finditer(stream):
        raw = token[0]
        if token[1] is not None:
            font = fonts[token[1].decode()]
        elif raw == b"ET":
            out.append("\n")
        else:
            codes = bytes.fromhex(raw[1:-1].decode()) if raw[:1] == b"<" else _literal(raw)
            out.extend(font.get(int.from_bytes(codes[i:i + 2], "big"), "\ufffd")
                       for i in range(0, len(codes) - 1, 2))
    return re.sub(r"\n+", "\n", "".join(out)).strip()


def _literal(raw: bytes) -> bytes:
    body, out, i = raw[1:-1], bytearray(), 0
    while i < len(body):
        byte = body[i:i + 1]
        if byte != b"\\":
            out += byte
            i += 1
            continue
        following = body[i + 1:i + 2]
        octal = re.match(rb"[0-7]{1,3}", body[i + 1:i + 4])
        if octal:
            out.append(int(octal[0], 8) & 0xFF)
            i += 1 + len(octal[0])
        elif following in (b"\n", b"\r"):  # a line continuation
            i += 2
        else:
            out += _ESCAPES.get(following, following)
            i += 2
    return bytes(out)
