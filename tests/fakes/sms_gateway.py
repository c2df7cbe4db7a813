"""A local Netgsm: `POST /sms/rest/v2/send` speaking the REST v2 wire format the adapter
(cti.notify.sms) is written against — Basic auth, a JSON body with msgheader, encoding and
messages [{msg, no}], answered 200 {"code": "00", "jobid", "description"} or
406 {"code", "description"} with Netgsm's codes (30 credentials, 40 header, 20 text,
70 parameters, 100 system error).

It records every request it accepted (and every one it refused), and fails on demand:
`fail_next(n, code)` answers the next n well-formed requests with `code`.
"""

from __future__ import annotations

import base64
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

SEND_PATH = "/sms/rest/v2/send"
_TEN_DIGITS = re.compile(r"[0-9]{10}")
MAX_TEXT = 917  # Netgsm's limit for a Turkish-encoded multipart message


@dataclass
class Received:
    user: str
    body: dict[str, Any]
    jobid: str


@dataclass
class FakeNetgsm:
    user: str = "8503031530"
    password: str = "netgsm-parola"
    headers: frozenset[str] = frozenset({"ALO153"})
    accepted: list[Received] = field(default_factory=list)
    refused: list[tuple[str, Any]] = field(default_factory=list)  # (code, body as sent)
    _failures: list[str] = field(default_factory=list)
    _jobs: itertools.count[int] = field(default_factory=lambda: itertools.count(170000000001))
    _runner: web.AppRunner | None = None

    async def start(self) -> str:
        """Serve on 127.0.0.1 and a free port; the base URL (what CTI_SMS_URL holds)."""
        app = web.Application()
        app.router.add_post(SEND_PATH, self._send)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def fail_next(self, times: int, code: str = "100") -> None:
        """Answer the next `times` well-formed, authenticated requests with `code`."""
        self._failures.extend([code] * times)

    async def _send(self, request: web.Request) -> web.Response:
        user = self._user(request.headers.get("Authorization", ""))
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        code = "30" if user is None else _refusal(body, self.headers)
        if code is None and self._failures:
            code = self._failures.pop(0)
        if code is not None:
            self.refused.append((code, body))
            return web.json_response({"code": code, "description": f"error {code}"},
                                     status=406)
        assert user is not None
        job = str(next(self._jobs))
        self.accepted.append(Received(user, body, job))
        return web.json_response({"code": "00", "jobid": job, "description": "queued"})

    def _user(self, authorization: str) -> str | None:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except ValueError:
            return None
        return user if (user, password) == (self.user, self.password) else None


def _refusal(body: Any, headers: frozenset[str]) -> str | None:
    """Netgsm's code for a malformed request, None for a good one."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return "70"
    if body.get("msgheader") not in headers:
        return "40"
    if not body["messages"] or body.get("encoding", "TR") not in ("TR", "tr"):
        return "70"
    for message in body["messages"]:
        if not isinstance(message, dict) or not _TEN_DIGITS.fullmatch(str(message.get("no"))):
            return "70"
        text = message.get("msg")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            return "20"
    return None
