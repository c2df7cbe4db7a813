"""Authentication and the access policy on every request, CSRF and origin checks, and the
security headers on every response.

A signed-in browser holds the `alo153_session` cookie (HttpOnly, SameSite=Strict); the page
reads its CSRF token from `POST`/`GET /api/session` and sends it back as `X-CSRF-Token` on
every POST, PUT, PATCH and DELETE. A request carrying an `Origin` must come from this site:
that also guards the console's WebSocket upgrade, which is a GET.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from cti.auth.throttle import LoginThrottle
from cti.storage.users import UserStore
from cti.storage.web_sessions import SessionStore, SignedIn
from cti.web.access import PUBLIC, rule_for
from cti.web.errors import ApiError
from cti.web.identity import PRINCIPAL

log = logging.getLogger(__name__)

COOKIE = "alo153_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The session a request came with, for the session routes.
SESSION = web.RequestKey("session", SignedIn)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

NOT_SIGNED_IN = ApiError(401, "unauthorized", "Oturum açmanız gerekiyor / sign-in required")
ROLE_REQUIRED = ApiError(
    403, "role_required", "Bu işlem için yetkiniz yok / your role does not permit this"
)
CSRF_FAILED = ApiError(
    403, "csrf_failed", "Güvenlik belirteci eksik ya da yanlış / missing or wrong CSRF token"
)
CROSS_ORIGIN = ApiError(
    403, "cross_origin", "Başka bir siteden gelen istek reddedildi / cross-origin request refused"
)


@dataclass(frozen=True, kw_only=True)
class People:
    """What signing in needs; `create_app(people=…)` serves the session and user routes."""

    users: UserStore
    sessions: SessionStore
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    # Behind HTTPS (directly or through a proxy): the cookie is only ever sent over TLS.
    secure_cookies: bool = False
    # Origins besides the request's own scheme://Host, e.g. a proxy that rewrites Host.
    trusted_origins: frozenset[str] = frozenset()


def authentication(people: People) -> Middleware:
    """The middleware for `create_app(auth=…)`: 401 when not signed in, 403 for a role the
    route's rule (`cti.web.access.POLICY`) does not list, a bad CSRF token or a foreign Origin."""

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        match = request.match_info
        if match.http_exception is not None or match.route.resource is None:
            return await handler(request)  # 404 or 405: there is nothing to protect
        _check_origin(request, people)
        canonical = match.route.resource.canonical
        rule = rule_for(request.method, canonical)
        if rule is PUBLIC:
            return await handler(request)
        signed_in = await _signed_in(request, people.sessions)
        if signed_in is None:
            raise NOT_SIGNED_IN
        if request.method in UNSAFE_METHODS:
            _check_csrf(request, signed_in.csrf_token)
        if isinstance(rule, frozenset) and not signed_in.principal.has(*rule):
            if not rule:
                log.warning("no access rule for %s %s", request.method, canonical)
            raise ROLE_REQUIRED
        request[PRINCIPAL] = signed_in.principal
        request[SESSION] = signed_in
        return await handler(request)

    return authenticate


async def _signed_in(request: web.Request, sessions: SessionStore) -> SignedIn | None:
    token = request.cookies.get(COOKIE)
    return await sessions.resolve(token) if token else None


def _check_csrf(request: web.Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("ascii")):
        raise CSRF_FAILED


def _check_origin(request: web.Request, people: People) -> None:
    origin = request.headers.get("Origin")
    if origin is None:
        return  # not a browser's cross-site request: browsers send Origin on those
    scheme = "https" if people.secure_cookies else request.scheme
    own = f"{scheme}://{request.host}".lower()
    if origin.lower() != own and origin not in people.trusted_origins:
        raise CROSS_ORIGIN


def set_session_cookie(response: web.StreamResponse, token: str, people: People) -> None:
    # No Max-Age: the cookie ends with the browser (shared workstations between shifts);
    # the server ends the session itself after its idle timeout or lifetime.
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="Strict", path="/", secure=people.secure_cookies
    )


def clear_session_cookie(response: web.StreamResponse, people: People) -> None:
    response.del_cookie(
        COOKIE, path="/", httponly=True, samesite="Strict", secure=people.secure_cookies
    )


async def security_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """For `app.on_response_prepare`: runs for every answer, errors, files and WebSocket
    upgrades included, just before its headers are sent; a view may set its own first."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith("/api/"):
        headers.setdefault("Cache-Control", "no-store")
