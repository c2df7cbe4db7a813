"""`/api/callbacks…`: the feedback console. Feedback operators call citizens back about
resolved tickets and record their verdict; the team leader (supervisor) watches the queue.

- The queue: waiting, scheduled (with when) and calling callbacks. An operator is not shown
  the ones another operator has taken in preview; a supervisor sees them all.
- Preview mode: the operator takes a callback (and sees its ticket), then asks for the call.
- The verdict: confirmed (closed), not solved (reopened at the same unit, one priority step
  higher, the citizen's words in the trail) or wrong number (closed), with the citizen's
  optional 1-5; the callback is done.
- The pop: the callback and ticket of the attempt id the dialer put on the channel.
- The team leader's hand: a callback taken in preview goes back to the queue (its operator
  or a supervisor releases it), and a waiting one is cancelled with a reason (supervisor).

The queue and every ticket these routes show are written to the read audit (KVKK, Law
No. 6698, art. 12) before the data goes out.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import date, datetime

from aiohttp import web

from cti.console.wrapup import WrapUpError
from cti.domain.calendar import ISTANBUL
from cti.domain.roles import Role
from cti.domain.tickets import feedback
from cti.domain.tickets import fields as check
from cti.domain.tickets.feedback import FeedbackEnd
from cti.web.call_json import Json, iso
from cti.web.callback_json import callback_json, queue_json
from cti.web.errors import ApiError, invalid_parameter
from cti.web.identity import actor_of, principal_of
from cti.web.json_body import read_object, text_field
from cti.web.ports import CallbackEntry
from cti.web.query_params import (
    one,
    page_limit,
    parse_time,
    reject_unknown,
    reject_unknown_or_repeated,
)
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT, CALLBACKS, CONSOLE, DIALER, TICKETS
from cti.web.ticket_access import detail_of
from cti.web.ticket_errors import translating
from cti.web.ticket_json import detail_json, ticket_json
from dialer.day_summary import DaySummary

routes = web.RouteTableDef()
log = logging.getLogger(__name__)

DEFAULT_LIMIT, MAX_LIMIT = 100, 500
OUTCOMES = ("confirmed", "not_solved", "wrong_number", "later")
# The disposition each verdict gives the call (cti/console/codes.py, FEEDBACK_DISPOSITIONS).
VERDICT_CODES = {"confirmed": "geri_arama_cozuldu", "not_solved": "geri_arama_cozulmedi",
                 "wrong_number": "geri_arama_yanlis_numara", "later": "geri_arama_sonra"}
OUTCOME_FIELDS = frozenset({"outcome", "words", "satisfaction", "at"})
# "Call me later": from five minutes to two weeks ahead (a typo's year 2062 is refused).
LATER_MIN, LATER_MAX = 5 * 60.0, 14 * 86400.0
# A verdict is recorded while the call is on (or the citizen has just hung up).
_AWAITING_VERDICT = frozenset({"calling", "connected"})
_ENDS: dict[str, Callable[[str | None], FeedbackEnd]] = {
    "confirmed": feedback.confirmed,
    "not_solved": lambda words: feedback.not_solved(words or ""),
    "wrong_number": lambda _: feedback.wrong_number(),
}
_ID = re.compile(r"[1-9][0-9]{0,8}")  # within a 32-bit id column on PostgreSQL
_ATTEMPT = re.compile(r"[A-Za-z0-9_-]{1,64}")

CALLBACK_NOT_FOUND = ApiError(404, "callback_not_found",
                              "Geri arama bulunamadı / callback not found")
NOT_PREVIEW = ApiError(409, "not_preview",
                       "Önizlemeli arama kapalı / the dialer is not in preview mode")
UNAVAILABLE = ApiError(409, "callback_unavailable",
                       "Bu geri arama artık alınamaz / this callback can no longer be taken")
NOT_TAKEN = ApiError(409, "callback_not_taken",
                     "Önce geri aramayı alın / take the callback first")
NO_EXTENSION = ApiError(409, "no_extension",
                        "Hesabınıza bağlı dahili yok / no softphone is tied to your account")
ATTEMPT_NOT_FOUND = ApiError(404, "attempt_not_found",
                             "Arama bulunamadı / no such call attempt")
NOT_YOUR_CALL = ApiError(409, "not_your_call", "Bu görüşme başka bir operatörün / this call "
                         "is another operator's; a supervisor may record it")
NOT_WAITING = ApiError(409, "callback_not_waiting", "Geri arama beklemede değil (görüşme "
                       "sürüyor ya da bitti) / the callback is not waiting (a call is on, "
                       "or it is finished)")
NO_VERDICT = ApiError(409, "no_call", "Bu geri aramada süren bir görüşme yok / this callback "
                      "has no call waiting for an outcome")


@routes.get("/api/callbacks")
@translating
async def list_callbacks(request: web.Request) -> web.Response:
    reject_unknown(request.query, frozenset({"limit"}))
    limit = page_limit(request.query, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    entries = await request.app[CALLBACKS].queue_view(limit)
    me = actor_of(request)
    if not _supervises(request):  # another operator's preview is theirs alone
        entries = [e for e in entries if e.assigned_to in (None, me)]
    await request.app[ACCESS_AUDIT].record(me, "list_callbacks", f"count={len(entries)}")
    return json_ok(queue_json(_mode(request), entries, time.time()))


@routes.get("/api/callbacks/summary")
@translating
async def callback_summary(request: web.Request) -> web.Response:
    """A day's feedback calls in figures for the team leader (today in Istanbul by default)."""
    reject_unknown_or_repeated(request.query, frozenset({"day"}))
    day = one(request.query, "day", date.fromisoformat) or datetime.now(ISTANBUL).date()
    summary = await request.app[CALLBACKS].day_summary(day)
    # The finished list names tickets: the read is audited as the queue's is.
    await request.app[ACCESS_AUDIT].record(actor_of(request), "callback_summary",
                                           f"day={day.isoformat()} count={len(summary.finished)}")
    return json_ok(summary_json(summary))


