"""Which operator's phone rings for which call, from AMI queue events: pure bookkeeping.

`RingTracker.read(frame)` turns a frame into console events. With ring-all (or a second
operator rung while the first still rings) several phones ring for one call: when one answers,
the others' pops close ("answered_elsewhere"); when the caller leaves, every pop closes.
Asterisk sends no AgentRingNoAnswer for the phones it stops ringing because another answered,
so the tracker remembers who it rang.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cti.domain.numbers import normalize_number
from cti.live.headers import call_id, moment, text
from cti.telephony.ami.frames import Frame

# What the FastAGI lookup set on the caller's channel (agi_scripts/incoming.py), echoed on the
# operator's AgentCalled through manager.conf channelvars.
HINT_PREFIX = "ALO153_"
MAX_TALKING = 4  # calls an extension may be on at once (hold, a second line), remembered


@dataclass(frozen=True, kw_only=True)
class CallerWaiting:
    """A caller entered a queue: the pop's history can be fetched before any phone rings."""

    call_id: str
    number: str | None  # national form; None when the caller id is not a phone number


@dataclass(frozen=True, kw_only=True)
class RingStarted:
    extension: str
    call_id: str
    queue: str
    at: float  # Asterisk's clock (Timestamp)
    caller_number: str | None
    caller_id: str  # as Asterisk has it, for display when it is no phone number
    caller_name: str
    hints: dict[str, str] = field(default_factory=dict)  # ALO153_OPEN → "2", …


@dataclass(frozen=True, kw_only=True)
class RingEnded:
    extension: str
    call_id: str
    reason: str  # no_answer, answered_elsewhere, caller_left, cancelled


@dataclass(frozen=True, kw_only=True)
class CallAnswered:
    extension: str
    call_id: str
    queue: str
    at: float


@dataclass(frozen=True, kw_only=True)
class CallEnded:
    extension: str
    call_id: str
    queue: str
    at: float


@dataclass(frozen=True, kw_only=True)
class CallGone:
    """The caller's channel hung up: nothing more will happen for this call."""

    call_id: str


ConsoleEvent = CallerWaiting | RingStarted | RingEnded | CallAnswered | CallEnded | CallGone


def extension_of(interface: str) -> str:
    """PJSIP/1001 → 1001; Local/1001@alo153-operators/n → 1001."""
    _, _, rest = interface.partition("/")
    return rest.split("@", 1)[0].split("/", 1)[0]


def hints_of(frame: Frame) -> dict[str, str]:
    hints = {}
    for value in frame.get_all("ChanVariable"):
        name, sep, content = value.partition("=")
        if sep and name.startswith(HINT_PREFIX):
            hints[name[len(HINT_PREFIX):].lower()] = content
    return hints


@dataclass
class _Rung:
    queue: str
    legs: dict[str, str] = field(default_factory=dict)  # extension → its channel's Uniqueid
    answered_by: str | None = None


