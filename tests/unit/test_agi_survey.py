"""The keypad survey over FastAGI, against a scripted Asterisk: who is asked, what a key means,
and that the server gives this route the time a person needs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import agi_scripts
from agi_scripts import survey
from cti.config import ConfigError, Settings
from cti.domain.callers import RecentCallers
from cti.telephony.agi.server import FastAgiServer
from dialer.config import parse_sound
from dialer.survey import SurveyConfig, score_of

ATTEMPT = "cb7-1-0a1b2c3d"
NO_TICKETS: Any = None  # the ticket store, passed through to the fake survey_scored
PROMPT = "/var/lib/asterisk/sounds/alo153/anket"


@dataclass
class Backend:
    """The callback store's survey target and score (`survey_ticket`, `survey_scored`, whose
    rules tests/unit/test_dialer_callbacks.py checks on the real store), remembered."""

    targets: dict[str, str] = field(default_factory=dict)  # attempt id → ticket number
    scores: list[tuple[str, int, str]] = field(default_factory=list)
    wrong_number_meanwhile: bool = False

    async def survey_ticket(self, attempt_id: str) -> str | None:
        return self.targets.get(attempt_id)

    async def survey_scored(self, attempt_id: str, score: int, actor: str, *,
                            tickets: object) -> bool:
        if self.wrong_number_meanwhile or attempt_id not in self.targets:
            return False
        self.scores.append((self.targets[attempt_id], score, actor))
        return True


def request(arg: str | None = ATTEMPT) -> bytes:
    lines = ("agi_network: yes\nagi_network_script: survey\n"
             "agi_request: agi://127.0.0.1:4573/survey\nagi_channel: Local/feedback-1;1\n"
             "agi_uniqueid: 1795.7\n")
    if arg is not None:
        lines += f"agi_arg_1: {arg}\n"
    return (lines + "\n").encode()


def key(digit: str) -> str:
    return f"200 result={ord(digit)}"


async def asterisk(port: int, answers: dict[str, list[str]], arg: str | None = ATTEMPT
                   ) -> tuple[list[str], dict[str, str]]:
    """Play Asterisk: each command gets the next scripted answer for its verb (STREAM FILE,
    WAIT FOR DIGIT), "200 result=0" when none is left; SET VARIABLE is remembered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request(arg))
    commands: list[str] = []
    variables: dict[str, str] = {}
    try:
        while line := await asyncio.wait_for(reader.readline(), 5):
            command = line.decode().rstrip("\n")
            commands.append(command)
            if command.startswith("SET VARIABLE"):
                _, _, name, value = command.split(" ", 3)
                variables[name] = value.strip('"')
                writer.write(b"200 result=1\n")
                continue
            queue = next((q for verb, q in answers.items() if command.startswith(verb)), [])
            writer.write(((queue.pop(0) if queue else "200 result=0") + "\n").encode())
    finally:
        writer.close()
    return commands, variables


@pytest.fixture
def backend() -> Backend:
    return Backend({ATTEMPT: "153-2026-000042"})


async def served(backend: Backend, config: SurveyConfig | None = None,
                 **server: float) -> AsyncIterator[FastAgiServer]:
    config = config or SurveyConfig(prompt=PROMPT, wait_seconds=0.2)
    agi = FastAgiServer(
        agi_scripts.routes(RecentCallers(), survey.route(backend, NO_TICKETS, config)),
        host="127.0.0.1", port=0, budgets=agi_scripts.budgets(config), **server)
    await agi.start()
    try:
        yield agi
    finally:
        await agi.close()


@pytest.fixture
async def server(backend: Backend) -> AsyncIterator[FastAgiServer]:
    async for agi in served(backend):
        yield agi


async def test_a_key_during_the_wait_scores_the_ticket(
    server: FastAgiServer, backend: Backend
) -> None:
    # The centre's question is not installed (-1), the beep plays, 4 comes in the wait.
    commands, variables = await asterisk(server.port, {
        "STREAM FILE": ["200 result=-1 endpos=0", "200 result=0 endpos=800"],
        "WAIT FOR DIGIT": [key("4")]})
    assert backend.scores == [("153-2026-000042", 4, "anket")]
    assert variables["ALO153_SURVEY"] == "4"
    assert commands[:3] == [f'STREAM FILE {PROMPT} "12345"', 'STREAM FILE beep "12345"',
                            "WAIT FOR DIGIT 200"]
    assert commands[3] == 'SET VARIABLE ALO153_SURVEY "4"'
    assert commands[4].startswith("STREAM FILE /var/lib/asterisk/sounds/alo153/tesekkurler")


async def test_a_key_during_the_question_cuts_it_short(
    server: FastAgiServer, backend: Backend
) -> None:
    commands, _ = await asterisk(server.port, {"STREAM FILE": [key("5")]})
    assert backend.scores == [("153-2026-000042", 5, "anket")]
    assert not any(c.startswith("WAIT FOR DIGIT") or "beep" in c for c in commands)