@routes.post("/api/callbacks/{callback_id}/take")
@translating
async def take(request: web.Request) -> web.Response:
    callback_id = _callback_id(request)
    await _no_body(request)
    if _mode(request) != "preview":
        raise NOT_PREVIEW
    await _callback(request, callback_id)
    taken = await request.app[CALLBACKS].take(callback_id, actor_of(request))
    if taken is None:
        raise UNAVAILABLE
    return await _with_ticket(request, taken)


@routes.post("/api/callbacks/{callback_id}/call")
@translating
async def call(request: web.Request) -> web.Response:
    callback_id = _callback_id(request)
    await _no_body(request)
    dialer = request.app.get(DIALER)
    if dialer is None or dialer.mode != "preview":
        raise NOT_PREVIEW
    principal = principal_of(request)
    if principal is None or not principal.extension:
        raise NO_EXTENSION
    entry = await _callback(request, callback_id)
    if entry.status != "waiting" or entry.assigned_to != principal.username:
        raise NOT_TAKEN
    try:
        attempt_id = await dialer.call_now(callback_id, principal.username,
                                           principal.extension)
    except LookupError:  # no longer waiting, or its citizen is on another call right now
        raise UNAVAILABLE from None
    return json_ok({"callback_id": callback_id, "attempt_id": attempt_id}, status=202)


@routes.post("/api/callbacks/{callback_id}/outcome")
@translating
async def outcome(request: web.Request) -> web.Response:
    callback_id = _callback_id(request)
    body = await read_object(request, OUTCOME_FIELDS)
    verdict, words, score = _verdict(body)
    at = _later_at(body, time.time()) if verdict == "later" else None
    entry = await _callback(request, callback_id)
    if entry.status not in _AWAITING_VERDICT:
        raise NO_VERDICT
    actor = actor_of(request)
    await _own_call(request, callback_id, actor)
    if at is not None:
        return await _later(request, entry, at, words, actor)
    # The callback done and its ticket moved in one transaction: never one without the other.
    ticket = await request.app[CALLBACKS].verdict(
        callback_id, verdict, _ENDS[verdict](words), actor, time.time(),
        tickets=request.app[TICKETS], score=score)
    if ticket is None:
        raise NO_VERDICT  # another hand closed it meanwhile
    await _code_the_call(request, callback_id, verdict)
    closed = await _callback(request, callback_id)
    return json_ok({"callback": callback_json(closed), "ticket": ticket_json(ticket)})


