"""Which units' tickets a unit's staff see (`cti.domain.unit_scope`), over the shipped tree."""

import dataclasses

from cti.domain.organisation import Unit, UnitKind, organisation
from cti.domain.unit_scope import visible_units

ORG = organisation()
UNITS = list(ORG.units.values())


def scope(code: str, units: list[Unit] = UNITS) -> frozenset[str]:
    return visible_units(units, ORG.aliases, code)


def test_a_district_municipality_sees_every_unit_of_its_own() -> None:
    seen = scope("ilce-seyhan")
    assert seen == {"ilce-seyhan"} | {u.code for u in UNITS if u.parent == "ilce-seyhan"}
    assert "seyhan-zabita" in seen
    assert not any(code.startswith(("yuregir-", "abb-", "aski")) for code in seen)


def test_the_metropolitan_municipality_sees_its_departments_and_their_branches() -> None:
    seen = scope("buyuksehir")
    assert {"abb-fen-isleri", "abb-aydinlatma", "abb-yol-yapim"} <= seen
    assert not any(code.startswith(("ilce-", "seyhan-")) for code in seen)
    assert all(ORG.root(code).code == "buyuksehir" for code in seen if code in ORG.units)


def test_a_department_sees_its_branches_and_tickets_under_their_earlier_codes() -> None:
    seen = scope("abb-fen-isleri")
    branches = {u.code for u in UNITS if u.parent == "abb-fen-isleri"}
    assert {"abb-aydinlatma", "abb-yol-yapim"} <= branches
    # Earlier codes still on old tickets count as the unit they stand for.
    aliases = {a for a, t in ORG.aliases.items() if t in branches | {"abb-fen-isleri"}}
    assert {"buyuksehir-yol-kaldirim", "buyuksehir-aydinlatma"} <= aliases
    assert seen == {"abb-fen-isleri"} | branches | aliases
    assert "abb-park-bahceler" not in seen


def test_a_branch_or_directorate_sees_itself_alone() -> None:
    assert scope("abb-aydinlatma") == {"abb-aydinlatma", "buyuksehir-aydinlatma"}
    assert scope("seyhan-zabita") == {"seyhan-zabita"}
    assert ORG.unit("seyhan-zabita").kind is UnitKind.DIRECTORATE


def test_a_deactivated_unit_below_stays_in_sight() -> None:
    kultur = Unit("seyhan-kultur", "Kültür", "Culture", "ilce-seyhan", UnitKind.DIRECTORATE,
                  active=False)
    closed = dataclasses.replace(ORG.unit("seyhan-imar"), active=False)
    units = [u for u in UNITS if u.code != "seyhan-imar"] + [kultur, closed]
    assert {"seyhan-kultur", "seyhan-imar"} <= scope("ilce-seyhan", units)


def test_an_unknown_unit_sees_itself_and_no_unit_sees_nothing() -> None:
    assert scope("eski-birim") == {"eski-birim"}
    assert scope("") == frozenset()


def test_an_earlier_code_as_ones_own_unit_means_the_unit() -> None:
    assert scope("buyuksehir-yol-kaldirim") == scope("abb-fen-isleri") | {
        "buyuksehir-yol-kaldirim"}
