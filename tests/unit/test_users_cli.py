"""`cti user …` run in-process against a SQLite file in a temporary data directory."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cti.cli import main
from cti.config import Settings
from cti.domain.roles import Role
from cti.storage.db import create_engine, session_factory
from cti.storage.users import UserStore

PASSWORD = "doğru-parola-153"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("CTI_DATABASE_URL", "CTI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CTI_DATA_DIR", str(tmp_path / "data"))
    yield tmp_path / "data"


def cti(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


def authenticate(username: str, password: str) -> bool:
    async def check() -> bool:
        engine = create_engine(Settings.from_env().database)
        try:
            return await UserStore(session_factory(engine)).authenticate(username, password) \
                is not None
        finally:
            await engine.dispose()

    return asyncio.run(check())


def add_ayse(monkeypatch: pytest.MonkeyPatch) -> int:
    return cti(
        ["user", "add", "ayse", "--name", "Ayşe Yılmaz", "--role", "operator",
         "--role", "supervisor", "--extension", "1001", "--password-stdin"],
        monkeypatch, PASSWORD + "\n",
    )


def test_a_user_added_from_the_command_line_can_sign_in(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert add_ayse(monkeypatch) == 0
    assert capsys.readouterr().out == "added ayse (operator, supervisor, extension 1001)\n"
    assert (data_dir / "cti.sqlite3").exists()  # created and migrated on the way
    assert authenticate("ayse", PASSWORD)
    assert cti(["user", "list"], monkeypatch) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["USERNAME", "ROLES", "EXT", "UNIT", "ACTIVE", "NAME"]
    assert listing[1].split() == ["ayse", "operator,supervisor", "1001", "-", "yes", "Ayşe",
                                  "Yılmaz"]
    assert PASSWORD not in listing


def test_without_stdin_the_password_is_asked_twice(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["user", "add", "ali", "--name", "Ali Kaya", "--role", "feedback-operator"]) == 0
    assert authenticate("ali", PASSWORD)


def test_two_different_passwords_add_nobody(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["user", "add", "ali", "--name", "Ali Kaya", "--role", "operator"]) == 1
    assert capsys.readouterr().err == "cti user add: the two passwords differ\n"
    assert cti(["user", "list"], monkeypatch) == 0
    assert "ali" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ayse", "--name", "Başka", "--role", "operator"], "the username 'ayse' is taken"),
        (["mehmet", "--name", "Mehmet", "--role", "operator", "--extension", "1001"],
         "the extension '1001' already belongs to another user"),
        (["mehmet", "--name", "Mehmet", "--role", "boss"], "unknown role 'boss'"),
        (["Mehmet Demir", "--name", "Mehmet", "--role", "operator"], "a username is 2-64"),
    ],
)
def test_a_refused_add_is_one_clear_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: list[str], message: str,
) -> None:
    assert add_ayse(monkeypatch) == 0
    capsys.readouterr()
    assert cti(["user", "add", *argv, "--password-stdin"], monkeypatch, PASSWORD + "\n") == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cti user add: {message}") and err.count("\n") == 1


def test_a_short_password_is_refused(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["user", "add", "ali", "--name", "Ali", "--role", "operator", "--password-stdin"]
    assert cti(argv, monkeypatch, "kısa\n") == 1
    assert capsys.readouterr().err == "cti user add: a password needs at least 10 characters\n"


def test_passwd_replaces_the_password(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_ayse(monkeypatch)
    assert cti(["user", "passwd", "ayse", "--password-stdin"], monkeypatch,
               "yeni parola 2026\n") == 0
    assert "password set for ayse" in capsys.readouterr().out
    assert authenticate("ayse", "yeni parola 2026") and not authenticate("ayse", PASSWORD)
    assert cti(["user", "passwd", "nobody", "--password-stdin"], monkeypatch,
               "yeni parola 2026\n") == 1
    assert capsys.readouterr().err == "cti user passwd: no user named 'nobody'\n"


def test_a_disabled_user_cannot_sign_in_until_enabled(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_ayse(monkeypatch)
    assert cti(["user", "disable", "ayse"], monkeypatch) == 0
    assert not authenticate("ayse", PASSWORD)
    assert cti(["user", "enable", "ayse"], monkeypatch) == 0
    assert authenticate("ayse", PASSWORD)


def test_every_role_can_be_named_on_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cti", "user", "add", "--help"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0
    help_text = " ".join(result.stdout.split())
    assert all(role.value in help_text for role in Role)
