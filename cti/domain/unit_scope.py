"""Which units' tickets a unit's staff may see: their own unit's, and when the unit is a
municipality (or ASKİ) or a department, every unit below it too, so that a district
municipality's coordinator or a department head follows the whole organisation's work.

A branch's or a directorate's staff see that unit alone: KVKK (Law No. 6698, art. 4) wants
no wider access to a citizen's data than the work needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cti.domain.organisation import Unit, UnitKind

# The kinds of unit whose staff oversee the units below them.
OVERSEEING = frozenset({UnitKind.ORGANISATION, UnitKind.DEPARTMENT})


def visible_units(units: Iterable[Unit], aliases: Mapping[str, str], code: str) -> frozenset[str]:
    """The unit codes a ticket may carry for `code`'s staff to see it.

    `units` should hold deactivated units too: their old tickets stay in the overseer's sight.
    An earlier code (`aliases`) still found on tickets counts as the unit it stands for. A code
    that is no unit gives that code alone; an empty one gives nothing.
    """
    if not code:
        return frozenset()
    own = aliases.get(code, code)
    by_code = {unit.code: unit for unit in units}
    codes = {own}
    if own in by_code and by_code[own].kind in OVERSEEING:
        codes |= _below(by_code.values(), own)
    codes |= {alias for alias, target in aliases.items() if target in codes}
    return frozenset(codes | {code})


def _below(units: Iterable[Unit], root: str) -> set[str]:
    children: dict[str, list[str]] = {}
    for unit in units:
        if unit.parent is not None:
            children.setdefault(unit.parent, []).append(unit.code)
    found: set[str] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:  # a loop (never built, but cheap to guard) cannot spin
                found.add(child)
                stack.append(child)
    return found