async def test_a_wrong_key_asks_again_then_nothing_is_not_a_score(
    server: FastAgiServer, backend: Backend
) -> None:
    commands, variables = await asterisk(server.port, {
        "WAIT FOR DIGIT": [key("9"), "200 result=0"]})
    assert backend.scores == []
    assert variables["ALO153_SURVEY"] == "none"
    assert sum(c.startswith("WAIT FOR DIGIT") for c in commands) == 2  # two tries, no more


async def test_the_second_try_may_score(server: FastAgiServer, backend: Backend) -> None:
    await asterisk(server.port, {"WAIT FOR DIGIT": [key("#"), key("2")]})
    assert [score for _, score, _ in backend.scores] == [2]


@pytest.mark.parametrize("arg", [None, "", "cb7-1-0a1b2c3e", "'; DROP TABLE", "x" * 300])
async def test_a_citizen_no_operator_had_is_never_asked(
    server: FastAgiServer, backend: Backend, arg: str | None
) -> None:
    commands, variables = await asterisk(server.port, {}, arg=arg)
    assert variables == {"ALO153_SURVEY": "skipped"} and len(commands) == 1
    assert backend.scores == []


async def test_a_wrong_number_given_during_the_survey_takes_the_key_away(
    server: FastAgiServer, backend: Backend
) -> None:
    backend.wrong_number_meanwhile = True
    commands, variables = await asterisk(server.port, {"WAIT FOR DIGIT": [key("5")]})
    assert variables["ALO153_SURVEY"] == "skipped" and backend.scores == []
    assert not any("tesekkurler" in c for c in commands)  # no thanks for a stranger


async def test_a_session_past_its_budget_is_a_timeout_not_an_error(backend: Backend) -> None:
    async def stuck(_request: object, _channel: object) -> None:
        await asyncio.sleep(5)

    agi = FastAgiServer({"survey": stuck}, host="127.0.0.1", port=0, budgets={"survey": 0.2})
    await agi.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", agi.port)
        writer.write(request())
        assert await asyncio.wait_for(reader.read(), 2) == b""  # closed at the budget
        writer.close()
    finally:
        await agi.close()
    assert (agi.stats.timeouts, agi.stats.errors) == (1, 0)


async def test_a_survey_switched_off_asks_nobody(backend: Backend) -> None:
    async for agi in served(backend, SurveyConfig(enabled=False)):
        _, variables = await asterisk(agi.port, {"WAIT FOR DIGIT": [key("5")]})
    assert variables["ALO153_SURVEY"] == "skipped" and backend.scores == []


async def test_the_citizen_hanging_up_mid_survey_scores_nothing(
    server: FastAgiServer, backend: Backend
) -> None:
    await asterisk(server.port, {"STREAM FILE": ["HANGUP"]})
    assert backend.scores == []
    assert server.stats.hung_up == 1


async def test_the_survey_outlives_the_lookup_budget(backend: Backend) -> None:
    """A lookup session is cut at session_timeout; a survey has its own, longer budget."""
    async for agi in served(backend, SurveyConfig(wait_seconds=0.2), session_timeout=0.3):
        reader, writer = await asyncio.open_connection("127.0.0.1", agi.port)
        writer.write(request())
        await reader.readline()  # the first prompt
        await asyncio.sleep(0.6)  # a person listening, past the lookup's budget
        writer.write(f"{key('3')}\n".encode())
        while line := await asyncio.wait_for(reader.readline(), 2):
            writer.write(b"200 result=1\n" if line.startswith(b"SET") else b"200 result=0\n")
        writer.close()
    assert [score for _, score, _ in backend.scores] == [3]
    assert agi.stats.timeouts == 0


def test_what_a_key_means() -> None:
    assert [score_of(ord(k)) for k in "123450*#9"] == [1, 2, 3, 4, 5, None, None, None, None]
    assert score_of(0) is None and score_of(-1) is None and score_of(10_000) is None


@pytest.mark.parametrize("text", ["", "../../etc/passwd", "a b", 'x"y', "/a/../b", "a\nb",
                                  "ses.wav", "x" * 41])
def test_a_sound_that_would_break_the_command_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_sound(text)


def test_the_survey_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"CTI_DIALER_SURVEY": "off",
                                  "CTI_DIALER_SURVEY_PROMPT": "custom/anket"})
    config = SurveyConfig.from_settings(settings)
    assert (config.enabled, config.prompt) == (False, "custom/anket")
    with pytest.raises(ConfigError, match="CTI_DIALER_SURVEY_THANKS"):
        Settings.from_env({"CTI_DIALER_SURVEY_THANKS": "teşekkür ederiz"})