@routes.post("/api/callbacks/{callback_id}/release")
@translating
async def release(request: web.Request) -> web.Response:
    """A callback taken in preview back to the queue: by the operator who took it, or by a
    supervisor for an operator who is gone (else nobody else could call that citizen)."""
    callback_id = _callback_id(request)
    await _no_body(request)
    if (await _callback(request, callback_id)).status != "waiting":
        raise NOT_WAITING  # being called, or finished: nothing to put back
    principal = principal_of(request)
    leads = principal is None or principal.has(Role.SUPERVISOR)  # the feedback team's leader
    if not await request.app[CALLBACKS].release(callback_id, None if leads else
                                                actor_of(request)):
        raise NOT_TAKEN
    return json_ok({"callback": callback_json(await _callback(request, callback_id))})


@routes.post("/api/callbacks/{callback_id}/cancel")
@translating
async def cancel(request: web.Request) -> web.Response:
    """A supervisor takes a waiting callback off the list: the citizen asked not to be called,
    or heard the outcome another way. The reason goes to the ticket's trail, and the ticket
    closes on the unit's resolution."""
    callback_id = _callback_id(request)
    body = await read_object(request, frozenset({"reason"}))
    reason = check.required_text("reason", text_field(body, "reason"), limit=check.MAX_NOTE)
    await _callback(request, callback_id)
    if not await request.app[CALLBACKS].withdraw(callback_id, reason, actor_of(request),
                                                 time.time(), tickets=request.app[TICKETS]):
        raise NOT_WAITING
    return json_ok({"callback": callback_json(await _callback(request, callback_id))})


@routes.get("/api/callbacks/attempts/{attempt_id}")
@translating
async def attempt(request: web.Request) -> web.Response:
    """The console's pop: which callback and ticket the citizen on the line is about."""
    attempt_id = request.match_info["attempt_id"]
    if not _ATTEMPT.fullmatch(attempt_id):
        raise invalid_parameter("attempt_id")
    entry = await request.app[CALLBACKS].of_attempt(attempt_id)
    if entry is None:
        raise ATTEMPT_NOT_FOUND
    return await _with_ticket(request, entry)


def _verdict(body: dict[str, object]) -> tuple[str, str | None, int | None]:
    """(outcome, the citizen's words, satisfaction); 400 naming the field at fault."""
    verdict = text_field(body, "outcome", required=True)
    if verdict not in OUTCOMES:
        raise invalid_parameter("outcome")
    words = text_field(body, "words")
    if verdict == "not_solved":  # what the unit reads when it gets the request back
        words = check.required_text("words", words, limit=check.MAX_NOTE)
    elif verdict == "wrong_number" and words is not None:
        raise invalid_parameter("words")  # nobody's words to keep: refused, never dropped
    else:
        words = check.text("words", words, limit=check.MAX_NOTE)
    score = body.get("satisfaction")
    if score is not None and (
        verdict in ("wrong_number", "later") or isinstance(score, bool)
        or not isinstance(score, int) or not 1 <= score <= 5
    ):
        raise invalid_parameter("satisfaction")
    if verdict != "later" and "at" in body:
        raise invalid_parameter("at")  # a moment only an appointment has: refused, not dropped
    return verdict, words, score


async def _code_the_call(request: web.Request, callback_id: int, verdict: str) -> None:
    """The verdict is also the call's disposition: it ends the operator's after-call work at
    once (or skips it, given during the call), so the dialer can give them the next citizen.
    Nothing to do for a call that was not a queue call of theirs (preview, a supervisor)."""
    desk, principal = request.app.get(CONSOLE), principal_of(request)
    if desk is None or principal is None or not principal.extension:
        return
    attempt_id = await request.app[CALLBACKS].last_attempt_id(callback_id)
    if attempt_id is None:
        return
    try:
        await desk.code_unless_coded(principal, attempt_id, VERDICT_CODES[verdict])
    except WrapUpError as error:
        log.debug("callback %d: no after-call work to end (%s)", callback_id, error)


