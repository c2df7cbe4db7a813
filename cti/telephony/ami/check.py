"""`cti check`: one AMI login, an exit code a monitoring system or an installer can act on."""

from __future__ import annotations

from cti.config import Settings
from cti.telephony.ami.session import AmiAuthError, AmiError, AmiSession

OK, REFUSED, UNREACHABLE = 0, 3, 4


async def check_ami(settings: Settings, *, timeout: float = 5.0) -> tuple[int, str]:
    where = f"{settings.ami_host}:{settings.ami_port}"
    try:
        session = await AmiSession.connect(
            settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_secret,
            timeout=timeout,
        )
    except AmiAuthError as error:
        return REFUSED, f"AMI at {where} refused user {settings.ami_user!r}: {error}"
    except (OSError, TimeoutError, AmiError) as error:
        return UNREACHABLE, f"AMI at {where} cannot be reached: {error or type(error).__name__}"
    try:
        await session.wait_event(lambda f: f.event == "FullyBooted", timeout=timeout)
    except TimeoutError:
        return UNREACHABLE, f"AMI at {where} answered but Asterisk is not fully booted"
    finally:
        await session.close()
    return OK, f"AMI at {where}: logged in as {settings.ami_user!r}, Asterisk fully booted"
