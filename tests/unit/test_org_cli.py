"""`cti org import|export` and `cti leave add|list|remove`, run in-process against a SQLite
file in a temporary data directory."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from cti.cli import main
from cti.config import Settings
from cti.domain.organisation import CSV_COLUMNS, organisation
from cti.storage.db import create_engine, session_factory
from cti.storage.units import StoredUnit, UnitStore

HEADER = ",".join(CSV_COLUMNS) + "\n"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("CTI_DATABASE_URL", "CTI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CTI_DATA_DIR", str(tmp_path / "data"))
    yield tmp_path / "data"


def stored(code: str) -> StoredUnit | None:
    async def get() -> StoredUnit | None:
        engine = create_engine(Settings.from_env().database)
        try:
            return await UnitStore(session_factory(engine)).get(code)
        finally:
            await engine.dispose()

    return asyncio.run(get())


def test_an_export_opens_in_excel_and_imports_back_unchanged(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "birimler.csv"
    assert main(["org", "export", str(file)]) == 0
    assert capsys.readouterr().out == f"wrote {len(organisation().units)} units to {file}\n"
    assert file.read_bytes().startswith(b"\xef\xbb\xbf" + HEADER.encode())
    assert "Büyükşehir" in file.read_text(encoding="utf-8-sig")
    assert main(["org", "import", str(file)]) == 0
    assert capsys.readouterr().out == (
        f"added 0, changed 0 (0 deactivated), unchanged {len(organisation().units)}\n"
    )


def test_an_export_to_standard_output_has_no_byte_order_mark(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["org", "export"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(HEADER)
    assert "\naski,,organisation,ASKİ Genel Müdürlüğü," in out


def test_an_import_from_turkish_excel_adds_a_unit_and_a_dry_run_does_not(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "yeni.csv"
    file.write_bytes(("code;parent;kind;name_tr;name_en;email\r\n"
                      "seyhan-kultur;ilce-seyhan;directorate;Kültür İşleri;Culture;\r\n")
                     .encode("cp1254"))
    assert main(["org", "import", "--dry-run", str(file)]) == 0
    assert capsys.readouterr().out.startswith("dry run, nothing written: would have added 1,")
    assert stored("seyhan-kultur") is None
    assert main(["org", "import", str(file)]) == 0
    found = stored("seyhan-kultur")
    assert found is not None and found.unit.name_tr == "Kültür İşleri"
    assert found.updated_by.startswith("cli")


def test_a_bad_line_is_named_and_nothing_is_written(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "bozuk.csv"
    file.write_text(HEADER + "seyhan-kultur,ilce-seyhan,directorate,Kültür,Culture,,,\n"
                    "seyhan-spor,ilce-seyhan,bolum,Spor,Sports,,,\n", encoding="utf-8")
    assert main(["org", "import", str(file)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cti org import: {file}: line 3: unit 'seyhan-spor': kind 'bolum'")
    assert stored("seyhan-kultur") is None
    file.write_text(HEADER + "seyhan-kultur,ilce-seyhan,directorate," + "K" * 140_000
                    + ",Culture,,,\n", encoding="utf-8")
    assert main(["org", "import", str(file)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cti org import: {file}: line 2: not readable as CSV")
    assert "Traceback" not in err and "KKKK" not in err
    assert main(["org", "import", str(tmp_path / "yok.csv")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_leave_days_are_added_listed_and_removed(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["leave", "add", "2026-05-18", "Genelge 2026/3: idari izin"]) == 0
    assert main(["leave", "add", "2026-05-18", "again"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "added 2026-05-18", "2026-05-18 was already a leave day (kept as it was)"
    ]
    assert main(["leave", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["DATE", "ADDED", "BY", "REASON"]
    assert listing[1].startswith("2026-05-18  cli")
    assert listing[1].endswith("Genelge 2026/3: idari izin")
    assert main(["leave", "remove", "2026-05-18"]) == 0
    assert main(["leave", "remove", "2026-05-18"]) == 1
    assert capsys.readouterr().err == "cti leave remove: 2026-05-18 is not a leave day\n"
    assert main(["leave", "add", "18.05.2026", "x"]) == 1
    assert "not a date (YYYY-MM-DD)" in capsys.readouterr().err
    assert main(["leave", "add", "2026-05-19", "  "]) == 1
    assert "needs a reason" in capsys.readouterr().err
