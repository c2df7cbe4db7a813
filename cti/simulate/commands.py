"""The SIPp command for each party. Two scenarios do all the work, steered by -key values:
  * citizen.xml (UAC): modes stay, until_hangup, cancel;
  * phone.xml (UAS, server mode): modes answer, reject, no_answer; used both for the operator
    softphones (127.0.0.1:5100 + extension - 1000) and for the callback "citizen phone"
    (127.0.0.2:5090).
"""

from __future__ import annotations

from pathlib import Path

from cti.simulate.invocation import (
    CITIZEN_SCENARIO,
    PHONE_SCENARIO,
    LaunchSpec,
    SippCommand,
    build_command,
)
from cti.simulate.parties import CallbackPhone, CitizenCall, OperatorPhone
from cti.simulate.ports import PORTS, PortAllocator


def quote_display_name(name: str) -> str:
    """The body of a SIP quoted-string: control characters dropped, \\ and \" escaped."""
    printable = "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in name)
    return printable.replace("\\", "\\\\").replace('"', '\\"')


def citizen_command(
    call: CitizenCall,
    *,
    ports: PortAllocator | None = None,
    workdir: Path | None = None,
    trace_messages: bool = False,
    stats_interval: float = 5.0,
) -> SippCommand:
    """SIPp argv for `call.calls` citizens calling `call.number` at the PBX."""
    pool = ports or PORTS
    sip_port = pool.take(call.local_ip)
    spec = LaunchSpec(
        name="citizen", scenario=CITIZEN_SCENARIO, keys=_citizen_keys(call), ip=call.local_ip,
        sip_port=sip_port, remote=f"{call.pbx_host}:{call.pbx_port}", extra=_citizen_load(call),
        timeout=call.bound, server=False,
    )
    return build_command(spec, pool, workdir, (trace_messages, stats_interval), (sip_port,))


def operator_command(
    phone: OperatorPhone,
    *,
    ports: PortAllocator | None = None,
    workdir: Path | None = None,
    trace_messages: bool = False,
    stats_interval: float = 5.0,
    lifetime: float | None = None,
) -> SippCommand:
    """SIPp argv for operator `phone.extension`'s softphone (server, unlimited calls).

    lifetime: seconds after which SIPp exits by itself (with an error); None runs until stop().
    """
    spec = _phone_spec(f"operator-{phone.extension}", phone, (phone.ip, phone.sip_port), lifetime)
    return build_command(spec, ports or PORTS, workdir, (trace_messages, stats_interval), ())


def callback_command(
    phone: CallbackPhone,
    *,
    ports: PortAllocator | None = None,
    workdir: Path | None = None,
    trace_messages: bool = False,
    stats_interval: float = 5.0,
    lifetime: float | None = None,
) -> SippCommand:
    """SIPp argv for the callback citizen phone (server, unlimited calls); see operator_command."""
    spec = _phone_spec("callback-phone", phone, (phone.ip, phone.port), lifetime)
    return build_command(spec, ports or PORTS, workdir, (trace_messages, stats_interval), ())


def _citizen_keys(call: CitizenCall) -> dict[str, str]:
    return {
        "caller": call.caller,
        "display": quote_display_name(call.display_name),
        "mode": call.behaviour,
        "stay_ms": _milliseconds(call.seconds),
    }


def _citizen_load(call: CitizenCall) -> tuple[str, ...]:
    load = ["-s", call.number, "-m", str(call.calls), "-r", f"{call.rate:g}", "-rp", "1000",
            "-recv_timeout", _milliseconds(call.wait_bound)]
    if call.max_concurrent is not None:
        load += ["-l", str(call.max_concurrent)]
    return tuple(load)


def _phone_spec(
    name: str, phone: OperatorPhone | CallbackPhone, address: tuple[str, int],
    lifetime: float | None,
) -> LaunchSpec:
    keys = {"mode": phone.behaviour, "ring_ms": _milliseconds(phone.ring_seconds),
            "talk_ms": _milliseconds(phone.talk_seconds), "digit": "none", "press_ms": "0"}
    if isinstance(phone, CallbackPhone) and phone.press:
        keys |= {"digit": phone.press, "press_ms": _milliseconds(phone.press_after)}
    return LaunchSpec(name=name, scenario=PHONE_SCENARIO, keys=keys, ip=address[0],
                      sip_port=address[1], remote=None, extra=(), timeout=lifetime, server=True)


def _milliseconds(seconds: float) -> str:
    return str(round(seconds * 1000))
