"""Settings: read once at start from CTI_* environment variables and an optional TOML file
(CTI_CONFIG, or `cti serve --config`), validated into a frozen dataclass.

The environment wins over the file. Keys in the file are the field names below
(`ami_secret = "…"`); an unknown key or a bad value stops the start with one clear line.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from cti.domain import notices
from cti.domain.notices import CitizenNotices
from cti.domain.numbers import normalize_number
from dialer import config as dialer
from dialer.hours import CallingHours

REPO_DIR = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting holds a value the CTI cannot use."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "cti"
    # The sandbox's secret (asterisk-config/manager.conf). Production sets CTI_AMI_SECRET.
    ami_secret: str = "alo153-sandbox-secret"
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # Where the CTI keeps its own data (the SQLite call log unless CTI_DATABASE_URL is set).
    data_dir: Path = Path("/var/lib/alo153")
    database_url: str = ""
    redis_url: str = ""
    # Asterisk's logs (queue_log, cdr-custom/): the record the call log is reconciled against.
    asterisk_log_dir: Path = Path("/var/log/asterisk")
    reconcile_interval: float = 60.0
    # Where the sandbox keeps its Debian sid root and runtime files; outside the checkout so
    # that a fresh clone reuses the root built by an earlier one.
    state_dir: Path = Path("/var/cache/alo153")
    asterisk_config: Path = REPO_DIR / "asterisk-config"
    # Numbers refused at the door (abusive or automated callers), in any written form.
    blocklist: frozenset[str] = frozenset()
    # After-call work per queue, seconds: the operator is paused until they give the call a
    # disposition code, or this runs out (`queue=seconds,…`; other queues get 30 s).
    wrapup: Mapping[str, float] = field(
        default_factory=lambda: {"alo153": 30.0, "alo153-feedback": 20.0})
    # The console is served over HTTPS (directly or behind a proxy): the session cookie is
    # marked Secure and a browser's Origin must be https://.
    secure_cookies: bool = False
    # How often late tickets are looked for and climb the escalation ladder, seconds.
    escalation_interval: float = 60.0
    # Which channels' citizens get an SMS when their request is forwarded and when it is
    # resolved (`phone=forwarded+resolved,whatsapp=all,x=none`; "" turns them all off).
    citizen_sms: CitizenNotices = field(default_factory=lambda: notices.DEFAULT)
    # The outbox's e-mail server. Without a host e-mails wait in the outbox (none is lost).
    # smtp_tls: none, starttls (usually port 587) or tls (implicit TLS, usually port 465).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_tls: str = "starttls"
    # The outbox's SMS: Netgsm's REST v2 API at this base URL, with the API user, its password
    # and the approved sender name (msgheader). Without a URL SMS wait in the outbox.
    sms_url: str = ""
    sms_user: str = ""
    sms_password: str = ""
    sms_header: str = ""
    # The feedback dialer (dialer/config.py reads each): progressive, preview or off; calling
    # hours per weekday, Europe/Istanbul, none on public holidays ("mon-fri=09:00-20:00,…");
    # calls per callback at most, and the wait after each ("30m,2h": the last one repeats);
    # the caller id citizens see; seconds a citizen's phone rings; calls in flight at most.
    dialer_mode: dialer.DialerMode = dialer.DialerMode.PROGRESSIVE
    dialer_hours: CallingHours = field(default_factory=dialer.default_hours)
    dialer_max_attempts: int = 3
    dialer_spacing: tuple[float, ...] = dialer.DEFAULT_SPACING
    dialer_caller_id: str = dialer.DEFAULT_CALLER_ID
    dialer_ring_seconds: float = 30.0
    dialer_max_lines: int = 20
    # After the operator leaves a feedback call, the citizen may rate it 1-5 on the keypad
    # (FastAGI `survey`): on or off; the centre's recorded question (a beep follows it) and
    # thanks, as absolute paths or names under Asterisk's sounds directory, no extension.
    dialer_survey: bool = True
    dialer_survey_prompt: str = dialer.DEFAULT_SURVEY_PROMPT
    dialer_survey_thanks: str = dialer.DEFAULT_SURVEY_THANKS
    # `cti serve` runs the feedback dialer; false when `cti dialer` runs it as its own process
    # (never both: each would count the same free operators).
    dialer_in_serve: bool = True

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'cti.sqlite3'}"

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, config_file: Path | None = None
    ) -> Settings:
        env = os.environ if env is None else env
        path = config_file or (Path(env["CTI_CONFIG"]) if env.get("CTI_CONFIG") else None)
        values = {**(_read_toml(path) if path else {}), **_from_environment(env)}
        converted: dict[str, Any] = {name: _value(name, raw) for name, raw in values.items()}
        return cls(**converted)


_TYPES = {f.name: f.type for f in fields(Settings)}


def _from_environment(env: Mapping[str, str]) -> dict[str, str]:
    return {name: env[f"CTI_{name.upper()}"] for name in _TYPES if f"CTI_{name.upper()}" in env}


def _read_toml(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read the configuration file {path}: {error}") from error
    unknown = sorted(set(data) - set(_TYPES))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    return {name: _flat(value) for name, value in data.items()}


def _flat(value: object) -> str:
    """TOML lists and tables in the environment's comma-separated form."""
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _convert(name: str, raw: str) -> object:
    kind = _TYPES[name]
    if name.endswith("_port"):
        return _port(name, raw)
    if kind in ("int", "float"):
        return _number(name, raw)
    if kind == "Path":
        return Path(raw)
    if name == "blocklist":
        return _numbers(name, raw)
    if name == "wrapup":
        return _durations(name, raw)
    if name == "citizen_sms":
        try:
            return notices.parse(raw)
        except ValueError as error:
            raise ConfigError(f"CTI_CITIZEN_SMS: {error}") from None
    if kind == "bool":
        return _flag(name, raw)
    if name in _CHOICES:
        return _choice(name, raw)
    return raw


_CHOICES = {"smtp_tls": ("none", "starttls", "tls")}


def _value(name: str, raw: str) -> object:
    """The dialer reads its own settings (dialer/config.py); `_convert` reads the others."""
    if name not in dialer.PARSERS:
        return _convert(name, raw)
    try:
        return dialer.PARSERS[name](raw)
    except ValueError as error:
        raise ConfigError(f"CTI_{name.upper()}: {error}") from None


def _choice(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in _CHOICES[name]:
        raise ConfigError(f"CTI_{name.upper()} must be one of {', '.join(_CHOICES[name])}, "
                          f"not {raw!r}")
    return value


def _flag(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise ConfigError(f"CTI_{name.upper()} must be true or false, not {raw!r}")
    return value in ("1", "true", "yes", "on")


def _port(name: str, raw: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"CTI_{name.upper()} must be a TCP port number, not {raw!r}")
    return int(raw)


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"CTI_{name.upper()} must be a positive number, not {raw!r}")
    return value


def _numbers(name: str, raw: str) -> frozenset[str]:
    numbers = set()
    for item in raw.split(","):
        if item.strip():
            number = normalize_number(item)
            if number is None:
                raise ConfigError(f"CTI_{name.upper()}: {item.strip()!r} is not a phone number")
            numbers.add(number)
    return frozenset(numbers)


def _durations(name: str, raw: str) -> dict[str, float]:
    durations = {}
    for item in raw.split(","):
        queue, sep, seconds = item.strip().partition("=")
        if not item.strip():
            continue
        if not sep or not queue.strip():
            raise ConfigError(f"CTI_{name.upper()}: {item.strip()!r} is not queue=seconds")
        value = _number(name, seconds.strip())
        durations[queue.strip()] = value
    return durations
