"""Settings, read once from the environment into a validated, frozen dataclass."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cti.domain.numbers import normalize_number

REPO_DIR = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """An environment variable holds a value the CTI cannot use."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "cti"
    # The sandbox's secret (asterisk-config/manager.conf). Production sets CTI_AMI_SECRET.
    ami_secret: str = "alo153-sandbox-secret"
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    # Where the sandbox keeps its Debian sid root and runtime files; outside the checkout so
    # that a fresh clone reuses the root built by an earlier one.
    state_dir: Path = Path("/var/cache/alo153")
    asterisk_config: Path = REPO_DIR / "asterisk-config"
    # Numbers refused at the door (abusive or automated callers), in any written form.
    blocklist: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            ami_host=env.get("CTI_AMI_HOST", defaults.ami_host),
            ami_port=_port(env, "CTI_AMI_PORT", defaults.ami_port),
            ami_user=env.get("CTI_AMI_USER", defaults.ami_user),
            ami_secret=env.get("CTI_AMI_SECRET", defaults.ami_secret),
            agi_host=env.get("CTI_AGI_HOST", defaults.agi_host),
            agi_port=_port(env, "CTI_AGI_PORT", defaults.agi_port),
            state_dir=Path(env.get("CTI_STATE_DIR", str(defaults.state_dir))),
            asterisk_config=Path(env.get("CTI_ASTERISK_CONFIG", str(defaults.asterisk_config))),
            blocklist=_numbers(env, "CTI_BLOCKLIST"),
        )


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name} must be a TCP port number, not {raw!r}")
    return int(raw)


def _numbers(env: Mapping[str, str], name: str) -> frozenset[str]:
    numbers = set()
    for raw in env.get(name, "").split(","):
        if raw.strip():
            number = normalize_number(raw)
            if number is None:
                raise ConfigError(f"{name}: {raw.strip()!r} is not a phone number")
            numbers.add(number)
    return frozenset(numbers)
