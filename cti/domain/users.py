"""The people who sign in: what a user record holds, the naming rules, and the refusals.

Errors carry no HTTP status; the web layer and the `cti user` command map them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cti.domain.roles import Principal, Role

USERNAME = re.compile(r"[a-z0-9._-]{2,64}")
# A PJSIP endpoint name as pjsip_operators.conf writes them ("1001"); a unit's code.
EXTENSION = re.compile(r"[A-Za-z0-9_.-]{1,32}")
UNIT = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_FULL_NAME = 120


class UserError(ValueError):
    """A refused change to the users; `str()` is one line for people, without secrets."""


class InvalidUser(UserError):
    """A field breaks its rule (`field` says which)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UsernameTaken(UserError):
    def __init__(self, username: str) -> None:
        super().__init__(f"the username {username!r} is taken")


class ExtensionTaken(UserError):
    def __init__(self, extension: str) -> None:
        super().__init__(f"the extension {extension!r} already belongs to another user")


class UnknownUser(UserError):
    def __init__(self, username: str) -> None:
        super().__init__(f"no user named {username!r}")


@dataclass(frozen=True, kw_only=True)
class User:
    """A user as everyone above storage sees it: never with the password hash."""

    id: int
    username: str
    full_name: str
    roles: frozenset[Role]
    extension: str | None
    unit: str | None
    active: bool
    created_at: float
    updated_at: float

    def principal(self) -> Principal:
        return Principal(
            user_id=self.id,
            username=self.username,
            full_name=self.full_name,
            roles=self.roles,
            extension=self.extension,
            unit=self.unit,
        )


def clean_username(raw: str) -> str:
    username = raw.strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidUser("username", "a username is 2-64 of a-z, 0-9, '.', '_', '-'")
    return username


def clean_full_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name or len(name) > MAX_FULL_NAME or not name.isprintable():
        raise InvalidUser("full_name", f"a full name is 1-{MAX_FULL_NAME} printable characters")
    return name


def clean_roles(raw: Iterable[str]) -> frozenset[Role]:
    values = list(raw)
    known = {role.value for role in Role}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidUser("roles", f"unknown role {unknown[0]!r}: use {', '.join(sorted(known))}")
    if not values:
        raise InvalidUser("roles", "a user needs at least one role")
    return frozenset(Role(value) for value in values)


def clean_extension(raw: str | None) -> str | None:
    extension = (raw or "").strip()
    if extension and not EXTENSION.fullmatch(extension):
        raise InvalidUser("extension", "an extension is 1-32 of A-Z, a-z, 0-9, '.', '_', '-'")
    return extension or None


def clean_unit(raw: str | None) -> str | None:
    unit = (raw or "").strip()
    if unit and not UNIT.fullmatch(unit):
        raise InvalidUser("unit", "a unit code is 1-64 of A-Z, a-z, 0-9, '.', '_', '-'")
    return unit or None
