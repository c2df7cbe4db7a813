"""SMS through Netgsm's REST v2 send API.

Wire format (Netgsm's documentation, https://www.netgsm.com.tr/dokuman/ "SMS Gönderimi /
REST v2", and the OpenAPI description and error-code table Netgsm publishes with its own
client, https://github.com/netgsm/netgsm-sms-js: openapi.json, src/enums.ts):

    POST {base URL}/sms/rest/v2/send
    Authorization: Basic base64(usercode:password)
    {"msgheader": "ALO153", "encoding": "TR",
     "messages": [{"msg": "…", "no": "5XXXXXXXXX"}]}

    200 {"code": "00", "jobid": "17377215342605050417149344", "description": "queued"}
    406 {"code": "70", "description": "…"}            (any other code: refused)

`no` is the number without the trunk 0 (ten digits); `encoding: TR` sends Turkish letters as
such (ş, ğ, ı) rather than folded to ASCII. The base URL is configuration (CTI_SMS_URL), never
written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from cti.notify.envelope import Envelope, SendFailed
from cti.notify.recipients import mobile_number

SEND_PATH = "/sms/rest/v2/send"
OK = "00"

# Netgsm's send codes, whether retrying can help, and what the delivery log says.
# 20 and 70 are this message's fault (its text, its parameters): never going to pass.
# 30/40/50/51 are the account's (credentials, an unapproved sender header, İYS set-up): an
# operator fixes the configuration and the waiting messages go, so they are retried.
# 80/85 are rate limits and 100/101 Netgsm's own errors: retried.
CODES: Mapping[str, tuple[bool, str]] = {
    "20": (True, "mesaj metni kabul edilmedi / message text refused (length or characters)"),
    "30": (False, "kullanıcı adı, parola veya API yetkisi geçersiz / credentials refused"),
    "40": (False, "mesaj başlığı tanımlı değil / sender header not defined"),
    "50": (False, "İYS kontrollü gönderim yetkisi yok / account not allowed İYS sends"),
    "51": (False, "İYS marka bilgisi yok / no İYS brand on the account"),
    "70": (True, "geçersiz istek parametresi / invalid parameter (number or field)"),
    "80": (False, "gönderim sınırı aşıldı / sending limit exceeded"),
    "85": (False, "aynı numaraya gönderim sınırı aşıldı / duplicate limit for the number"),
    "100": (False, "Netgsm sistem hatası / Netgsm system error"),
    "101": (False, "Netgsm sistem hatası / Netgsm system error"),
}


@dataclass(frozen=True, kw_only=True)
class NetgsmSettings:
    url: str  # the API's base URL, e.g. from the provider's documentation
    user: str
    password: str
    header: str  # the approved sender name (msgheader), at most 11 characters
    timeout: float = 30.0


class NetgsmSender:
    def __init__(self, settings: NetgsmSettings) -> None:
        self._settings = settings
        self._endpoint = settings.url.rstrip("/") + SEND_PATH
        # UTF-8: a Turkish letter in a password must not fail every send (latin-1 would).
        # A ":" in the user name raises ValueError here, at start-up, not at the first SMS.
        self._authorization = aiohttp.encode_basic_auth(settings.user, settings.password)
        self._client: aiohttp.ClientSession | None = None

    async def send(self, message: Envelope) -> str:
        payload = send_request(self._settings.header, message)
        try:
            async with self._session().post(self._endpoint, json=payload) as response:
                status, answer = response.status, await _json_or_none(response)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SendFailed(f"Netgsm'e ulaşılamadı / gateway unreachable: "
                             f"{type(error).__name__}", permanent=False) from None
        return job_id(status, answer)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _session(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = aiohttp.ClientSession(
                headers={"Authorization": self._authorization},
                timeout=aiohttp.ClientTimeout(total=self._settings.timeout),
            )
        return self._client


def send_request(header: str, message: Envelope) -> dict[str, Any]:
    """The JSON body for one message; SendFailed (permanent) if the recipient is no mobile."""
    number = mobile_number(message.recipient)
    if number is None:
        raise SendFailed("Geçersiz cep telefonu numarası / not a Turkish mobile number",
                         permanent=True)
    return {"msgheader": header, "encoding": "TR",
            "messages": [{"msg": message.body, "no": number[1:]}]}


def job_id(status: int, answer: Any) -> str:
    """The job id of an accepted message; SendFailed for any other answer."""
    if not isinstance(answer, dict) or not isinstance(answer.get("code"), str):
        raise SendFailed(f"Netgsm HTTP {status}: okunamayan yanıt / unreadable answer",
                         permanent=False)
    code = answer["code"]
    if code == OK and status == 200 and isinstance(answer.get("jobid"), str | int):
        return str(answer["jobid"])
    permanent, text = CODES.get(code, (False, "bilinmeyen kod / unknown code"))
    shown = "".join(c for c in code[:8] if c.isalnum())  # the answer is not ours to trust
    raise SendFailed(f"Netgsm {shown}: {text}", permanent=permanent)


async def _json_or_none(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError, UnicodeDecodeError):
        return None
