"""Building the Debian sid root that holds Asterisk 22 (Debian 12 has no asterisk package)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from cti.pbx.mirror import check_mirror, find_mirror
from cti.pbx.processes import mounts_under

BUILT_MARKER = ".alo153-root"
ASTERISK = "usr/sbin/asterisk"


class RootfsError(RuntimeError):
    pass


def is_built(root: Path) -> bool:
    return (root / BUILT_MARKER).is_file() and (root / ASTERISK).is_file()


def build(root: Path, log: Path) -> None:
    """debootstrap a minimal sid with the asterisk package, atomically: a build that fails or
    is interrupted leaves no half root that a later `up` would trust."""
    if shutil.which("debootstrap") is None:
        raise RootfsError("debootstrap is not installed (apt-get install debootstrap)")
    mirror = find_mirror()
    check_mirror(mirror)
    staging = root.with_name(root.name + ".building")
    discard(staging)
    staging.parent.mkdir(parents=True, exist_ok=True)
    command = [
        "debootstrap",
        "--variant=minbase",
        "--include=asterisk",
        "sid",
        str(staging),
        mirror,
    ]
    with log.open("wb") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        discard(staging)
        raise RootfsError(f"debootstrap failed (exit {result.returncode}); see {log}")
    version = subprocess.run(
        ["chroot", str(staging), "/" + ASTERISK, "-V"], capture_output=True, text=True, check=False
    ).stdout.strip()
    (staging / BUILT_MARKER).write_text(f"{version}\nmirror={mirror}\n")
    discard(root)
    staging.rename(root)


def asterisk_version(root: Path) -> str:
    marker = root / BUILT_MARKER
    return marker.read_text().splitlines()[0] if marker.is_file() else ""


def discard(path: Path) -> None:
    """Remove a root, unmounting anything left mounted inside it first."""
    if not path.exists():
        return
    for point in mounts_under(path):
        subprocess.run(["umount", "-l", str(point)], check=False)
    if mounts_under(path):
        raise RootfsError(f"cannot unmount everything under {path}; not removing it")
    shutil.rmtree(path)
