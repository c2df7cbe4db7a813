"""The OpenAPI paths and schemas of signing in, the users and the read audit
(`cti.web.routes.session`, `.users`, `.audit`); `cti.web.openapi` merges them into the document.

Signed-in calls carry the `alo153_session` cookie (the `session` scheme); POST, PUT, PATCH
and DELETE also carry `X-CSRF-Token`, the `csrf_token` of the session.
"""

from __future__ import annotations

from cti.auth.passwords import MAX_LENGTH, MIN_LENGTH
from cti.domain.roles import Role
from cti.domain.users import MAX_FULL_NAME
from cti.storage.access_audit import MAX_ENTRIES as AUDIT_MAX
from cti.web.auth import COOKIE, CSRF_HEADER
from cti.web.openapi_schemas import STRING, Schema, closed, nullable, ref

SECURITY_SCHEMES: dict[str, Schema] = {
    "session": {"type": "apiKey", "in": "cookie", "name": COOKIE},
}


def _json(description: str, schema: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _body(schema: str) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


_ERRORS = {"500": {"$ref": "#/components/responses/InternalError"}}
_BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}
# What the access policy answers on every route that is not public.
REFUSALS: dict[str, Schema] = {
    "401": _json("Not signed in, or the session ended", "Error"),
    "403": _json("The role may not do this, a wrong CSRF token, or another site's Origin",
                 "Error"),
}
CSRF: Schema = {
    "name": CSRF_HEADER,
    "in": "header",
    "required": True,
    "description": "the csrf_token of the session",
    "schema": {"type": "string"},
}
_USERNAME: Schema = {"type": "string", "pattern": "^[a-z0-9._-]{2,64}$"}
_PASSWORD: Schema = {"type": "string", "minLength": MIN_LENGTH, "maxLength": MAX_LENGTH}
_FULL_NAME: Schema = {"type": "string", "minLength": 1, "maxLength": MAX_FULL_NAME}
_ROLES: Schema = {"type": "array", "items": ref("Role"), "minItems": 1, "uniqueItems": True}
_SOFTPHONE: Schema = {"type": "string", "description": "PJSIP endpoint of the softphone, e.g. 1001"}

_SIGN_IN: Schema = {
    "operationId": "signIn",
    "summary": "Sign in: sets the session cookie and answers the CSRF token",
    "description": "After 5 failures for a username, or from one address, within 5 minutes, "
    "sign-ins are refused for a minute (429, Retry-After). The answer never says whether a "
    "username exists.",
    "security": [],
    "requestBody": _body("SignIn"),
    "responses": {
        "200": _json("Signed in; Set-Cookie holds the session", "Session"),
        "400": _BAD_REQUEST,
        "401": _json("Wrong username or password", "Error"),
        "403": _json("Another site's Origin", "Error"),
        "429": _json("Too many failures; try again after Retry-After seconds", "Error"),
        **_ERRORS,
    },
}
_WHO_AM_I: Schema = {
    "operationId": "getSession",
    "summary": "The signed-in user and the session's CSRF token (after a page reload)",
    "responses": {"200": _json("The session", "Session"), **REFUSALS, **_ERRORS},
}
_SIGN_OUT: Schema = {
    "operationId": "signOut",
    "summary": "Sign out: ends the session and clears the cookie",
    "parameters": [CSRF],
    "responses": {"200": _json("Signed out", "SignedOut"), **REFUSALS, **_ERRORS},
}
_LIST_USERS: Schema = {
    "operationId": "listUsers",
    "summary": "Every user, by username (admin, supervisor)",
    "responses": {"200": _json("The users", "UserList"), **REFUSALS, **_ERRORS},
}
_ADD_USER: Schema = {
    "operationId": "addUser",
    "summary": "A new user (admin)",
    "parameters": [CSRF],
    "requestBody": _body("NewUser"),
    "responses": {
        "201": _json("The user", "UserEnvelope"),
        "400": _BAD_REQUEST,
        **REFUSALS,
        "409": _json("The username or the extension is taken", "Error"),
        **_ERRORS,
    },
}
_CHANGE_USER: Schema = {
    "operationId": "changeUser",
    "summary": "Change a user (admin); deactivating or a new password ends their sessions",
    "parameters": [
        {"name": "username", "in": "path", "required": True, "schema": _USERNAME},
        CSRF,
    ],
    "requestBody": _body("UserChanges"),
    "responses": {
        "200": _json("The user as changed", "UserEnvelope"),
        "400": _BAD_REQUEST,
        **REFUSALS,
        "404": _json("No such user", "Error"),
        "409": _json("The extension is taken, or an admin would lock themselves out", "Error"),
        **_ERRORS,
    },
}


