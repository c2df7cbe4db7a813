"""Which Debian mirror to build the sid root from: the machine's own, read from apt sources.

The repository never names a mirror host; whatever this machine's apt uses is used.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from pathlib import Path

APT_SOURCES = (Path("/etc/apt/sources.list.d"), Path("/etc/apt/sources.list"))


class MirrorError(RuntimeError):
    pass


def find_mirror(paths: tuple[Path, ...] = APT_SOURCES) -> str:
    """CTI_DEBIAN_MIRROR if set, else the first non-security Debian URI in the apt sources."""
    override = os.environ.get("CTI_DEBIAN_MIRROR")
    if override:
        return override.rstrip("/")
    for path in _source_files(paths):
        text = path.read_text(encoding="utf-8", errors="replace")
        uris = _deb822_uris(text) if path.suffix == ".sources" else _one_line_uris(text)
        for uri in uris:
            if "security" not in uri and uri.startswith(("http://", "https://")):
                return uri.rstrip("/")
    raise MirrorError("no Debian mirror in /etc/apt/sources.list(.d): cannot build the sid root")


def check_mirror(uri: str, timeout: float = 15.0) -> None:
    """Fail fast, with one clear line, when the mirror cannot serve sid."""
    url = f"{uri}/dists/sid/Release"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            reply.read(64)
    except (urllib.error.URLError, OSError) as error:
        raise MirrorError(f"cannot reach the Debian mirror {uri} ({error})") from error


def _source_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".sources", ".list"))
        elif path.is_file():
            files.append(path)
    return files


def _deb822_uris(text: str) -> list[str]:
    uris: list[str] = []
    for stanza in text.split("\n\n"):
        fields = dict(_fields(stanza))
        if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes") != "no":
            uris += fields.get("uris", "").split()
    return uris


def _fields(stanza: str) -> list[tuple[str, str]]:
    pairs = []
    for line in stanza.splitlines():
        if line.startswith("#") or ":" not in line:
            continue
        key, _, value = line.partition(":")
        pairs.append((key.strip().lower(), value.strip()))
    return pairs


def _one_line_uris(text: str) -> list[str]:
    uris = []
    for line in text.splitlines():
        # `deb [arch=amd64 signed-by=…] URI suite components`
        words = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0]).split()
        if words[:1] == ["deb"] and len(words) > 1:
            uris.append(words[1])
    return uris
