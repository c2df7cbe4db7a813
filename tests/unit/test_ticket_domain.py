"""The ticket domain on its own: lifecycle, numbers, identity checksums, fields, reference data."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest

from cti.domain.tickets import fields
from cti.domain.tickets.attachments import MAX_BYTES, accepted_type, clean_filename, sniff
from cti.domain.tickets.errors import AttachmentRefused, InvalidTicket, InvalidTransition
from cti.domain.tickets.fields import Channel, Priority
from cti.domain.tickets.identity import is_valid_tc, mask_tc
from cti.domain.tickets.lifecycle import created, moved, opened, patched
from cti.domain.tickets.numbering import format_number, is_ticket_number, parse_number, year_of
from cti.domain.tickets.reference import reference
from cti.domain.tickets.status import NOT_OPEN, TRANSITIONS, TicketStatus, check_transition
from cti.domain.tickets.ticket import Ticket, TicketDraft, TicketPatch

S = TicketStatus
ALLOWED = {
    (S.NEW, S.FIRST_CONTACT_SOLVED), (S.NEW, S.FORWARDED),
    (S.FIRST_CONTACT_SOLVED, S.CLOSED),
    (S.FORWARDED, S.IN_PROGRESS), (S.FORWARDED, S.RETURNED), (S.FORWARDED, S.FORWARDED),
    (S.FORWARDED, S.INFO_REQUESTED), (S.FORWARDED, S.RESOLVED),
    (S.IN_PROGRESS, S.RESOLVED), (S.IN_PROGRESS, S.FORWARDED), (S.IN_PROGRESS, S.RETURNED),
    (S.IN_PROGRESS, S.INFO_REQUESTED),
    (S.INFO_REQUESTED, S.IN_PROGRESS), (S.INFO_REQUESTED, S.FORWARDED),
    (S.INFO_REQUESTED, S.RETURNED), (S.INFO_REQUESTED, S.RESOLVED), (S.RETURNED, S.FORWARDED),
    (S.RETURNED, S.CLOSED),
    (S.RESOLVED, S.FEEDBACK), (S.RESOLVED, S.CLOSED),
    (S.FEEDBACK, S.CLOSED), (S.FEEDBACK, S.REOPENED),
    (S.REOPENED, S.FORWARDED), (S.REOPENED, S.IN_PROGRESS),
    (S.CLOSED, S.REOPENED),
}
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def ticket(**kw: object) -> Ticket:
    draft = TicketDraft(description="Çukur var", category="asfalt-cukuru")
    return dataclasses.replace(opened(draft, number="153-2026-000001", now=T0, actor="op1"),
                               **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("current", "wanted"), sorted(ALLOWED))
def test_the_lifecycle_allows_exactly_these_moves(current: S, wanted: S) -> None:
    check_transition(current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    sorted(set(itertools.product(S, S)) - ALLOWED),
)
def test_every_other_move_is_refused(current: S, wanted: S) -> None:
    with pytest.raises(InvalidTransition) as refused:
        check_transition(current, wanted)
    assert (refused.value.current, refused.value.wanted) == (current.value, wanted.value)


def test_every_status_has_its_row_and_only_closed_and_solved_are_not_open() -> None:
    assert set(TRANSITIONS) == set(S)
    assert {s for s in S if not s.is_open()} == NOT_OPEN == {S.CLOSED, S.FIRST_CONTACT_SOLVED}


def test_moves_carry_their_side_effects() -> None:
    forwarded, diff = moved(ticket(), S.FORWARDED, now=T0 + 1, unit="fen-isleri")
    assert diff == {"status": ["new", "forwarded"], "unit": [None, "fen-isleri"]}
    returned, diff = moved(forwarded, S.RETURNED, now=T0 + 2)
    assert returned.unit is None and diff["unit"] == ["fen-isleri", None]
    with pytest.raises(InvalidTransition):  # a re-route must name another unit
        moved(forwarded, S.FORWARDED, now=T0 + 3, unit="fen-isleri")
    rerouted, diff = moved(forwarded, S.FORWARDED, now=T0 + 3, unit="park-bahce")
    assert rerouted.status is S.FORWARDED and diff == {"unit": ["fen-isleri", "park-bahce"]}
    with pytest.raises(InvalidTicket, match="unit"):
        moved(ticket(), S.FORWARDED, now=T0)
    solved, diff = moved(ticket(), S.FIRST_CONTACT_SOLVED, now=T0, resolution=" Bilgi verildi ")
    assert solved.resolution == "Bilgi verildi"
    closed, diff = moved(solved, S.CLOSED, now=T0 + 5)
    assert closed.closed_at == T0 + 5 and diff["closed_at"] == [None, T0 + 5]
    reopened, _ = moved(closed, S.REOPENED, now=T0 + 9)
    assert reopened.closed_at is None and reopened.updated_at == T0 + 9
    with pytest.raises(InvalidTicket, match="resolution"):
        moved(ticket(), S.FIRST_CONTACT_SOLVED, now=T0)


def test_a_patch_diff_names_only_what_changed() -> None:
    before = ticket(district="seyhan", neighbourhood="Reşatbey")
    after, diff = patched(before, TicketPatch(priority=Priority.URGENT, citizen_name=" Ali ",
                                              description="Çukur var"), now=T0 + 1)
    assert diff == {"priority": ["normal", "urgent"], "citizen_name": [None, "Ali"]}
    assert after.updated_at == T0 + 1
    same, nothing = patched(before, TicketPatch(), now=T0 + 2)
    assert same is before and nothing == {}
    with pytest.raises(InvalidTicket, match="longitude"):
        patched(before, TicketPatch(latitude=37.0), now=T0)


def test_the_first_audit_entry_holds_every_field_set() -> None:
    assert created(ticket()) == {
        "status": [None, "new"], "channel": [None, "phone"], "category": [None, "asfalt-cukuru"],
        "priority": [None, "normal"], "description": [None, "Çukur var"],
        "created_by": [None, "op1"],
    }


@pytest.mark.parametrize(
    ("year", "sequence", "text"),
    [(2026, 1, "153-2026-000001"), (2026, 123, "153-2026-000123"),
     (2031, 999_999, "153-2031-999999"), (2031, 1_000_000, "153-2031-1000000")],
)
def test_numbers_format_and_parse_back(year: int, sequence: int, text: str) -> None:
    assert format_number(year, sequence) == text
    assert parse_number(text) == (year, sequence)
    assert is_ticket_number(text)


@pytest.mark.parametrize(
    "text",
    ["153-2026-00001", "153-2026-000000", "154-2026-000001", "153-26-000001",
     "153-2026-0000001", " 153-2026-000001", "153-2026-00000a", "153-٢٠٢٦-000001", ""],
)
def test_anything_else_is_no_number(text: str) -> None:
    assert not is_ticket_number(text)
    with pytest.raises(ValueError):
        parse_number(text)


def test_a_number_out_of_range_is_not_formatted() -> None:
    for year, sequence in ((2026, 0), (2026, 10_000_000), (999, 1)):
        with pytest.raises(ValueError):
            format_number(year, sequence)


def test_the_year_turns_at_midnight_in_adana_not_in_greenwich() -> None:
    assert year_of(T0 - 3 * 3600 - 1) == 2025  # 23:59:59 in Adana
    assert year_of(T0 - 3 * 3600) == 2026  # 00:00 in Adana, 21:00 UTC on 31 December
    assert year_of(T0) == 2026


@pytest.mark.parametrize(
    "number", ["10000000146", "12345678950", "98765432150", "55555555550", "27182818254"]
)
def test_identity_numbers_with_right_check_digits_are_valid(number: str) -> None:
    assert is_valid_tc(number)


@pytest.mark.parametrize(
    "number",
    [
        "10000000147",  # last digit off
        "10000000156",  # tenth digit off
        "12345678901",
        "02345678950",  # starts with 0
        "1234567895",  # ten digits
        "123456789500",  # twelve
        "1234567895a",
        "١٢٣٤٥٦٧٨٩٥٠",  # Arabic-Indic digits
        "",
    ],
)
def test_identity_numbers_with_wrong_check_digits_or_shape_are_invalid(number: str) -> None:
    assert not is_valid_tc(number)


def test_an_identity_number_is_masked_to_its_last_two_digits() -> None:
    assert mask_tc("10000000146") == "*********46"


def test_a_draft_is_cleaned_as_it_is_built() -> None:
    draft = TicketDraft(description="  Kaçak su  ", citizen_phone="+90 532 111 22 33",
                        citizen_name="  ", citizen_tc=" 10000000146 ", category="su-kacagi",
                        district="yuregir", neighbourhood="Kışla", channel=Channel.WHATSAPP)
    assert (draft.description, draft.citizen_phone, draft.citizen_name, draft.citizen_tc) == (
        "Kaçak su", "05321112233", None, "10000000146")
    assert draft.priority is Priority.HIGH  # the category's default


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"description": ""}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"category": "yok"}, "category"),
        ({"citizen_tc": "10000000147"}, "citizen_tc"),
        ({"citizen_phone": "153"}, "citizen_phone"),
        ({"citizen_phone": "+90 532"}, "citizen_phone"),
        ({"citizen_name": "x" * 121}, "citizen_name"),
        ({"district": "kadikoy"}, "district"),
        ({"district": "seyhan", "neighbourhood": "Kışla"}, "neighbourhood"),
        ({"neighbourhood": "Kışla"}, "neighbourhood"),
        ({"latitude": 90.5, "longitude": 35.0}, "latitude"),
        ({"latitude": 37.0, "longitude": -181.0}, "longitude"),
        ({"latitude": math.nan, "longitude": 35.0}, "latitude"),
        ({"longitude": 35.0}, "latitude"),
        ({"address": "a\x00b"}, "address"),
    ],
)
def test_a_bad_draft_is_refused_naming_its_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidTicket) as refused:
        TicketDraft(**{"description": "x", **values})  # type: ignore[arg-type]
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("written", "stored"),
    [("0532 111 22 33", "05321112233"), ("905321112233", "05321112233"),
     ("(0322) 455 35 00", "03224553500"), ("+44 20 7946 0958", "+442079460958"),
     ("0044 20 7946 0958", "+442079460958"), (" ", None)],
)
def test_phones_are_kept_in_one_form(written: str, stored: str | None) -> None:
    assert fields.phone(written) == stored


def test_a_patch_keeps_only_what_it_was_given() -> None:
    patch = TicketPatch(citizen_name=None, address=" Atatürk Cd. ", category="gurultu")
    assert patch.changes() == {"citizen_name": None, "address": "Atatürk Cd.",
                               "category": "gurultu"}
    with pytest.raises(InvalidTicket):
        TicketPatch(description="  ")
    with pytest.raises(InvalidTicket):
        TicketPatch(category="yok")


def test_files_are_judged_by_their_first_bytes() -> None:
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"%PDF-1.7\n") == "application/pdf"
    for foreign in (b"GIF89a", b"<svg/>", b"RIFF\x10\x00\x00\x00WAVE", b"PK\x03\x04", b"%!PS"):
        assert sniff(foreign) is None
    with pytest.raises(AttachmentRefused, match="too_large"):
        accepted_type(b"%PDF-" + b"0" * MAX_BYTES)
    assert accepted_type(b"%PDF-" + b"0" * (MAX_BYTES - 5)) == "application/pdf"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("foto.jpg", "foto.jpg"), ("../../etc/passwd", "passwd"), ("C:\\Users\\a\\b.png", "b.png"),
     ("a\x00b<c>.pdf", "a_b_c_.pdf"), ("", "ek"), (None, "ek"), ("..", "ek"),
     ("ş" * 300 + ".png", "ş" * 255)],
)
def test_file_names_are_cleaned(sent: str | None, kept: str) -> None:
    assert clean_filename(sent) == kept


def test_the_seed_data_loads_once_and_is_consistent() -> None:
    data = reference()
    assert data is reference()
    assert len(data.categories) >= 40 and len(data.groups) >= 12
    assert {c.group for c in data.categories.values()} == set(data.groups)
    assert {c.organisation for c in data.categories.values()} == {"metropolitan", "aski",
                                                                 "district"}
    assert all(c.organisation == "aski" for c in data.categories.values()
               if c.group == "su-kanalizasyon")
    assert data.category("diger").name_en == "Other"
    assert "Reşatbey" in data.districts["seyhan"].neighbourhoods
    assert "Mahfesığmaz" in data.districts["cukurova"].neighbourhoods
