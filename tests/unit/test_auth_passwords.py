from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from cti.auth.passwords import MIN_LENGTH, Passwords, WeakPassword, check_rule
from tests.unit.auth_support import FAST


class CountingHasher(PasswordHasher):
    def __init__(self, **kw: int) -> None:
        super().__init__(**kw)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


def test_a_password_is_stored_as_an_argon2id_hash_that_verifies() -> None:
    stored = FAST.hash("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert FAST.verify(stored, "correct horse battery")
    assert not FAST.verify(stored, "correct horse batterY")


def test_the_production_parameters_are_argon2_cffis_defaults() -> None:
    stored = Passwords().hash("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    assert FAST.hash("correct horse battery") != FAST.hash("correct horse battery")


@pytest.mark.parametrize(
    "password", ["", "short", "x" * (MIN_LENGTH - 1), "x" * 257, " leading space1", "tab\there12"]
)
def test_a_password_breaking_the_rule_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword):
        FAST.hash(password)


def test_ten_characters_of_any_script_are_enough() -> None:
    check_rule("x" * MIN_LENGTH)
    check_rule("ğüşıöçĞÜŞİ")


def test_a_garbled_stored_hash_never_verifies() -> None:
    assert not FAST.verify("not-a-hash", "correct horse battery")
    assert FAST.needs_rehash("not-a-hash")


def test_an_unknown_user_costs_one_hash_like_a_wrong_password() -> None:
    hasher = CountingHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords = Passwords(hasher)
    stored = passwords.hash("correct horse battery")
    assert not passwords.verify(None, "correct horse battery")
    assert not passwords.verify(stored, "wrong horse battery")
    assert not passwords.verify(stored, "y" * 10_000)  # an overlong guess is one hash too
    assert hasher.verified == 3


def test_a_hash_with_older_parameters_needs_a_rehash() -> None:
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    old = FAST.hash("correct horse battery")
    assert stronger.needs_rehash(old)
    assert stronger.verify(old, "correct horse battery")
    assert not stronger.needs_rehash(stronger.hash("correct horse battery"))
