"""`cti pbx up` fails with one clear line when it cannot work."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cti.cli import main

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="checks the root-only paths")


def cti(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cti", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd="/",
    )


def base_env(state: Path) -> dict[str, str]:
    repo = str(Path(__file__).resolve().parents[2])
    return {"PATH": os.environ["PATH"], "CTI_STATE_DIR": str(state), "PYTHONPATH": repo}


@pytest.mark.parametrize("action", ["up", "down"])
def test_up_and_down_as_non_root_say_so(
    action: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert main(["pbx", action]) == 1
    assert capsys.readouterr().err == (
        f"cti pbx {action}: must run as root (debootstrap, chroot and mount need it)\n"
    )


def test_up_without_debootstrap_says_so(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    chroot = shutil.which("chroot")
    assert chroot is not None
    (bin_dir / "chroot").symlink_to(chroot)
    env = {**base_env(tmp_path / "state"), "PATH": str(bin_dir)}
    result = cti("pbx", "up", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "cti pbx up: debootstrap is not installed (apt-get install debootstrap)"
    )


def test_up_with_an_unreachable_mirror_says_so(tmp_path: Path) -> None:
    env = {**base_env(tmp_path / "state"), "CTI_DEBIAN_MIRROR": "http://127.0.0.1:9/debian"}
    result = cti("pbx", "up", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("cti pbx up: cannot reach the Debian mirror http://127.0.0.1:9/debian")


def test_status_of_a_never_built_sandbox(tmp_path: Path) -> None:
    result = cti("pbx", "status", env=base_env(tmp_path / "state"))
    assert result.returncode == 3
    assert "root: not built" in result.stdout
