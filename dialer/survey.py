"""The keypad survey after a feedback call: what is asked, and what a key press means.

The operator tells the citizen about it before leaving the call; the dialplan then hands the
citizen's leg to FastAGI `survey` (agi_scripts/survey.py), which asks with a prompt and waits
for one key, 1 (not at all satisfied) to 5 (very satisfied).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialer.config import DEFAULT_SURVEY_PROMPT, DEFAULT_SURVEY_THANKS, parse_sound

if TYPE_CHECKING:
    from cti.config import Settings

SCORES = "12345"
BEEP = "beep"  # Asterisk's core sound, on every PBX: "press now", also without a recording
ACTOR = "anket"  # who the ticket's trail names for the citizen's own key press


@dataclass(frozen=True, kw_only=True)
class SurveyConfig:
    enabled: bool = True
    prompt: str = DEFAULT_SURVEY_PROMPT
    thanks: str = DEFAULT_SURVEY_THANKS
    wait_seconds: float = 6.0  # for a key after the prompt
    tries: int = 2  # the prompt again after no key or a key outside 1-5

    def __post_init__(self) -> None:
        parse_sound(self.prompt)
        parse_sound(self.thanks)

    @classmethod
    def from_settings(cls, settings: Settings) -> SurveyConfig:
        return cls(enabled=settings.dialer_survey, prompt=settings.dialer_survey_prompt,
                   thanks=settings.dialer_survey_thanks)

    @property
    def budget(self) -> float:
        """Seconds a survey may take at most: every try's prompt and wait, and the thanks
        (a recorded prompt is taken as up to 15 s)."""
        return self.tries * (15.0 + self.wait_seconds) + 15.0


def score_of(result: int) -> int | None:
    """The 1-5 of an AGI digit result (the key's ASCII code; 0 none, -1 failure)."""
    key = chr(result) if 0 < result < 128 else ""
    return int(key) if key and key in SCORES else None
