"""Installing asterisk-config/ (and the sandbox overlay) into the sid root."""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

from cti.pbx.sounds import write_greeting, write_hold_music

# Operator 1001's SIPp softphone listens on 127.0.0.1:5101, 1010's on 5110, and so on.
OPERATOR_PORT_BASE = 5100
_OPERATOR_AOR = re.compile(r"^\[(\d{4})\]\(operator-aor\)\s*$", re.MULTILINE)

# Directories Asterisk writes to, owned by the asterisk user (it runs with -U asterisk).
WRITABLE = (
    "var/run/asterisk",
    "var/log/asterisk",
    "var/log/asterisk/cdr-csv",
    "var/log/asterisk/cdr-custom",
    "var/log/asterisk/cel-custom",
    "var/lib/asterisk",
    "var/spool/asterisk",
)
STATE_FILES = ("var/lib/asterisk/astdb.sqlite3",)
LOG_DIRS = ("var/log/asterisk",)


def operator_port(extension: str) -> int:
    return OPERATOR_PORT_BASE + int(extension) - 1000


def with_sandbox_contacts(operators_conf: str) -> str:
    """Give every operator AOR a static contact at its SIPp softphone's port.

    Production softphones register; SIPp servers cannot, so the sandbox points each AOR at one.
    """

    def add_contact(match: re.Match[str]) -> str:
        ext = match.group(1)
        # No qualify: SIPp answers calls, not OPTIONS pings, and a static contact that failed
        # its ping would make the queue skip a perfectly good softphone.
        contact = f"sip:{ext}@127.0.0.1:{operator_port(ext)}"
        return f"{match.group(0)}\ncontact = {contact}\nqualify_frequency = 0"

    return _OPERATOR_AOR.sub(add_contact, operators_conf)


def install_config(root: Path, config_dir: Path) -> None:
    etc = root / "etc/asterisk"
    stock = root / "etc/asterisk.dist"
    if etc.exists() and not stock.exists():
        etc.rename(stock)  # keep Debian's samples for reference, out of Asterisk's way
    if etc.exists():
        shutil.rmtree(etc)
    etc.mkdir(parents=True)
    for conf in sorted(config_dir.glob("*.conf")):
        shutil.copy2(conf, etc / conf.name)
    for conf in sorted((config_dir / "sandbox").glob("*.conf")):
        shutil.copy2(conf, etc / conf.name)
    operators = etc / "pjsip_operators.conf"
    operators.write_text(with_sandbox_contacts(operators.read_text(encoding="utf-8")), "utf-8")


def write_hosts(root: Path) -> None:
    """Resolve this machine's name inside the root without DNS.

    For each call's RTCP address Asterisk looks up its own hostname, then A.ROOT-SERVERS.NET
    if that fails: with the name in /etc/hosts no query ever leaves the machine.
    """
    name = socket.gethostname()
    (root / "etc/hosts").write_text(f"127.0.0.1\tlocalhost {name}\n::1\tlocalhost ip6-localhost\n")


def prepare_dirs(root: Path, *, fresh: bool) -> None:
    """Create what the Debian package does not, and hand Asterisk its writable dirs.

    A root in which Asterisk once ran as root has root-owned logs that block a later start
    as the asterisk user, so ownership is set on every start.
    """
    if fresh:
        _clear_state(root)
    uid, gid = _asterisk_ids(root)
    for rel in WRITABLE:
        (root / rel).mkdir(parents=True, exist_ok=True)
    write_hold_music(root / "var/lib/asterisk/moh/alo153")
    write_greeting(root / "var/lib/asterisk/sounds/alo153")
    for rel in WRITABLE:
        _chown_tree(root / rel, uid, gid)


def _clear_state(root: Path) -> None:
    for rel in STATE_FILES:
        (root / rel).unlink(missing_ok=True)
    for rel in LOG_DIRS:
        if (root / rel).exists():
            shutil.rmtree(root / rel)


def _asterisk_ids(root: Path) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == "asterisk":
            return int(fields[2]), int(fields[3])
    raise RuntimeError("the sid root has no asterisk user")


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid, follow_symlinks=False)
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)
