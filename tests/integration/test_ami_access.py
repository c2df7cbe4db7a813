"""The CTI's AMI user: it logs in, sees the PBX booted, and is refused what it must not do."""

from __future__ import annotations

import pytest

from cti.cli import main
from cti.config import Settings
from cti.pbx.sandbox import Sandbox
from cti.telephony.ami.session import AmiAuthError, AmiSession


async def test_cti_user_logs_in_and_sees_fully_booted(sandbox: Sandbox, settings: Settings) -> None:
    session = await AmiSession.connect(
        settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_secret
    )
    try:
        booted = await session.wait_event(lambda f: f.event == "FullyBooted", timeout=5)
        assert booted.get("Status") == "Fully Booted"
        assert (await session.action("Ping")).response == "Success"
    finally:
        await session.close()


@pytest.mark.parametrize(
    ("action", "headers"),
    [
        ("Command", {"Command": "core show version"}),
        ("Reload", {"Module": "manager"}),
        ("GetConfig", {"Filename": "manager.conf"}),
        ("UpdateConfig", {"SrcFilename": "manager.conf", "DstFilename": "manager.conf"}),
        ("ModuleLoad", {"Module": "app_system.so", "LoadType": "load"}),
    ],
)
async def test_cti_user_is_refused_actions_outside_its_privilege(
    ami: AmiSession, action: str, headers: dict[str, str]
) -> None:
    reply = await ami.action(action, headers)
    assert reply.response == "Error"
    assert reply.get("Message") == "Permission denied"


async def test_cti_user_may_manage_queue_members(ami: AmiSession) -> None:
    added = await ami.action(
        "QueueAdd", {"Queue": "alo153", "Interface": "PJSIP/1005", "MemberName": "op1005"}
    )
    assert added.response == "Success"
    members = [e for e in await ami.action_list("QueueStatus", {"Queue": "alo153"})
               if e.event == "QueueMember"]
    assert [m.get("Name") for m in members] == ["op1005"]


async def test_wrong_secret_is_refused(sandbox: Sandbox, settings: Settings) -> None:
    with pytest.raises(AmiAuthError):
        await AmiSession.connect(settings.ami_host, settings.ami_port, settings.ami_user, "wrong")


@pytest.mark.parametrize(("secret", "code"), [(None, 0), ("wrong", 3)])
def test_one_shot_check_says_with_its_exit_code_whether_the_login_works(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, secret: str | None, code: int
) -> None:
    if secret is not None:
        monkeypatch.setenv("CTI_AMI_SECRET", secret)
    assert main(["check"]) == code


def test_one_shot_check_on_an_unreachable_pbx_exits_4(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTI_AMI_PORT", "9")
    assert main(["check"]) == 4
