"""`agi://…/survey,<attempt id>`: the citizen rates the feedback call on the keypad.

Only a citizen whom a feedback operator had on the line is asked (the attempt's id, from the
channel, is outside input: anything else ends the session at once). The centre's question and a
beep play with keys 1-5 allowed to cut them short (a question not installed is skipped); then
one key is awaited; no key or another key asks once more.
The 1-5 goes to the ticket (`satisfaction`, a "survey" entry in its trail by "anket"),
replacing what the operator may have typed: the citizen's own answer is the better one.
ALO153_SURVEY tells the dialplan (and the CDR) how it went: 1-5, none, or skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from cti.telephony.agi.channel import AgiChannel, quote
from cti.telephony.agi.request import AgiRequest
from cti.telephony.agi.server import Route
from dialer.callback_views import Attempt
from dialer.survey import ACTOR, BEEP, SCORES, SurveyConfig, score_of

log = logging.getLogger(__name__)


class Attempts(Protocol):
    async def attempt(self, attempt_id: str) -> Attempt | None: ...


Score = Callable[[str, int, str], Awaitable[object]]  # (ticket number, 1-5, actor)


def route(attempts: Attempts, record: Score, config: SurveyConfig) -> Route:
    async def survey(request: AgiRequest, channel: AgiChannel) -> None:
        attempt = await attempts.attempt(request.arg(1) or "")
        if not config.enabled or attempt is None or attempt.connected_at is None:
            await channel.set_variable("ALO153_SURVEY", "skipped")
            return
        score = await _ask(channel, config)
        if score is None:
            await channel.set_variable("ALO153_SURVEY", "none")
            return
        await record(attempt.ticket_number, score, ACTOR)
        log.info("survey: attempt %s scored %d", attempt.attempt_id, score)
        await channel.set_variable("ALO153_SURVEY", str(score))
        await channel.command(f"STREAM FILE {config.thanks} {quote('')}")

    return survey


async def _ask(channel: AgiChannel, config: SurveyConfig) -> int | None:
    """The citizen's 1-5, or None after `config.tries` prompts without one."""
    wait_ms = round(config.wait_seconds * 1000)
    for _ in range(config.tries):
        key = 0
        for sound in (config.prompt, BEEP):  # a missing sound answers -1: the next one plays
            played = await channel.command(f"STREAM FILE {sound} {quote(SCORES)}")
            key = max(played.result, 0)
            if key:
                break
        if not key:
            key = (await channel.command(f"WAIT FOR DIGIT {wait_ms}")).result
        score = score_of(key)
        if score is not None:
            return score
    return None
