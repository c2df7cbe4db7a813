"""The reference data tickets are coded against: categories and Adana's districts.

Read once from the package's seed files (`cti/seed/categories.json`, `cti/seed/adana.json`)
and checked as they load, so a broken seed file stops the service at start, not a ticket.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cti.domain.tickets.errors import InvalidTicket
from cti.domain.tickets.fields import Priority

ORGANISATIONS = ("metropolitan", "aski", "district")
OTHER = "diger"  # the category of last resort (also the column's default)
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


@dataclass(frozen=True)
class Group:
    code: str
    name_tr: str
    name_en: str


@dataclass(frozen=True)
class Category:
    code: str
    name_tr: str
    name_en: str
    group: str
    organisation: str  # who is responsible: metropolitan, aski, or the district municipality
    priority: Priority  # the default for a new ticket


@dataclass(frozen=True)
class District:
    code: str
    name: str
    central: bool  # one of the four central districts of the city
    neighbourhoods: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    groups: Mapping[str, Group]
    categories: Mapping[str, Category]
    districts: Mapping[str, District]
    organisations: Mapping[str, Mapping[str, str]]

    def category(self, code: str) -> Category:
        found = self.categories.get(code)
        if found is None:
            raise InvalidTicket("category", "unknown category")
        return found

    def check_location(self, district: str | None, neighbourhood: str | None) -> None:
        """InvalidTicket unless the district is known and the neighbourhood lies in it."""
        if district is None:
            if neighbourhood is not None:
                raise InvalidTicket("neighbourhood", "needs a district")
            return
        found = self.districts.get(district)
        if found is None:
            raise InvalidTicket("district", "unknown district")
        if neighbourhood is not None and neighbourhood not in found.neighbourhoods:
            raise InvalidTicket("neighbourhood", "not in this district")


@functools.cache
def reference() -> Reference:
    """The seed data, loaded and checked on first use."""
    taxonomy = _load("categories.json")
    adana = _load("adana.json")
    groups = {g["code"]: Group(g["code"], g["name_tr"], g["name_en"]) for g in taxonomy["groups"]}
    categories = {c["code"]: _category(c, groups) for c in taxonomy["categories"]}
    districts = {d["code"]: _district(d) for d in adana["districts"]}
    _require(len(groups) == len(taxonomy["groups"]), "a group code is repeated")
    _require(len(categories) == len(taxonomy["categories"]), "a category code is repeated")
    _require(len(districts) == len(adana["districts"]), "a district code is repeated")
    _require(OTHER in categories, f"the category {OTHER!r} is missing")
    _require(set(taxonomy["organisations"]) == set(ORGANISATIONS), "organisations differ")
    return Reference(groups, categories, districts, taxonomy["organisations"])


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("cti.seed").joinpath(name).read_text(encoding="utf-8")
    )
    return data


def _category(raw: dict[str, str], groups: Mapping[str, Group]) -> Category:
    code = raw["code"]
    _require(bool(_SLUG.fullmatch(code)), f"category code {code!r} is not an ASCII slug")
    _require(raw["group"] in groups, f"category {code!r}: unknown group")
    _require(raw["organisation"] in ORGANISATIONS, f"category {code!r}: unknown organisation")
    return Category(
        code, raw["name_tr"], raw["name_en"], raw["group"], raw["organisation"],
        Priority(raw["priority"]),
    )


def _district(raw: dict[str, Any]) -> District:
    code = raw["code"]
    _require(bool(_SLUG.fullmatch(code)), f"district code {code!r} is not an ASCII slug")
    names = tuple(raw["neighbourhoods"])
    _require(len(set(names)) == len(names), f"district {code!r}: a neighbourhood is repeated")
    _require(all(0 < len(n) <= 96 for n in names), f"district {code!r}: a name is too long")
    return District(code, raw["name"], bool(raw["central"]), names)


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise ValueError(f"seed data: {problem}")