def _later_at(body: dict[str, object], now: float) -> float:
    """The moment the citizen asked to be called: epoch seconds or ISO 8601 with a timezone
    (the console sends Istanbul's), five minutes to two weeks ahead; 400 otherwise."""
    raw = body.get("at")
    try:
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            raise ValueError("missing")
        at = parse_time(raw) if isinstance(raw, str) else float(raw)
    except (ValueError, OverflowError):
        raise invalid_parameter("at") from None
    if not now + LATER_MIN <= at <= now + LATER_MAX:
        raise invalid_parameter("at")
    return at


async def _later(request: web.Request, entry: CallbackEntry, at: float, words: str | None,
                 actor: str) -> web.Response:
    """The citizen asks to be called at `at`: the callback waits for it, the ticket as it is."""
    due = await request.app[CALLBACKS].later(entry.callback_id, at, actor, time.time(), words,
                                             tickets=request.app[TICKETS])
    if due is None:
        raise NO_VERDICT  # another hand closed the callback or moved its ticket meanwhile
    await _code_the_call(request, entry.callback_id, "later")
    waiting = await _callback(request, entry.callback_id)
    ticket = await request.app[TICKETS].get(entry.ticket_number)
    assert ticket is not None  # a callback lives only as long as its ticket
    return json_ok({"callback": callback_json(waiting), "ticket": ticket_json(ticket)})


async def _with_ticket(request: web.Request, entry: CallbackEntry) -> web.Response:
    """The callback and its ticket with the trail, the read written to the read audit first."""
    number = entry.ticket_number
    detail = await detail_of(request, number)
    await request.app[ACCESS_AUDIT].record(actor_of(request), "read_ticket", number)
    body: Json = {"callback": callback_json(entry), "ticket": detail_json(detail)}
    return json_ok(body)


async def _callback(request: web.Request, callback_id: int) -> CallbackEntry:
    entry = await request.app[CALLBACKS].get(callback_id)
    if entry is None:
        raise CALLBACK_NOT_FOUND
    return entry


def _callback_id(request: web.Request) -> int:
    raw = request.match_info["callback_id"]
    if not _ID.fullmatch(raw):
        raise invalid_parameter("callback_id")
    return int(raw)


async def _no_body(request: web.Request) -> None:
    if request.can_read_body:  # no body is needed; one sent must still be a clean object
        await read_object(request, frozenset())


def _mode(request: web.Request) -> str:
    dialer = request.app.get(DIALER)
    return "off" if dialer is None else dialer.mode


def _supervises(request: web.Request) -> bool:
    principal = principal_of(request)
    return principal is None or principal.has(Role.SUPERVISOR, Role.ADMIN)


async def _own_call(request: web.Request, callback_id: int, actor: str) -> None:
    """Only the operator who had the citizen on the line (or a supervisor) says what they
    said: the verdict closes or reopens the ticket."""
    principal = principal_of(request)
    if principal is not None and principal.has(Role.SUPERVISOR):
        return
    operator = await request.app[CALLBACKS].handled_by(callback_id)
    if operator is not None and operator != actor:
        raise NOT_YOUR_CALL


def summary_json(summary: DaySummary) -> dict[str, object]:
    return {
        "day": summary.day.isoformat(),
        "callbacks": dict(summary.callbacks),
        "attempts": dict(summary.attempts),
        "contact_rate": summary.contact_rate,
        "satisfaction": {"average": summary.satisfaction_average,
                         "count": summary.satisfaction_count},
        "operators": [{"operator": name, "calls": figures.calls,
                       "talk_seconds": round(figures.talk_seconds, 1)}
                      for name, figures in summary.operators.items()],
        "finished": [{"callback_id": f.callback_id, "ticket_number": f.ticket_number,
                      "unit": f.unit, "outcome": f.outcome, "operator": f.operator,
                      "satisfaction": f.satisfaction, "attempts": f.attempts,
                      "done_at": f.done_at, "done_at_iso": iso(f.done_at)}
                     for f in summary.finished],
    }
