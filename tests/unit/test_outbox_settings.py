"""The outbox's settings: SMTP and SMS from CTI_* variables, the senders they configure, and a
half-done configuration refused at start rather than at the first message."""

from __future__ import annotations

import logging

import pytest

from cti.config import ConfigError, Settings
from cti.notify.email import SmtpSender
from cti.notify.senders import configured_senders
from cti.notify.sms import NetgsmSender

SMS = {"CTI_SMS_URL": "https://sms.example.org", "CTI_SMS_USER": "8503031530",
       "CTI_SMS_PASSWORD": "parola", "CTI_SMS_HEADER": "ALO153"}
SMTP = {"CTI_SMTP_HOST": "posta.adana.bel.tr", "CTI_SMTP_FROM": "alo153@adana.bel.tr"}


def test_smtp_settings_are_read_with_their_defaults() -> None:
    settings = Settings.from_env({**SMTP, "CTI_SMTP_PORT": "465", "CTI_SMTP_TLS": "TLS"})
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == (
        "posta.adana.bel.tr", 465, "tls")
    assert Settings.from_env({}).smtp_tls == "starttls"
    assert Settings.from_env({}).smtp_port == 587


@pytest.mark.parametrize(("name", "value"), [("CTI_SMTP_TLS", "ssl"),
                                             ("CTI_SMTP_PORT", "70000")])
def test_a_bad_smtp_setting_stops_the_start(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})


async def test_each_configured_channel_gets_its_sender() -> None:
    senders = configured_senders(Settings.from_env({**SMTP, **SMS}))
    assert isinstance(senders["email"], SmtpSender)
    assert isinstance(senders["sms"], NetgsmSender)
    for sender in senders.values():
        await sender.close()


def test_an_unconfigured_channel_is_left_out_and_said_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        senders = configured_senders(Settings.from_env(SMTP))
    assert set(senders) == {"email"}
    assert "no sms sender configured" in caplog.text


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**SMTP, "CTI_SMTP_FROM": ""}, "CTI_SMTP_FROM"),
        ({**SMTP, "CTI_SMTP_FROM": "alo153"}, "CTI_SMTP_FROM"),
        ({**SMS, "CTI_SMS_URL": "sms.example.org"}, "CTI_SMS_URL"),
        ({**SMS, "CTI_SMS_HEADER": ""}, "CTI_SMS_HEADER"),
        ({**SMS, "CTI_SMS_USER": "a:b"}, "CTI_SMS_USER"),
    ],
)
def test_a_half_done_configuration_is_refused_at_start(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        configured_senders(Settings.from_env(env))