class RingTracker:
    def __init__(self) -> None:
        self._calls: dict[str, _Rung] = {}
        # extension → the calls it answered and whose AgentComplete has not come, oldest
        # first, with their queue: an AgentComplete raised once both channels are gone
        # carries neither party's ids, only the operator's Interface and the queue.
        self._talking: dict[str, list[tuple[str, str]]] = {}

    def read(self, frame: Frame, now: float) -> list[ConsoleEvent]:
        handler = _HANDLERS.get(frame.event or "")
        return handler(self, frame, now) if handler else []

    def ringing(self, call: str) -> tuple[str, ...]:
        rung = self._calls.get(call)
        return tuple(rung.legs) if rung else ()

    def _joined(self, frame: Frame, now: float) -> list[ConsoleEvent]:
        number = normalize_number(text(frame, "CallerIDNum"))
        return [CallerWaiting(call_id=_call(frame), number=number)]

    def _called(self, frame: Frame, now: float) -> list[ConsoleEvent]:
        extension = extension_of(text(frame, "Interface"))
        call, queue = _call(frame), text(frame, "Queue")
        if not extension or not call:
            return []
        rung = self._calls.setdefault(call, _Rung(queue))
        rung.legs[extension] = text(frame, "DestUniqueid")
        raw_id = text(frame, "CallerIDNum")
        return [RingStarted(
            extension=extension, call_id=call, queue=queue, at=moment(frame, now),
            caller_number=normalize_number(raw_id), caller_id=_shown(raw_id),
            caller_name=_shown(text(frame, "CallerIDName")), hints=hints_of(frame),
        )]

    def _no_answer(self, frame: Frame, now: float) -> list[ConsoleEvent]:
        extension, call = extension_of(text(frame, "Interface")), _call(frame)
        rung = self._calls.get(call)
        if rung is None or rung.legs.pop(extension, None) is None:
            return []
        return [RingEnded(extension=extension, call_id=call, reason="no_answer")]

    def _connected(self, frame: Frame, now: float) -> list[ConsoleEvent]:
        extension, call = extension_of(text(frame, "Interface")), _call(frame)
        rung = self._calls.setdefault(call, _Rung(text(frame, "Queue")))
        events: list[ConsoleEvent] = [
            RingEnded(extension=other, call_id=call, reason="answered_elsewhere")
            for other in rung.legs if other != extension
        ]
        rung.legs.clear()
        rung.answered_by = extension
        talking = self._talking.setdefault(extension, [])
        talking.append((call, text(frame, "Queue")))
        del talking[:-MAX_TALKING]
        events.append(CallAnswered(extension=extension, call_id=call,
                                   queue=text(frame, "Queue"), at=moment(frame, now)))
        return events

    def _completed(self, frame: Frame, now: float) -> list[ConsoleEvent]:
        extension = extension_of(text(frame, "Interface"))
        call = _call(frame) or self._oldest_talk(extension, text(frame, "Queue"))
        talking = self._talking.get(extension, [])
        talking[:] = [(c, q) for c, q in talking if c != call]
        rung = self._calls.get(call)
        if rung is not None and rung.answered_by == extension:
            rung.answered_by = None
            self._forget_if_done(call, rung)
        return [CallEnded(extension=extension, call_id=call, queue=text(frame, "Queue"),
                          at=moment(frame, now))]

    def _oldest_talk(self, extension: str, queue: str) -> str:
        """A bare AgentComplete comes late, if anything: it ends the oldest call answered
        in its queue."""
        return next((c for c, q in self._talking.get(extension, []) if q == queue), "")

    def resynced(self) -> None:
        """The link was down: completes may have been lost, so none is guessed from before."""
        self._talking.clear()

    def _abandoned(self, frame: Frame, now: float) -> list[ConsoleEvent]:
        return self._close_all(_call(frame), "caller_left")

    def _hung_up(self, frame: Frame, now: float) -> list[ConsoleEvent]:
        uniqueid, call = text(frame, "Uniqueid"), _call(frame)
        if uniqueid and uniqueid == text(frame, "Linkedid"):  # the caller's own channel
            return [*self._close_all(call, "caller_left"), CallGone(call_id=call)]
        rung = self._calls.get(call)
        if rung is None:
            return []
        for extension, leg in list(rung.legs.items()):
            if leg and leg == uniqueid:  # that phone stopped ringing (timeout, exit, cancel)
                del rung.legs[extension]
                self._forget_if_done(call, rung)
                return [RingEnded(extension=extension, call_id=call, reason="cancelled")]
        return []

    def _close_all(self, call: str, reason: str) -> list[ConsoleEvent]:
        rung = self._calls.pop(call, None)
        if rung is None:
            return []
        return [RingEnded(extension=e, call_id=call, reason=reason) for e in rung.legs]

    def _forget_if_done(self, call: str, rung: _Rung) -> None:
        if not rung.legs and rung.answered_by is None:
            self._calls.pop(call, None)


def _call(frame: Frame) -> str:
    # Our own id on every leg (ALO153_CALL, manager.conf channelvars) is the Linkedid the
    # dialplan copied; Linkedid itself serves when a call came in some other way.
    return call_id(frame)


def _shown(value: str) -> str:
    return "" if value.strip().lower() in ("", "unknown", "<unknown>") else value


_HANDLERS = {
    "QueueCallerJoin": RingTracker._joined,
    "AgentCalled": RingTracker._called,
    "AgentRingNoAnswer": RingTracker._no_answer,
    "AgentConnect": RingTracker._connected,
    "AgentComplete": RingTracker._completed,
    "AgentDump": RingTracker._completed,
    "QueueCallerAbandon": RingTracker._abandoned,
    "Hangup": RingTracker._hung_up,
}
