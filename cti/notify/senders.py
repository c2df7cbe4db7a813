"""The senders the settings configure: SMTP when a host is set, Netgsm when a URL is. A
channel left out keeps its messages waiting in the outbox until it is configured."""

from __future__ import annotations

import logging

from cti.config import ConfigError, Settings
from cti.notify.email import TLS_MODES, SmtpSender, SmtpSettings
from cti.notify.envelope import Sender
from cti.notify.recipients import EMAIL, SMS, BadRecipient, checked_recipient
from cti.notify.sms import NetgsmSender, NetgsmSettings

log = logging.getLogger(__name__)


def configured_senders(settings: Settings) -> dict[str, Sender]:
    """A sender per configured channel; ConfigError for a half-done configuration."""
    senders: dict[str, Sender] = {}
    if settings.smtp_host:
        senders[EMAIL] = SmtpSender(_smtp(settings))
    if settings.sms_url:
        senders[SMS] = NetgsmSender(_netgsm(settings))
    for channel in sorted({EMAIL, SMS} - senders.keys()):
        log.warning("no %s sender configured: %s messages wait in the outbox", channel, channel)
    return senders


def _smtp(settings: Settings) -> SmtpSettings:
    try:
        from_address = checked_recipient(EMAIL, settings.smtp_from)
    except BadRecipient:
        raise ConfigError("CTI_SMTP_FROM must be the e-mail address messages come from "
                          "when CTI_SMTP_HOST is set") from None
    tls = next(mode for mode in TLS_MODES if mode == settings.smtp_tls)
    return SmtpSettings(host=settings.smtp_host, port=settings.smtp_port,
                        from_address=from_address, tls=tls, user=settings.smtp_user,
                        password=settings.smtp_password)


def _netgsm(settings: Settings) -> NetgsmSettings:
    if not settings.sms_url.startswith(("https://", "http://")):
        raise ConfigError("CTI_SMS_URL must be the gateway's http(s):// base URL")
    if not (settings.sms_user and settings.sms_password and settings.sms_header):
        raise ConfigError("CTI_SMS_URL needs CTI_SMS_USER, CTI_SMS_PASSWORD and CTI_SMS_HEADER")
    if ":" in settings.sms_user:
        raise ConfigError("CTI_SMS_USER cannot contain ':' (HTTP Basic authentication)")
    return NetgsmSettings(url=settings.sms_url, user=settings.sms_user,
                          password=settings.sms_password, header=settings.sms_header)
