"""Who a message may go to: an e-mail address of a plain shape, or a Turkish mobile number.

Checked when the message is written, so a bad address shows in the delivery log at once
instead of after a night of retries.
"""

from __future__ import annotations

import re

from cti.domain.numbers import mask_number, normalize_number

EMAIL, SMS = "email", "sms"
CHANNELS = frozenset({EMAIL, SMS})
MAX_ADDRESS = 254  # RFC 5321's limit for a path, and the column's width

# ASCII only: an SMTPUTF8 address needs a server that says so, and no unit has one. No spaces,
# angle brackets or line breaks: the address goes into a header.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
# Turkish mobile numbers: 05XX XXX XX XX (GSM operators' 50x-55x ranges and successors).
_MOBILE = re.compile(r"05[0-9]{9}")

NO_ADDRESS = "Adres yok / no address"
BAD_EMAIL = "Geçersiz e-posta adresi / not an e-mail address"
BAD_MOBILE = "Geçersiz cep telefonu numarası / not a Turkish mobile number"


class BadRecipient(ValueError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def checked_recipient(channel: str, raw: str) -> str:
    """The address in the form it is sent to; BadRecipient (with a delivery-log detail) if
    `raw` is empty or not an address for `channel`."""
    text = raw.strip()
    if not text:
        raise BadRecipient(NO_ADDRESS)
    if channel == EMAIL:
        if len(text) > MAX_ADDRESS or not _EMAIL.fullmatch(text):
            raise BadRecipient(BAD_EMAIL)
        return text
    number = mobile_number(text)
    if number is None:
        raise BadRecipient(BAD_MOBILE)
    return number


def mobile_number(raw: str) -> str | None:
    """`05XXXXXXXXX` for a Turkish mobile number in any written form, else None."""
    number = normalize_number(raw)
    return number if number is not None and _MOBILE.fullmatch(number) else None


def shown_recipient(channel: str, recipient: str) -> str:
    """The recipient as logs and the delivery log show it: a phone number masked (KVKK), a
    unit's e-mail address as it is."""
    return mask_number(recipient) if channel == SMS else recipient
