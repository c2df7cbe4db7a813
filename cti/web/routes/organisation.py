"""`/api/units…`: the organisation tickets are forwarded to, for everyone signed in to read and
for the admin to edit, export and import as CSV; `/api/routing/suggest`: the unit the
routing rules suggest for a category, district and kind of place.

Units are deactivated, never deleted; every change is checked as the whole tree it leaves
behind (`cti.domain.unit_changes`) and written to the change audit with its actor.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator

from aiohttp import web

from cti.domain.organisation import (
    Organisation,
    OrganisationError,
    Unit,
    UnknownUnit,
    csv_text,
    make_unit,
)
from cti.domain.routing import LOCATION_KINDS, location_kinds
from cti.domain.tickets.reference import reference
from cti.storage.units import StoredUnit, UnitExists
from cti.web.errors import ApiError, invalid_parameter
from cti.web.files import CHUNK, MULTIPART_OVERHEAD, file_part, part_chunks, read_limited
from cti.web.identity import actor_of
from cti.web.json_body import read_object
from cti.web.query_params import one, parse_flag, reject_unknown_or_repeated
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT, UNITS

routes = web.RouteTableDef()

MAX_CSV = 1024 * 1024  # the seed's 155 units take 20 kB
UNIT_FIELDS = frozenset({"code", "parent", "kind", "name_tr", "name_en", "email",
                         "manager_email", "active"})
_CODE = re.compile(r"[a-z0-9-]{1,64}")
_SUGGEST_PARAMETERS = frozenset({"category", "district", "location_kind"})
CSV_TOO_LARGE = ApiError(413, "too_large", "Dosya 1 MB'tan büyük / the file is larger than 1 MB")
UNIT_NOT_FOUND = ApiError(404, "unit_not_found", "Birim bulunamadı / unit not found")
UNIT_EXISTS = ApiError(409, "unit_exists", "Bu kodla bir birim var / a unit has this code")


@routes.get("/api/units")
async def list_units(request: web.Request) -> web.Response:
    stored = await request.app[UNITS].list()
    return json_ok({
        "units": [unit_json(s, depth) for s, depth in _tree_order(stored)],
        "location_kinds": [{"code": code, "name_tr": tr, "name_en": en}
                           for code, (tr, en) in location_kinds().items()],
    })


@routes.post("/api/units")
async def add_unit(request: web.Request) -> web.Response:
    unit = _unit(await read_object(request, UNIT_FIELDS))
    with _refusals():
        stored = await request.app[UNITS].add(unit, actor_of(request))
    await request.app[ACCESS_AUDIT].record(actor_of(request), "unit_add", unit.code)
    response = json_ok({"unit": unit_json(stored)}, status=201)
    response.headers["Location"] = f"/api/units/{unit.code}"
    return response


@routes.patch("/api/units/{code}")
async def change_unit(request: web.Request) -> web.Response:
    code = request.match_info["code"]
    body = await read_object(request, UNIT_FIELDS - {"code"})
    current = await request.app[UNITS].get(code) if _CODE.fullmatch(code) else None
    if current is None:
        raise UNIT_NOT_FOUND
    unit = _unit({**_record(current.unit), **body})
    with _refusals():
        stored = await request.app[UNITS].update(unit, actor_of(request))
    await request.app[ACCESS_AUDIT].record(actor_of(request), "unit_change", unit.code)
    return json_ok({"unit": unit_json(stored)})


@routes.get("/api/units/export")
async def export_units(request: web.Request) -> web.Response:
    text = await request.app[UNITS].export_csv()
    await request.app[ACCESS_AUDIT].record(actor_of(request), "units_export", "units")
    # A byte-order mark: Excel then opens it as UTF-8, Turkish letters intact.
    return web.Response(
        body=("\ufeff" + text).encode(), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="birimler.csv"',
                 "Cache-Control": "no-store"},
    )


@routes.post("/api/units/import")
async def import_units(request: web.Request) -> web.Response:
    reject_unknown_or_repeated(request.query, {"dry_run"})
    dry_run = one(request.query, "dry_run", parse_flag) or False
    try:
        text = csv_text(await _csv_body(request))
        counts = await request.app[UNITS].import_csv(text, actor_of(request), dry_run=dry_run)
    except OrganisationError as error:
        return _import_refused(error)
    if not dry_run:
        subject = " ".join(f"{k}={v}" for k, v in counts.as_dict().items())
        await request.app[ACCESS_AUDIT].record(actor_of(request), "units_import", subject)
    return json_ok({**counts.as_dict(), "dry_run": dry_run})


@routes.get("/api/routing/suggest")
async def suggest_unit(request: web.Request) -> web.Response:
    query = request.query
    reject_unknown_or_repeated(query, _SUGGEST_PARAMETERS)
    category = one(query, "category", _known(reference().categories))
    if category is None:
        raise invalid_parameter("category")
    district = one(query, "district", _known(reference().districts))
    kind = one(query, "location_kind", _known(LOCATION_KINDS))
    rules = await request.app[UNITS].routing()
    suggestion = rules.suggest(category, district, kind)
    unit = suggestion.unit
    return json_ok({
        "unit": unit.code if unit else None,
        "unit_name_tr": unit.name_tr if unit else None,
        "unit_name_en": unit.name_en if unit else None,
        "reason_tr": suggestion.reason,
        "label": suggestion.label,
        "path": _path(rules.organisation, unit),
    })


def unit_json(stored: StoredUnit, depth: int | None = None) -> dict[str, object]:
    return {**_record(stored.unit), "updated_at": stored.updated_at,
            "updated_by": stored.updated_by, **({} if depth is None else {"depth": depth})}


def _record(unit: Unit) -> dict[str, object]:
    return {**dataclasses.asdict(unit), "kind": unit.kind.value}


def _unit(body: dict[str, object]) -> Unit:
    """A unit from a request's fields, each checked as the CSV import checks it."""
    for name, value in body.items():
        if not (isinstance(value, bool) if name == "active" else value is None
                or isinstance(value, str)):
            raise invalid_parameter(name)
    with _refusals():
        return make_unit(body)


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except UnitExists:
        raise UNIT_EXISTS from None
    except UnknownUnit:
        raise UNIT_NOT_FOUND from None
    except OrganisationError as error:
        raise ApiError(400, "invalid_unit",
                       f"Birim kabul edilmedi / unit refused: {error.problem}") from None


