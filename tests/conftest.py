"""Fixtures shared by the integration and the browser tests: the real sandbox Asterisk (booted
once per session, only by tests that ask for it) and an AMI session as the CTI user."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from cti.config import Settings
from cti.pbx.sandbox import Sandbox
from cti.telephony.ami.session import AmiSession

QUEUES = ("alo153", "alo153-feedback", "alo153-ringall")  # the last: the sandbox's


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def sandbox(settings: Settings) -> Iterator[Sandbox]:
    if os.geteuid() != 0:
        pytest.skip("the PBX sandbox needs root")
    pbx = Sandbox(settings)
    pbx.up(fresh=True)
    yield pbx
    pbx.down()


@pytest.fixture
async def ami(sandbox: Sandbox, settings: Settings) -> AsyncIterator[AmiSession]:
    session = await AmiSession.connect(
        settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_secret
    )
    await empty_queues(session)
    yield session
    await session.close()
    # A test may have cut this session (link-loss tests): clean up on a fresh one.
    session = await AmiSession.connect(
        settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_secret
    )
    await empty_queues(session)
    await session.close()


async def empty_queues(ami: AmiSession) -> None:
    """Every test starts with no operator in any queue (members persist in astdb)."""
    for queue in QUEUES:
        for event in await ami.action_list("QueueStatus", {"Queue": queue}):
            if event.event == "QueueMember":
                interface = event.get("Location") or ""
                await ami.action("QueueRemove", {"Queue": queue, "Interface": interface})
