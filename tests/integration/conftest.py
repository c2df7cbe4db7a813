"""Integration helpers: queue members over AMI, fresh citizen numbers."""

from __future__ import annotations

import random

from cti.telephony.ami.session import AmiSession

# The sandbox, its settings and the `ami` fixture are shared with the browser tests: they live
# in tests/conftest.py, so one session boots one Asterisk.


async def add_operator(
    ami: AmiSession, extension: str, queue: str = "alo153", *, penalty: int = 0
) -> None:
    reply = await ami.action(
        "QueueAdd",
        {
            "Queue": queue,
            "Interface": f"PJSIP/{extension}",
            "MemberName": f"op{extension}",
            "StateInterface": f"PJSIP/{extension}",
            "Penalty": penalty,
        },
    )
    assert reply.response == "Success", reply.get("Message")


def citizen_number() -> str:
    """A fresh mobile number per call, so a test finds its own call in Asterisk's logs."""
    return f"053{random.randrange(10**8):08d}"
