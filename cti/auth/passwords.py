"""Password hashing with argon2id (argon2-cffi), the password rule, and a constant-cost check.

argon2-cffi's defaults are RFC 9106's second recommended profile (argon2id, 64 MiB, t=3, p=4).
A stored hash made with other parameters still verifies and is re-hashed at the next sign-in
(`needs_rehash`), so the parameters can be raised without a migration.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
# argon2 reads any length, but hashing a megabyte per guess is a cheap way to burn our CPU.
MAX_LENGTH = 256


class WeakPassword(ValueError):
    """The password breaks the rule; the message says which part, never the password."""


def check_rule(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_LENGTH} characters")
    if password.strip() != password or not password.isprintable():
        raise WeakPassword("a password cannot start or end with spaces or hold control characters")


class Passwords:
    """Hashes and verifies; `verify(None, …)` costs one hash too, so an unknown username
    takes as long to refuse as a wrong password (no timing oracle for who exists)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # A hash nobody's password matches, made with the same parameters as real ones.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(32))

    def hash(self, password: str) -> str:
        """The PHC string (`$argon2id$v=19$m=…`) for a password that keeps the rule."""
        check_rule(password)
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; `stored=None` (no such user) is always False."""
        if len(password) > MAX_LENGTH:
            password = password[:MAX_LENGTH]  # still one hash: its cost may not say anything
            stored = None
        try:
            return self._hasher.verify(stored or self._decoy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True
