"""The organisation tickets are forwarded to: units of the metropolitan municipality, of ASKİ and
of Adana's 15 district municipalities, as a tree of units with stable codes.

The shipped tree is `cti/seed/organisation.json`; an admin will keep it up to date from a
spreadsheet, so the CSV format below is the exchange format (`cti org import`). Both go through
the same checks, and a CSV error names the line so a clerk can find it in Excel.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

MAX_CODE = 64  # the ticket's unit column (cti.domain.tickets.fields.MAX_UNIT)
MAX_EMAIL = 254  # the units table's e-mail columns
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CSV_COLUMNS = ("code", "parent", "kind", "name_tr", "name_en", "email", "manager_email", "active")
# Files from before the manager's address and deactivation lack the last two: all active then.
REQUIRED_COLUMNS = CSV_COLUMNS[:6]
# What a clerk may type in the active column; empty means yes.
_YES = frozenset({"", "evet", "e", "yes", "y", "true", "1", "aktif", "active"})
_NO = frozenset({"hayır", "hayir", "h", "no", "n", "false", "0", "pasif", "inactive"})


class UnitKind(StrEnum):
    ORGANISATION = "organisation"  # a municipality or ASKİ itself: the root of a tree
    DEPARTMENT = "department"      # daire başkanlığı
    BRANCH = "branch"              # şube müdürlüğü, under a department
    DIRECTORATE = "directorate"    # a district municipality's müdürlük


class OrganisationError(ValueError):
    """Bad organisation data; `line` is the CSV line when it came from a file."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {problem}" if line is not None else problem)
        self.problem = problem
        self.line = line


class UnknownUnit(LookupError):
    pass


@dataclass(frozen=True)
class Unit:
    code: str
    name_tr: str
    name_en: str
    parent: str | None
    kind: UnitKind
    email: str = ""  # the unit's inbox for warnings; empty until the administration fills it in
    manager_email: str = ""  # who is warned as well when a deadline passes; empty: the parent's
    active: bool = True  # a deactivated unit keeps its code for old tickets but takes no new ones


@dataclass(frozen=True)
class Organisation:
    units: Mapping[str, Unit]
    aliases: Mapping[str, str]  # earlier codes still found on tickets -> the unit they mean

    def unit(self, code: str) -> Unit:
        """The unit with this code, or the one an old alias stands for."""
        found = self.units.get(self.aliases.get(code, code))
        if found is None:
            raise UnknownUnit(code)
        return found

    def children(self, code: str) -> tuple[Unit, ...]:
        return tuple(u for u in self.units.values() if u.parent == self.unit(code).code)

    def path(self, code: str) -> tuple[Unit, ...]:
        """The unit's chain from its organisation down to itself (for "ASKİ › Atıksu › ...")."""
        chain = [self.unit(code)]
        while chain[-1].parent is not None:
            chain.append(self.units[chain[-1].parent])
        return tuple(reversed(chain))

    def root(self, code: str) -> Unit:
        """The organisation (municipality or ASKİ) the unit belongs to."""
        return self.path(code)[0]

    def district_municipality(self, district: str) -> Unit:
        return self.unit(f"ilce-{district}")


def build(units: Iterable[Unit], aliases: Mapping[str, str] | None = None) -> Organisation:
    """An Organisation from units, checked: unique codes, parents that exist, no loops."""
    by_code: dict[str, Unit] = {}
    for unit in units:
        if unit.code in by_code:
            raise OrganisationError(f"unit code {unit.code!r} is repeated")
        by_code[unit.code] = unit
    for unit in by_code.values():
        if unit.parent is not None and unit.parent not in by_code:
            raise OrganisationError(f"unit {unit.code!r}: parent {unit.parent!r} is not a unit")
    looped = find_loop(by_code)
    if looped is not None:
        raise OrganisationError(f"unit {looped!r} is its own ancestor")
    aliases = dict(aliases or {})
    for alias, target in aliases.items():
        if alias in by_code:
            raise OrganisationError(f"alias {alias!r} is also a unit code")
        if target not in by_code:
            raise OrganisationError(f"alias {alias!r}: {target!r} is not a unit")
    return Organisation(by_code, aliases)


def find_loop(units: Mapping[str, Unit]) -> str | None:
    """A unit that is its own ancestor, if any; a parent outside `units` ends a chain."""
    for unit in units.values():
        seen = {unit.code}
        parent = unit.parent
        while parent is not None and parent in units:
            if parent in seen:
                return unit.code
            seen.add(parent)
            parent = units[parent].parent
    return None


def make_unit(raw: Mapping[str, Any]) -> Unit:
    """One unit from a record (JSON object or CSV row), each field checked."""
    code = str(raw.get("code") or "").strip()
    if len(code) > MAX_CODE or not _SLUG.fullmatch(code):
        raise OrganisationError(f"code {code!r} is not a lower-case ASCII slug (a-z, 0-9, -)")
    kind_text = str(raw.get("kind") or "").strip()
    if kind_text not in {k.value for k in UnitKind}:
        choices = ", ".join(k.value for k in UnitKind)
        raise OrganisationError(f"unit {code!r}: kind {kind_text!r} is not one of {choices}")
    kind = UnitKind(kind_text)
    parent = str(raw.get("parent") or "").strip() or None
    if (parent is None) != (kind is UnitKind.ORGANISATION):
        raise OrganisationError(f"unit {code!r}: only an organisation has no parent")
    return Unit(code, _name(raw, "name_tr", code), _name(raw, "name_en", code), parent, kind,
                _email(raw, "email", code), _email(raw, "manager_email", code),
                _active(raw.get("active"), code))