def _query(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


_TIME: Schema = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,9})?$"},
    ]
}
_READ_AUDIT: Schema = {
    "operationId": "readAudit",
    "summary": "Who read which citizen's data, newest first (admin)",
    "description": "To read further back, ask again with until = the oldest entry's at.",
    "parameters": [
        _query("actor", "the username who read", {"type": "string", "maxLength": 64}),
        _query("since", "entries at or after; ISO 8601 with a timezone, or epoch seconds", _TIME),
        _query("until", "entries before; ISO 8601 with a timezone, or epoch seconds", _TIME),
        _query("limit", "entries per answer",
               {"type": "integer", "minimum": 1, "maximum": AUDIT_MAX, "default": 100}),
    ],
    "responses": {
        "200": _json("The entries", "AuditEntries"),
        "400": _BAD_REQUEST,
        **REFUSALS,
        **_ERRORS,
    },
}

PATHS: dict[str, Schema] = {
    "/api/session": {"post": _SIGN_IN, "get": _WHO_AM_I, "delete": _SIGN_OUT},
    "/api/users": {"get": _LIST_USERS, "post": _ADD_USER},
    "/api/users/{username}": {"patch": _CHANGE_USER},
    "/api/audit": {"get": _READ_AUDIT},
}

_SESSION_USER: dict[str, Schema] = {
    "username": STRING,
    "full_name": STRING,
    "roles": {"type": "array", "items": ref("Role")},
    "extension": nullable(_SOFTPHONE),
    "unit": nullable({"type": "string", "description": "unit staff: their unit's code"}),
}
_MOMENT: Schema = {"type": "number", "description": "epoch seconds"}

SCHEMAS: dict[str, Schema] = {
    "AuditEntry": closed(
        {
            "at": _MOMENT,
            "at_iso": {"type": "string", "format": "date-time"},
            "actor": STRING,
            "action": {"type": "string", "examples": ["read_ticket", "search_tickets", "pop"]},
            "subject": {"type": "string", "description": "a ticket number, a call id, a filter; "
                        "phone numbers masked"},
        },
        "One read of a citizen's data.",
    ),
    "AuditEntries": closed(
        {"entries": {"type": "array", "items": ref("AuditEntry")}}, "Newest first."
    ),
    "Role": {"type": "string", "enum": [role.value for role in Role]},
    "SignIn": closed({"username": STRING, "password": STRING}, "Credentials."),
    "SessionUser": closed(_SESSION_USER, "Who is signed in."),
    "Session": closed(
        {
            "user": ref("SessionUser"),
            "csrf_token": {"type": "string", "description": f"send as {CSRF_HEADER}"},
        },
        "A signed-in session.",
    ),
    "SignedOut": closed({"signed_out": {"const": True}}, "The session has ended."),
    "User": closed(
        {
            **_SESSION_USER,
            "active": {"type": "boolean"},
            "created_at": _MOMENT,
            "updated_at": _MOMENT,
        },
        "A user; never with a password or its hash.",
    ),
    "UserList": closed({"users": {"type": "array", "items": ref("User")}}, "Users by name."),
    "UserEnvelope": closed({"user": ref("User")}, "One user."),
    "NewUser": {
        **closed(
            {
                "username": _USERNAME,
                "full_name": _FULL_NAME,
                "password": _PASSWORD,
                "roles": _ROLES,
                "extension": nullable(_SOFTPHONE),
                "unit": nullable(STRING),
            },
            "A user to add; an extension belongs to one user only.",
        ),
        "required": ["username", "full_name", "password", "roles"],
    },
    "UserChanges": {
        **closed(
            {
                "full_name": _FULL_NAME,
                "password": _PASSWORD,
                "roles": _ROLES,
                "extension": nullable(_SOFTPHONE),
                "unit": nullable(STRING),
                "active": {"type": "boolean"},
            },
            "What to change; a field left out stays, null clears extension or unit.",
        ),
        "required": [],
    },
}