async def _csv_body(request: web.Request) -> bytes:
    """The CSV file: the body itself, or a multipart body's `file` part; 413 past MAX_CSV."""
    if (request.content_length or 0) > MAX_CSV + MULTIPART_OVERHEAD:
        raise CSV_TOO_LARGE
    if not request.content_type.startswith("multipart/"):
        return await read_limited(request.content.iter_chunked(CHUNK), MAX_CSV, CSV_TOO_LARGE)
    part = await file_part(request)
    return await read_limited(part_chunks(part), MAX_CSV, CSV_TOO_LARGE)


def _import_refused(error: OrganisationError) -> web.Response:
    # The line goes out on its own too, so the admin page can point at it.
    message = f"CSV dosyası kabul edilmedi / CSV file refused: {error}"
    return json_ok({"error": {"code": "invalid_csv", "message": message, "line": error.line}},
                   status=400)


def _tree_order(stored: Iterable[StoredUnit]) -> list[tuple[StoredUnit, int]]:
    """Parents before children, depth first, each with its depth (0: an organisation)."""
    children: dict[str | None, list[StoredUnit]] = {}
    for s in stored:
        children.setdefault(s.unit.parent, []).append(s)
    ordered: list[tuple[StoredUnit, int]] = []
    stack = [(s, 0) for s in reversed(children.get(None, []))]
    while stack:
        found, depth = stack.pop()
        ordered.append((found, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(found.unit.code, [])))
    return ordered


def _path(org: Organisation, unit: Unit | None) -> list[dict[str, str]]:
    if unit is None:
        return []
    return [{"code": u.code, "name_tr": u.name_tr, "name_en": u.name_en}
            for u in org.path(unit.code)]


def _known(values: Iterable[str]) -> Callable[[str], str]:
    allowed = frozenset(values)

    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValueError("unknown")
        return raw

    return parse
