"""Routing rules: every category reaches a unit in every district, and place decides."""

from typing import Any

import pytest

from cti.domain.organisation import organisation
from cti.domain.routing import LOCATION_KINDS, build, routing, suggest
from cti.domain.tickets.reference import reference

REF = reference()
ORG = organisation()


@pytest.mark.parametrize("location_kind", [None, *LOCATION_KINDS])
def test_every_category_resolves_in_every_district(location_kind: str | None) -> None:
    for category in REF.categories:
        for district in REF.districts:
            found = suggest(category, district, location_kind)
            assert found.unit is not None, (category, district, location_kind)
            assert found.unit.code in ORG.units
            assert found.reason.strip() and found.label.endswith(found.unit.name_tr)
            root = ORG.root(found.unit.code).code
            assert root in {"buyuksehir", "aski", f"ilce-{district}"}


def test_the_usual_place_agrees_with_the_categorys_organisation() -> None:
    roots = {"aski": "aski", "metropolitan": "buyuksehir"}
    for code, category in REF.categories.items():
        found = suggest(code, "ceyhan")
        assert found.unit is not None
        assert ORG.root(found.unit.code).code == roots.get(category.organisation, "ilce-ceyhan")


def test_water_goes_to_the_matching_aski_unit() -> None:
    assert unit_of("su-arizasi", "seyhan") == "aski-ariza"
    assert unit_of("kanal-tikanikligi", "kozan", "neighbourhood_street") == "aski-kanalizasyon"
    assert unit_of("su-faturasi", None) == "aski-abone-isleri"


def test_a_road_on_a_main_avenue_is_the_metropolitan_municipalitys() -> None:
    assert unit_of("asfalt-cukuru", "cukurova", "main_avenue") == "abb-asfalt"
    assert unit_of("asfalt-cukuru", "cukurova", "neighbourhood_street") == "cukurova-fen-isleri"
    assert unit_of("kaldirim-onarimi", "saricam", "main_avenue") == "abb-yol-yapim"
    assert unit_of("kaldirim-onarimi", "saricam", None) == "saricam-fen-isleri"


def test_cleaning_is_the_districts_except_on_a_main_avenue() -> None:
    assert unit_of("sokak-temizligi", "yuregir", None) == "yuregir-temizlik-isleri"
    assert unit_of("sokak-temizligi", "yuregir", "main_avenue") == "abb-cadde-temizlik"
    # Collection stays with the district wherever the bin is.
    assert unit_of("cop-toplama", "yuregir", "main_avenue") == "yuregir-temizlik-isleri"


def test_local_parks_are_the_districts() -> None:
    assert unit_of("park-bakimi", "seyhan", "neighbourhood_street") == "seyhan-park-bahceler"
    assert unit_of("park-bakimi", "seyhan", "main_avenue") == "abb-park-bakim"


def test_a_category_override_beats_its_groups() -> None:
    # Bridges stay metropolitan even in a neighbourhood, unlike the rest of their group.
    assert unit_of("kopru-gecit", "feke", "neighbourhood_street") == "abb-kopru-kavsak"


def test_without_a_district_a_district_unit_is_not_guessed() -> None:
    found = suggest("cop-toplama", None)
    assert found.unit is None
    assert "ilçeyi seçin" in found.reason


def test_the_reason_is_turkish_and_says_why() -> None:
    found = suggest("sokak-temizligi", "seyhan", "main_avenue")
    assert "Ana arter" in found.reason
    assert found.label.startswith("Adana Büyükşehir Belediyesi › ")


def test_unknown_inputs_are_refused() -> None:
    with pytest.raises(LookupError):
        suggest("nope", "seyhan")
    with pytest.raises(LookupError):
        suggest("sokak-temizligi", "istanbul")
    with pytest.raises(ValueError):
        suggest("sokak-temizligi", "seyhan", "highway")


def rules(**categories: Any) -> dict[str, Any]:
    target = {"unit": "abb-halkla-iliskiler", "reason": "Neden"}
    groups: dict[str, Any] = {g: target for g in REF.groups}
    groups["su-kanalizasyon"] = {"unit": "aski-ariza", "reason": "ASKİ"}
    groups["imar-yapi"] = {"unit": "district:imar", "reason": "İlçe"}
    for code, category in REF.categories.items():
        if category.organisation == "district":
            categories.setdefault(code, {"unit": "district:zabita", "reason": "İlçe"})
    return {"groups": groups, "categories": categories}


def test_the_checks_on_rules() -> None:
    assert build(rules(), ORG, REF).target("su-arizasi", None).unit == "aski-ariza"
    bad = [
        (rules(metro={"unit": "abb-yok", "reason": "x"}), "'abb-yok' does not exist"),
        (rules(metro={"unit": "district:kultur", "reason": "x"}), "'aladag-kultur'"),
        (rules(metro={"unit": "buyuksehir-trafik", "reason": "x"}), "is an alias"),
        (rules(metro={"unit": "abb-trafik", "reason": " "}), "needs a reason"),
        (rules(metro={"unit": "aski-ariza", "reason": "x"}), "disagrees with categories"),
        (rules(metro={"main_road": {}}), "unknown keys"),
        (rules(yok={"unit": "abb-trafik", "reason": "x"}), "unknown categories"),
    ]
    for data, message in bad:
        with pytest.raises(ValueError, match=message):
            build(data, ORG, REF)


def test_the_shipped_rules_load() -> None:
    assert routing().organisation is ORG


def unit_of(category: str, district: str | None, location_kind: str | None = None) -> str:
    found = suggest(category, district, location_kind)
    assert found.unit is not None
    return found.unit.code
