"""FastAGI routes: one module per script name that the dialplan requests."""

from __future__ import annotations

from collections.abc import Mapping

from agi_scripts import incoming, survey

__all__ = ["budgets", "incoming", "routes", "survey"]
from cti.domain.callers import CallerLookup
from cti.telephony.agi.server import Route
from dialer.survey import SurveyConfig


def routes(callers: CallerLookup, survey_route: Route | None = None) -> dict[str, Route]:
    """The caller lookup, and the feedback survey when the composition root gives it
    (`survey.route(...)`)."""
    found = {"incoming": incoming.route(callers)}
    if survey_route is not None:
        found["survey"] = survey_route
    return found


def budgets(config: SurveyConfig) -> Mapping[str, float]:
    """Seconds a session of each route may last, where the default (a lookup) is too short."""
    return {"survey": config.budget}
