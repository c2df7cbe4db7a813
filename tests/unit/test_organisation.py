"""The organisation tree: the shipped seed, its checks, and the CSV exchange format."""

import pytest

from cti.domain.organisation import (
    OrganisationError,
    Unit,
    UnitKind,
    UnknownUnit,
    build,
    csv_text,
    organisation,
    units_from_csv,
    units_to_csv,
)
from cti.domain.tickets.fields import unit as ticket_unit
from cti.domain.tickets.reference import reference

ORG = organisation()
HEADER = "code,parent,kind,name_tr,name_en,email\n"


def test_the_seed_has_the_three_kinds_of_organisation() -> None:
    roots = {u.code for u in ORG.units.values() if u.kind is UnitKind.ORGANISATION}
    districts = {f"ilce-{d}" for d in reference().districts}
    assert roots == {"buyuksehir", "aski"} | districts
    assert len(districts) == 15


def test_every_district_municipality_has_its_field_units() -> None:
    for district in reference().districts:
        codes = {u.code for u in ORG.children(f"ilce-{district}")}
        for suffix in ("fen-isleri", "temizlik-isleri", "zabita", "park-bahceler"):
            assert f"{district}-{suffix}" in codes


def test_metropolitan_departments_have_branches() -> None:
    departments = ORG.children("buyuksehir")
    assert len(departments) >= 12
    assert all(u.kind is UnitKind.DEPARTMENT for u in departments)
    assert all(ORG.children(d.code) for d in departments)
    assert all(u.kind is UnitKind.BRANCH for d in departments for u in ORG.children(d.code))


def test_codes_fit_the_tickets_unit_column_and_emails_await_filling_in() -> None:
    for code, unit in ORG.units.items():
        assert ticket_unit(code) == code
        assert unit.email == ""


def test_the_consoles_earlier_codes_still_mean_a_unit() -> None:
    # console.js units(): aski, buyuksehir-<group>, ilce-<district>
    assert ORG.unit("aski").code == "aski"
    for group in reference().groups:
        assert ORG.unit(f"buyuksehir-{group}").code in ORG.units
    for district in reference().districts:
        assert ORG.unit(f"ilce-{district}").kind is UnitKind.ORGANISATION


def test_lookups() -> None:
    assert [u.code for u in ORG.path("aski-kanalizasyon")] == [
        "aski", "aski-atiksu", "aski-kanalizasyon"
    ]
    assert ORG.root("seyhan-zabita").name_tr == "Seyhan Belediyesi"
    assert ORG.district_municipality("yuregir").code == "ilce-yuregir"
    with pytest.raises(UnknownUnit):
        ORG.unit("nowhere")


def unit(code: str, parent: str | None, kind: UnitKind = UnitKind.BRANCH) -> Unit:
    return Unit(code, code, code, parent, kind)


def test_build_refuses_repeated_codes_missing_parents_and_loops() -> None:
    root = unit("root", None, UnitKind.ORGANISATION)
    with pytest.raises(OrganisationError, match="repeated"):
        build([root, root])
    with pytest.raises(OrganisationError, match="parent 'gone'"):
        build([root, unit("a", "gone")])
    with pytest.raises(OrganisationError, match="own ancestor"):
        build([root, unit("a", "b"), unit("b", "a")])
    with pytest.raises(OrganisationError, match="not a unit"):
        build([root], {"old": "gone"})


def test_csv_round_trip_of_the_whole_seed() -> None:
    text = units_to_csv(ORG.units.values())
    again = build(units_from_csv(text), ORG.aliases)
    assert again.units == ORG.units
    assert text.splitlines()[0] == HEADER.strip() + ",manager_email,active"


