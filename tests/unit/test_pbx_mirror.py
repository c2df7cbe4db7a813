from pathlib import Path

import pytest

from cti.pbx.mirror import MirrorError, check_mirror, find_mirror

DEB822 = """Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm

Types: deb
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
"""


def test_mirror_is_read_from_deb822_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CTI_DEBIAN_MIRROR", raising=False)
    (tmp_path / "debian.sources").write_text(DEB822)
    assert find_mirror((tmp_path,)) == "http://mirror.example/debian"


def test_mirror_is_read_from_one_line_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CTI_DEBIAN_MIRROR", raising=False)
    listing = tmp_path / "sources.list"
    listing.write_text(
        "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main\n"
    )
    assert find_mirror((listing,)) == "http://one.example/debian"


def test_no_mirror_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CTI_DEBIAN_MIRROR", raising=False)
    with pytest.raises(MirrorError, match="no Debian mirror"):
        find_mirror((tmp_path,))


def test_unreachable_mirror_is_a_clear_error() -> None:
    with pytest.raises(MirrorError, match="cannot reach the Debian mirror"):
        check_mirror("http://127.0.0.1:9/debian", timeout=2)


def test_the_machine_has_a_mirror() -> None:
    assert find_mirror().startswith("http")
