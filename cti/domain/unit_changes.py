"""Whether the organisation an admin's edit or import would leave behind can take tickets.

Units are deactivated, never deleted: old tickets keep their codes. A change is refused when
it would leave an active unit under an inactive one, a routing rule sending tickets to a unit
that takes none, or a rule's unit moved under another organisation (a category's
organisation is fixed in categories.json). Refusals name the CSV line when the change came from
a file, so the clerk finds it in the spreadsheet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from cti.domain.organisation import Organisation, OrganisationError, Unit, build, find_loop
from cti.domain.routing import DISTRICT, Routing, routing, routing_for


@dataclass(frozen=True)
class Checked:
    """The active units as an organisation, and the routing rules over it."""

    organisation: Organisation
    routing: Routing


def check(
    units: Mapping[str, Unit], aliases: Mapping[str, str], lines: Mapping[str, int] | None = None
) -> Checked:
    """`units` (active and not) as they would be; `lines` maps a code to its CSV line.

    Raises OrganisationError, with the line of the unit at fault when it has one.
    """
    lines = lines or {}
    for unit in _file_order(units, lines):
        _check_tree(unit, units, lines)
    active = {code: unit for code, unit in units.items() if unit.active}
    looped = find_loop(active)
    if looped is not None:
        raise OrganisationError(f"unit {looped!r} is its own ancestor", lines.get(looped))
    targets = routing_targets(routing())
    for code, where in targets.items():
        _check_target(code, where, units, lines)
    # An alias whose unit is gone is dropped: old tickets then show the bare code.
    org = build(active.values(), {a: t for a, t in aliases.items() if t in active})
    _check_organisations(targets, org, lines)
    try:
        return Checked(org, routing_for(org))
    except ValueError as error:  # a case the checks above did not foresee
        raise OrganisationError(str(error)) from None


def routing_targets(rules: Routing) -> dict[str, str]:
    """Every unit a rule can send tickets to (district targets in every district), with the
    first rule naming it."""
    found: dict[str, str] = {}
    named = [(f"group {code}", rule) for code, rule in rules.groups.items()]
    named += [(f"category {code}", rule) for code, rule in rules.categories.items()]
    for where, rule in named:
        for target in [rule.base, *rule.by_location.values()]:
            if target is None:
                continue
            if not target.unit.startswith(DISTRICT):
                found.setdefault(target.unit, where)
                continue
            suffix = target.unit.removeprefix(DISTRICT)
            for district in rules.reference.districts:
                found.setdefault(f"{district}-{suffix}", where)
    return found


def _file_order(units: Mapping[str, Unit], lines: Mapping[str, int]) -> Iterator[Unit]:
    # The file's units first, in its order, so the first error is the first line at fault.
    yield from sorted((units[c] for c in lines if c in units), key=lambda u: lines[u.code])
    yield from (unit for code, unit in units.items() if code not in lines)


def _check_tree(unit: Unit, units: Mapping[str, Unit], lines: Mapping[str, int]) -> None:
    if not unit.active:
        under = sorted(u.code for u in units.values() if u.parent == unit.code and u.active)
        if under and not any(code in lines for code in under):
            raise OrganisationError(
                f"unit {unit.code!r} cannot be deactivated: active units are under it "
                f"({', '.join(under[:5])}{', …' if len(under) > 5 else ''})",
                lines.get(unit.code),
            )
        return
    if unit.parent is None:
        return
    parent = units.get(unit.parent)
    if parent is None:
        raise OrganisationError(f"unit {unit.code!r}: parent {unit.parent!r} is not a unit",
                                lines.get(unit.code))
    if not parent.active:
        raise OrganisationError(
            f"unit {unit.code!r} is active but its parent {unit.parent!r} is not",
            lines.get(unit.code, lines.get(parent.code)),
        )


def _check_target(
    code: str, where: str, units: Mapping[str, Unit], lines: Mapping[str, int]
) -> None:
    unit = units.get(code)
    if unit is None:
        raise OrganisationError(f"routing rules ({where}) send tickets to {code!r}, not a unit")
    if not unit.active:
        raise OrganisationError(
            f"unit {code!r} cannot be deactivated: routing rules ({where}) send tickets to it",
            lines.get(code),
        )


def _check_organisations(
    targets: Mapping[str, str], org: Organisation, lines: Mapping[str, int]
) -> None:
    shipped = routing().organisation
    for code, where in targets.items():
        now, before = org.root(code).code, shipped.root(code).code
        if now != before:
            moved = next((u.code for u in org.path(code) if u.code in lines), code)
            raise OrganisationError(
                f"unit {code!r} would move from {before!r} to {now!r}, but routing rules "
                f"({where}) send {before!r}'s requests to it",
                lines.get(moved),
            )