def _email(raw: Mapping[str, Any], field: str, code: str) -> str:
    email = str(raw.get(field) or "").strip()
    if email and (len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email)):
        raise OrganisationError(f"unit {code!r}: {field} {email!r} is not an address")
    return email


def _active(value: object, code: str) -> bool:
    if value is None or isinstance(value, bool):
        return value is not False
    text = str(value).strip().casefold()
    if text in _YES or text in _NO:
        return text in _YES
    raise OrganisationError(f"unit {code!r}: active {value!r} is not evet/hayır (yes/no)")


def _name(raw: Mapping[str, Any], field: str, code: str) -> str:
    name = str(raw.get(field) or "").strip()
    if not 0 < len(name) <= 160:
        raise OrganisationError(f"unit {code!r}: {field} must be 1 to 160 characters")
    return name


@functools.cache
def organisation() -> Organisation:
    """The shipped organisation, loaded and checked on first use."""
    text = resources.files("cti.seed").joinpath("organisation.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return build((make_unit(raw) for raw in data["units"]), data.get("aliases", {}))


def units_from_csv(text: str, known: Iterable[str] = ()) -> list[Unit]:
    """The units in a CSV file, in file order; `known` are codes a parent may also name.
    See `read_csv`."""
    return read_csv(text, known)[0]


def read_csv(text: str, known: Iterable[str] = ()) -> tuple[list[Unit], dict[str, int]]:
    """The units in a CSV file, in file order, and each one's line (for later checks).

    Accepts what a spreadsheet saves: a byte-order mark, `,` or `;` (Turkish Excel) as the
    separator, columns in any order; manager_email and active may be missing (an older file:
    no manager's address, every unit active). Any problem raises OrganisationError naming its
    line.
    """
    text = text.removeprefix("\ufeff")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        return _read_rows(reader, set(known))
    except csv.Error as error:
        # A cell past the csv module's field limit (131,072 characters), say: no spreadsheet
        # writes one, so the file is damaged or hostile. `line_num` counts the lines read
        # whole before the record at fault.
        raise OrganisationError(f"not readable as CSV ({error})", reader.line_num + 1) from None


def _read_rows(reader: csv.DictReader[str], known: set[str]) -> tuple[list[Unit], dict[str, int]]:
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise OrganisationError(f"the header lacks {', '.join(missing)}", line=1)
    units: list[Unit] = []
    lines: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # a blank line a spreadsheet left behind
        unit = _row_unit(row, line)
        if unit.code in lines:
            earlier = lines[unit.code]
            raise OrganisationError(f"code {unit.code!r} is already on line {earlier}", line)
        lines[unit.code] = line
        units.append(unit)
    _check_csv_parents(units, lines, known)
    return units, lines


def _row_unit(row: Mapping[str | None, Any], line: int) -> Unit:
    if row.get(None):
        raise OrganisationError("more cells than columns (a separator inside a name?)", line)
    try:
        return make_unit({k: v for k, v in row.items() if k is not None})
    except OrganisationError as error:
        raise OrganisationError(error.problem, line) from None


def _check_csv_parents(units: list[Unit], lines: Mapping[str, int], known: set[str]) -> None:
    for unit in units:
        if unit.parent is not None and unit.parent not in lines and unit.parent not in known:
            raise OrganisationError(
                f"unit {unit.code!r}: parent {unit.parent!r} is neither in the file nor known",
                lines[unit.code],
            )
    looped = find_loop({u.code: u for u in units})
    if looped is not None:
        raise OrganisationError(f"unit {looped!r} is its own ancestor", lines[looped])


def csv_text(data: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without Excel's byte-order mark), else Windows-1254,
    which Turkish Excel uses for "CSV (virgülle ayrılmış)"; a NUL byte means it is no CSV."""
    if b"\0" in data:
        raise OrganisationError("not a CSV file (binary content; save it as CSV UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1254", errors="replace")


def units_to_csv(units: Iterable[Unit]) -> str:
    """The units as CSV with a header, parents before children, as `units_from_csv` reads it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for unit in _parents_first(list(units)):
        writer.writerow([unit.code, unit.parent or "", unit.kind.value, unit.name_tr,
                         unit.name_en, unit.email, unit.manager_email,
                         "evet" if unit.active else "hayır"])
    return out.getvalue()


def _parents_first(units: list[Unit]) -> list[Unit]:
    # Depth-first from each root, so a reader (or a clerk) meets a parent before its children.
    children: dict[str | None, list[Unit]] = {}
    codes = {u.code for u in units}
    for unit in units:
        children.setdefault(unit.parent if unit.parent in codes else None, []).append(unit)
    ordered: list[Unit] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(reversed(children.get(unit.code, [])))
    return ordered
