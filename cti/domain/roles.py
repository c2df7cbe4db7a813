"""Who may do what: the roles a person signing in to the console can hold."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    OPERATOR = "operator"                    # answers 153, records and forwards requests
    FEEDBACK_OPERATOR = "feedback_operator"  # calls citizens back on resolved requests
    SUPERVISOR = "supervisor"                # watches queues and operators, reads everything
    UNIT_STAFF = "unit_staff"                # a municipal unit's staff: their unit's requests
    FIELD_STAFF = "field_staff"              # the field team: revisits, photos, tutanak
    ADMIN = "admin"                          # users and reference data


@dataclass(frozen=True, kw_only=True)
class Principal:
    """The signed-in person a request acts for; views read it, never the session row."""

    user_id: int
    username: str
    full_name: str
    roles: frozenset[Role]
    extension: str | None = None  # their softphone's PJSIP endpoint, e.g. "1001"
    unit: str | None = None       # unit staff: their unit's code

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))
