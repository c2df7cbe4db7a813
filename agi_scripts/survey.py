"""`agi://…/survey,<attempt id>`: the citizen rates the feedback call on the keypad.

Only a citizen whom a feedback operator had on the line, and did not find to be a wrong number,
is asked (the attempt's id, from the channel, is outside input: anything else ends the session
at once). The centre's question and a beep play with keys 1-5 allowed to cut them short (a
question not installed is skipped); then one key is awaited; no key or another key asks once
more. The 1-5 goes to the ticket (`satisfaction`, a "survey" entry in its trail by "anket"),
replacing what the operator may have typed: the citizen's own answer is the better one.
ALO153_SURVEY tells the dialplan how it went (1-5, none, or skipped); the thanks play only
after a score.
"""

from __future__ import annotations

import logging
from typing import Protocol

from cti.telephony.agi.channel import AgiChannel, quote
from cti.telephony.agi.request import AgiRequest
from cti.telephony.agi.server import Route
from dialer.callbacks import TicketEnds
from dialer.survey import ACTOR, BEEP, SCORES, SurveyConfig, score_of

log = logging.getLogger(__name__)


class Surveys(Protocol):
    """The callback store's part (`dialer.callbacks.CallbackStore`)."""

    async def survey_ticket(self, attempt_id: str) -> str | None: ...

    async def survey_scored(self, attempt_id: str, score: int, actor: str, *,
                            tickets: TicketEnds) -> bool: ...


def route(surveys: Surveys, tickets: TicketEnds, config: SurveyConfig) -> Route:
    async def survey(request: AgiRequest, channel: AgiChannel) -> None:
        attempt_id = request.arg(1) or ""
        if not config.enabled or await surveys.survey_ticket(attempt_id) is None:
            await channel.set_variable("ALO153_SURVEY", "skipped")
            return
        score = await _ask(channel, config)
        if score is None:
            await channel.set_variable("ALO153_SURVEY", "none")
            return
        # Asked again as it is written: a "wrong number" given during the survey wins.
        if not await surveys.survey_scored(attempt_id, score, ACTOR, tickets=tickets):
            await channel.set_variable("ALO153_SURVEY", "skipped")
            return
        log.info("survey: attempt %s scored %d", attempt_id, score)
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