def test_csv_from_a_turkish_spreadsheet() -> None:
    text = (
        "\ufeffkind;code;parent;name_tr;name_en;email\n"
        "directorate;seyhan-kultur;ilce-seyhan;Kültür İşleri Müdürlüğü;Culture Directorate;"
        "kultur@example.org\n"
        ";;;;;\n"
    )
    [found] = units_from_csv(text, known=ORG.units)
    assert found == Unit(
        "seyhan-kultur", "Kültür İşleri Müdürlüğü", "Culture Directorate", "ilce-seyhan",
        UnitKind.DIRECTORATE, "kultur@example.org",
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("Seyhan Fen,ilce-seyhan,directorate,Fen,Works,\n", "line 2: code 'Seyhan Fen'"),
        ("x,ilce-seyhan,office,Ad,Name,\n", "line 2: unit 'x': kind 'office'"),
        ("x,,directorate,Ad,Name,\n", "line 2: unit 'x': only an organisation"),
        ("x,ilce-seyhan,directorate,,Name,\n", "line 2: unit 'x': name_tr"),
        ("x,ilce-seyhan,directorate,Ad,Name,nobody\n", "line 2: unit 'x': email 'nobody'"),
        ("x,nowhere,directorate,Ad,Name,\n", "line 2: unit 'x': parent 'nowhere'"),
        ("x,ilce-seyhan,directorate,Ad,Name,,extra\n", "line 2: more cells"),
        ("x,ilce-seyhan,directorate,Ad,Name,\n\nx,ilce-seyhan,directorate,B,N,\n",
         "line 4: code 'x' is already on line 2"),
        ("a,b,branch,A,A,\nb,a,branch,B,B,\n", "line 2: unit 'a' is its own ancestor"),
    ],
)
def test_csv_errors_name_the_line(rows: str, message: str) -> None:
    with pytest.raises(OrganisationError) as error:
        units_from_csv(HEADER + rows, known=ORG.units)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (HEADER + "x,ilce-seyhan,directorate,Ad,Name,\n" + "y,,organisation," + "A" * 140_000
         + ",Name,\n", 3),
        ("code," + "p" * 140_000 + ",kind\n", 1),
        (HEADER + 'x,ilce-seyhan,directorate,"Ad\n' + "A" * 140_000 + '",Name,\n', 2),
    ],
)
def test_a_cell_past_the_csv_field_limit_is_refused_naming_its_line(text: str, line: int) -> None:
    # The csv module refuses a cell over 131,072 characters with its own error, not ours.
    with pytest.raises(OrganisationError, match=f"^line {line}: not readable as CSV") as error:
        units_from_csv(text, known=ORG.units)
    assert error.value.line == line
    assert "AAAA" not in str(error.value) and "pppp" not in str(error.value)


def test_csv_without_the_columns_is_refused_on_line_one() -> None:
    with pytest.raises(OrganisationError, match="line 1: the header lacks kind, email"):
        units_from_csv("code,parent,name_tr,name_en\n")


def test_csv_carries_the_managers_address_and_deactivation() -> None:
    text = (
        HEADER.strip() + ",manager_email,active\n"
        "seyhan-kultur,ilce-seyhan,directorate,Kültür,Culture,k@example.org,mudur@example.org,"
        "hayır\n"
        "seyhan-spor,ilce-seyhan,directorate,Spor,Sports,,,\n"
    )
    kultur, spor = units_from_csv(text, known=ORG.units)
    assert (kultur.manager_email, kultur.active) == ("mudur@example.org", False)
    assert (spor.manager_email, spor.active) == ("", True)
    assert units_from_csv(units_to_csv([kultur, spor]), known=ORG.units) == [kultur, spor]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ("a@example.org,belki", "line 2: unit 'x': active 'belki' is not evet/hayır"),
        ("yok,evet", "line 2: unit 'x': manager_email 'yok' is not an address"),
    ],
)
def test_csv_refuses_a_bad_manager_address_or_active_flag(cells: str, message: str) -> None:
    text = HEADER.strip() + ",manager_email,active\nx,ilce-seyhan,directorate,Ad,Name,," + cells
    with pytest.raises(OrganisationError) as error:
        units_from_csv(text + "\n", known=ORG.units)
    assert str(error.value).startswith(message)


def test_a_file_from_turkish_excel_is_read_in_either_encoding() -> None:
    text = HEADER + "seyhan-kultur,ilce-seyhan,directorate,Kültür İşleri,Culture,\n"
    for data in (text.encode("utf-8"), "\ufeff".encode() + text.encode(), text.encode("cp1254")):
        [found] = units_from_csv(csv_text(data), known=ORG.units)
        assert found.name_tr == "Kültür İşleri"
    with pytest.raises(OrganisationError, match="not a CSV file"):
        csv_text(b"PK\x03\x04\x00\x00")
