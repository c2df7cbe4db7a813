"""Who a request acts for: the authentication middleware puts the `Principal` here."""

from __future__ import annotations

from aiohttp import web

from cti.domain.roles import Principal

PRINCIPAL = web.RequestKey("principal", Principal)
# Without authentication (the API's own tests, `create_app(auth=None)`) changes are made by:
SYSTEM_ACTOR = "system"


def principal_of(request: web.Request) -> Principal | None:
    found = request.get(PRINCIPAL)
    return found if isinstance(found, Principal) else None


def actor_of(request: web.Request) -> str:
    """The username to write into audit trails."""
    principal = principal_of(request)
    return principal.username if principal else SYSTEM_ACTOR
