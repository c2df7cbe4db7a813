"""The Netgsm adapter against a local server speaking Netgsm's REST v2 wire format: what it
sends, and how each answer becomes a job id, a permanent or a temporary failure."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from cti.notify.envelope import Envelope, SendFailed
from cti.notify.sms import CODES, NetgsmSender, NetgsmSettings, job_id
from tests.fakes.sms_gateway import FakeNetgsm

TEXT = "Sayın vatandaşımız, 153-2026-000001 numaralı talebiniz ASKİ'ye iletildi. Şikâyet: ğüşıöç"


def message(recipient: str = "05321112233", body: str = TEXT) -> Envelope:
    return Envelope(message_id=7, channel="sms", recipient=recipient, subject="", body=body)


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[FakeNetgsm, str]]:
    fake = FakeNetgsm()
    url = await fake.start()
    yield fake, url
    await fake.close()


def sender_for(fake: FakeNetgsm, url: str, **changes: str) -> NetgsmSender:
    values = {"url": url, "user": fake.user, "password": fake.password, "header": "ALO153",
              **changes}
    return NetgsmSender(NetgsmSettings(timeout=5.0, **values))


async def test_a_message_goes_as_netgsm_documents_it_and_its_job_id_comes_back(
    gateway: tuple[FakeNetgsm, str],
) -> None:
    fake, url = gateway
    sender = sender_for(fake, url + "/")
    try:
        first = await sender.send(message())
        second = await sender.send(message("+90 555 000 11 22"))
    finally:
        await sender.close()
    assert first != second and first.isdigit()
    assert [r.user for r in fake.accepted] == [fake.user, fake.user]
    assert fake.accepted[0].body == {
        "msgheader": "ALO153", "encoding": "TR",
        "messages": [{"msg": TEXT, "no": "5321112233"}],
    }
    assert fake.accepted[1].body["messages"][0]["no"] == "5550001122"


@pytest.mark.parametrize(
    ("changes", "code"),
    [({"password": "yanlış"}, "30"), ({"header": "BASKA"}, "40")],
)
async def test_an_account_problem_is_temporary_so_the_message_waits_for_the_fix(
    gateway: tuple[FakeNetgsm, str], changes: dict[str, str], code: str
) -> None:
    fake, url = gateway
    sender = sender_for(fake, url, **changes)
    try:
        with pytest.raises(SendFailed) as failed:
            await sender.send(message())
    finally:
        await sender.close()
    assert not failed.value.permanent
    assert failed.value.detail.startswith(f"Netgsm {code}:")
    assert fake.accepted == []


async def test_a_text_the_gateway_refuses_is_permanent(
    gateway: tuple[FakeNetgsm, str],
) -> None:
    fake, url = gateway
    sender = sender_for(fake, url)
    try:
        with pytest.raises(SendFailed) as failed:
            await sender.send(message(body="x" * 2000))
    finally:
        await sender.close()
    assert failed.value.permanent and failed.value.detail.startswith("Netgsm 20:")


async def test_a_gateway_error_is_temporary_and_the_next_try_goes_through(
    gateway: tuple[FakeNetgsm, str],
) -> None:
    fake, url = gateway
    fake.fail_next(1, "100")
    sender = sender_for(fake, url)
    try:
        with pytest.raises(SendFailed) as failed:
            await sender.send(message())
        assert not failed.value.permanent
        assert (await sender.send(message())).isdigit()
    finally:
        await sender.close()
    assert len(fake.accepted) == 1


async def test_a_gateway_nobody_listens_on_is_temporary() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = NetgsmSender(NetgsmSettings(url=f"http://127.0.0.1:{port}", user="u",
                                         password="p", header="ALO153", timeout=2.0))
    try:
        with pytest.raises(SendFailed) as failed:
            await sender.send(message())
    finally:
        await sender.close()
    assert not failed.value.permanent and "unreachable" in failed.value.detail


async def test_a_number_that_is_no_mobile_never_leaves() -> None:
    sender = NetgsmSender(NetgsmSettings(url="http://127.0.0.1:9", user="u", password="p",
                                         header="ALO153"))
    with pytest.raises(SendFailed) as failed:
        await sender.send(message("0322 123 45 67"))
    assert failed.value.permanent
    await sender.close()


@pytest.mark.parametrize(
    ("status", "answer", "permanent"),
    [
        (406, {"code": "70", "description": "x"}, True),
        (406, {"code": "80", "description": "x"}, False),
        (406, {"code": "85", "description": "x"}, False),
        (200, {"code": "00"}, False),  # accepted but no job id: not trusted as sent
        (500, None, False),
        (200, ["00"], False),
        (406, {"code": "\x1b[31m999"}, False),
    ],
)
def test_every_answer_but_an_accepted_job_is_a_failure_of_the_right_kind(
    status: int, answer: object, permanent: bool
) -> None:
    with pytest.raises(SendFailed) as failed:
        job_id(status, answer)
    assert failed.value.permanent is permanent
    assert "\x1b" not in failed.value.detail


def test_only_the_messages_own_faults_are_permanent() -> None:
    assert {code for code, (permanent, _) in CODES.items() if permanent} == {"20", "70"}
    assert job_id(200, {"code": "00", "jobid": 1234, "description": "ok"}) == "1234"
