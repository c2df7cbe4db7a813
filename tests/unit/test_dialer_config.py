"""The dialer's settings: read with the CTI's own (CTI_DIALER_* or the TOML file), refused in
one clear line, and the spacing between attempts moved into calling hours."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from cti.config import ConfigError, Settings
from cti.domain.calendar import ISTANBUL
from dialer.config import DialerConfig, DialerMode
from dialer.hours import CallingHours


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ISTANBUL).timestamp()


def local(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, ISTANBUL).strftime("%Y-%m-%d %H:%M")


def test_the_defaults_are_a_working_day_three_tries_half_an_hour_then_two_hours_apart() -> None:
    config = DialerConfig.from_settings(Settings.from_env({}))
    assert config == DialerConfig()
    assert config.mode is DialerMode.PROGRESSIVE
    assert config.hours == CallingHours.parse("mon-fri=09:00-20:00,sat=10:00-18:00")
    assert (config.max_attempts, config.spacing) == (3, (1800.0, 7200.0))
    assert (config.caller_id, config.ring_seconds, config.max_lines) == ("ALO 153 <153>", 30, 20)


def test_every_setting_comes_from_the_environment() -> None:
    settings = Settings.from_env({
        "CTI_DIALER_MODE": "Preview", "CTI_DIALER_HOURS": "mon-sat=10:00-19:00",
        "CTI_DIALER_MAX_ATTEMPTS": "5", "CTI_DIALER_SPACING": "15m, 1h ,1d",
        "CTI_DIALER_CALLER_ID": "Adana BB 153 <+903224553153>",
        "CTI_DIALER_RING_SECONDS": "25.5", "CTI_DIALER_MAX_LINES": "8",
    })
    config = DialerConfig.from_settings(settings)
    assert config.mode is DialerMode.PREVIEW
    assert config.hours == CallingHours.parse("mon-sat=10:00-19:00")
    assert config.spacing == (900.0, 3600.0, 86400.0)
    assert (config.max_attempts, config.ring_seconds, config.max_lines) == (5, 25.5, 8)
    assert config.caller_id == "Adana BB 153 <+903224553153>"


def test_a_toml_file_may_give_the_hours_as_a_table_and_the_spacing_as_a_list(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cti.toml"
    path.write_text('dialer_spacing = ["10m", "3h"]\ndialer_max_attempts = 2\n'
                    '[dialer_hours]\nmon-fri = "08:30-21:00"\nsun = "12:00-16:00"\n',
                    encoding="utf-8")
    config = DialerConfig.from_settings(Settings.from_env({}, config_file=path))
    assert config.hours == CallingHours.parse("mon-fri=08:30-21:00,sun=12:00-16:00")
    assert (config.spacing, config.max_attempts) == ((600.0, 10800.0), 2)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("MODE", "predictive", "CTI_DIALER_MODE: 'predictive' is not one of progressive"),
        ("HOURS", "sun=", "CTI_DIALER_HOURS: 'sun=' is not day=HH:MM-HH:MM"),
        ("HOURS", " , ", "CTI_DIALER_HOURS: calling hours have no window on any day"),
        ("MAX_ATTEMPTS", "0", "CTI_DIALER_MAX_ATTEMPTS: '0' is not a whole number from 1"),
        ("MAX_ATTEMPTS", "300", "CTI_DIALER_MAX_ATTEMPTS: '300' is not a whole number"),
        ("MAX_ATTEMPTS", "2.5", "CTI_DIALER_MAX_ATTEMPTS: '2.5' is not a whole number"),
        ("SPACING", "30", "CTI_DIALER_SPACING: '30' is not a wait like 90s"),
        ("SPACING", "30m,,2h", "CTI_DIALER_SPACING: '' is not a wait"),
        ("SPACING", "0m", "CTI_DIALER_SPACING: '0m' is not a wait"),
        ("CALLER_ID", "ALO 153", "CTI_DIALER_CALLER_ID: 'ALO 153' is not a caller id"),
        ("CALLER_ID", "<153", "CTI_DIALER_CALLER_ID"),
        ("RING_SECONDS", "3600", "CTI_DIALER_RING_SECONDS: '3600' is not a number of seconds"),
        ("RING_SECONDS", "nan", "CTI_DIALER_RING_SECONDS"),
        ("MAX_LINES", "-1", "CTI_DIALER_MAX_LINES: '-1' is not a whole number"),
    ],
)
def test_a_bad_value_stops_the_start_in_one_line(name: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as raised:
        Settings.from_env({f"CTI_DIALER_{name}": value})
    assert "\n" not in str(raised.value)


def test_the_waits_follow_the_attempts_and_the_last_one_repeats() -> None:
    config = DialerConfig(spacing=(1800.0, 7200.0), max_attempts=5)
    assert [config.wait_after(n) for n in (1, 2, 3, 4)] == [1800.0, 7200.0, 7200.0, 7200.0]


def test_an_attempt_due_after_closing_waits_for_the_next_opening() -> None:
    config = DialerConfig()  # 09:00-20:00 on weekdays
    # Busy at 20:10 on Wednesday: due 20:40, after closing: Thursday 09:00.
    assert local(config.next_attempt_at(1, at("2026-06-03 20:10"))) == "2026-06-04 09:00"
    # Busy at 10:00: due half an hour later, within the hours.
    assert local(config.next_attempt_at(1, at("2026-06-03 10:00"))) == "2026-06-03 10:30"
    # No answer at 19:00 on Friday after the second try: two hours later is 21:00, closed;
    # Saturday opens at 10:00.
    assert local(config.next_attempt_at(2, at("2026-06-05 19:00"))) == "2026-06-06 10:00"


def test_a_config_built_in_code_is_checked_as_the_settings_are() -> None:
    with pytest.raises(ValueError, match="whole number"):
        DialerConfig(max_attempts=0)
    with pytest.raises(ValueError, match="spacing"):
        DialerConfig(spacing=())
    with pytest.raises(ValueError, match="caller id"):
        DialerConfig(caller_id="ALO\r\nAction: Command")
