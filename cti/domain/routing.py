"""Which unit a request belongs to: the routing rules of `cti/seed/routing.json`.

Responsibility follows the category, and for some categories the place: under the metropolitan
municipality law (5216) main avenues, boulevards and squares are the metropolitan
municipality's, neighbourhood streets the district municipality's. The rules give a suggestion
with a reason in Turkish; the operator reads both and may forward elsewhere.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cti.domain.organisation import Organisation, Unit, UnknownUnit, organisation
from cti.domain.tickets.reference import Reference, reference

LOCATION_KINDS = ("main_avenue", "neighbourhood_street")
DISTRICT = "district:"  # a target naming a unit of the ticket's district municipality


@dataclass(frozen=True)
class Target:
    unit: str  # a unit code, or "district:<suffix>"
    reason: str


@dataclass(frozen=True)
class Rule:
    """The responsible unit for a group or a category, with overrides by location kind."""

    base: Target | None  # None: a category rule that only overrides its group's by place
    by_location: Mapping[str, Target]


@dataclass(frozen=True)
class Suggestion:
    unit: Unit | None  # None only when the unit depends on a district not yet chosen
    reason: str
    label: str  # the unit's path for the operator, e.g. "Seyhan Belediyesi › Zabıta Müdürlüğü"


@dataclass(frozen=True)
class Routing:
    groups: Mapping[str, Rule]
    categories: Mapping[str, Rule]
    organisation: Organisation
    reference: Reference

    def target(self, category: str, location_kind: str | None) -> Target:
        """The rule's target: the category's own, else its group's; by place, else the base."""
        found = self.reference.categories.get(category)
        if found is None:
            raise LookupError(f"unknown category {category!r}")
        if location_kind is not None and location_kind not in LOCATION_KINDS:
            raise ValueError(f"unknown location kind {location_kind!r}")
        rules = [r for r in (self.categories.get(category), self.groups[found.group]) if r]
        if location_kind is not None:
            for rule in rules:
                if location_kind in rule.by_location:
                    return rule.by_location[location_kind]
        return next(rule.base for rule in rules if rule.base is not None)

    def suggest(
        self, category: str, district: str | None, location_kind: str | None = None
    ) -> Suggestion:
        """The unit a request of this category, in this district and kind of place, goes to."""
        if district is not None and district not in self.reference.districts:
            raise LookupError(f"unknown district {district!r}")
        target = self.target(category, location_kind)
        if not target.unit.startswith(DISTRICT):
            return self._suggestion(target.unit, target.reason)
        if district is None:
            return Suggestion(None, f"{target.reason} Birimi önermek için ilçeyi seçin.", "")
        return self._suggestion(f"{district}-{target.unit.removeprefix(DISTRICT)}", target.reason)

    def _suggestion(self, code: str, reason: str) -> Suggestion:
        path = self.organisation.path(code)
        return Suggestion(path[-1], reason, " › ".join(u.name_tr for u in path))


def suggest(category: str, district: str | None, location_kind: str | None = None) -> Suggestion:
    """The shipped rules' suggestion (see Routing.suggest)."""
    return routing().suggest(category, district, location_kind)


@functools.cache
def routing() -> Routing:
    """The shipped rules, loaded and checked against the organisation on first use."""
    return routing_for(organisation())


def routing_for(org: Organisation) -> Routing:
    """The shipped rules checked against `org` (the admin's, from the database): ValueError
    if a rule's unit is missing there or sits under another organisation."""
    return build(_rules(), org, reference())


@functools.cache
def _rules() -> Mapping[str, Any]:
    text = resources.files("cti.seed").joinpath("routing.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def location_kinds() -> Mapping[str, tuple[str, str]]:
    """The kinds of place the rules tell apart, with their (Turkish, English) names."""
    return {kind: (names["name_tr"], names["name_en"])
            for kind, names in _rules()["location_kinds"].items()}


def build(data: Mapping[str, Any], org: Organisation, ref: Reference) -> Routing:
    """Rules from their JSON form, checked: every group has a rule, every target exists."""
    groups = {code: _rule(f"group {code!r}", raw) for code, raw in data["groups"].items()}
    categories = {
        code: _rule(f"category {code!r}", raw) for code, raw in data["categories"].items()
    }
    _require(set(groups) == set(ref.groups), "every group, and only groups, need a rule")
    unknown = sorted(set(categories) - set(ref.categories))
    _require(not unknown, f"rules for unknown categories {unknown}")
    for where, rule in [*groups.items(), *categories.items()]:
        for target in [rule.base, *rule.by_location.values()]:
            if target is not None:
                _check_target(where, target, org, ref)
    routing = Routing(groups, categories, org, ref)
    for code, category in ref.categories.items():
        _require(_organisation_of(routing.target(code, None), org) == category.organisation,
                 f"category {code!r}: the rule disagrees with categories.json's organisation")
    return routing


def _organisation_of(target: Target, org: Organisation) -> str:
    # A category's usual place decides its organisation in categories.json; the rule for no
    # particular place must send it there, so the two files cannot drift apart.
    if target.unit.startswith(DISTRICT):
        return "district"
    return "aski" if org.root(target.unit).code == "aski" else "metropolitan"


def _rule(where: str, raw: Mapping[str, Any]) -> Rule:
    unknown = set(raw) - {"unit", "reason", *LOCATION_KINDS}
    _require(not unknown, f"{where}: unknown keys {sorted(unknown)}")
    base = _target(where, raw) if "unit" in raw else None
    by_location = {kind: _target(f"{where} {kind}", raw[kind]) for kind in LOCATION_KINDS
                   if kind in raw}
    _require(base is not None or bool(by_location), f"{where}: names no unit")
    return Rule(base, by_location)


def _target(where: str, raw: Mapping[str, Any]) -> Target:
    unit, reason = raw.get("unit"), raw.get("reason")
    _require(isinstance(unit, str) and bool(unit), f"{where}: needs a unit")
    _require(isinstance(reason, str) and bool(reason.strip()), f"{where}: needs a reason")
    return Target(str(unit), str(reason))


def _check_target(where: str, target: Target, org: Organisation, ref: Reference) -> None:
    # A district target must exist in every district municipality, or some district's
    # tickets would have nowhere to go; a plain code must be a unit (not an old alias).
    codes = ([f"{d}-{target.unit.removeprefix(DISTRICT)}" for d in ref.districts]
             if target.unit.startswith(DISTRICT) else [target.unit])
    for code in codes:
        try:
            _require(org.unit(code).code == code, f"{where}: {code!r} is an alias, not a unit")
        except UnknownUnit:
            _require(False, f"{where}: unit {code!r} does not exist")


def _require(condition: bool, problem: str) -> None:
    if not condition:
        raise ValueError(f"routing rules: {problem}")
