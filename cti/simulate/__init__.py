"""Simulated SIP parties (SIPp): citizens, operator softphones, the callback phone."""

from cti.simulate.commands import (
    callback_command,
    citizen_command,
    operator_command,
    quote_display_name,
)
from cti.simulate.errors import SippError
from cti.simulate.invocation import (
    CITIZEN_SCENARIO,
    PHONE_SCENARIO,
    SCENARIO_DIR,
    SippCommand,
    sipp_binary,
)
from cti.simulate.parties import (
    CALLBACK_IP,
    CALLBACK_PORT,
    CITIZEN_IP,
    OPERATOR_IP,
    OPERATOR_PORT_BASE,
    PBX_HOST,
    PBX_PORT,
    CallbackPhone,
    CitizenBehaviour,
    CitizenCall,
    OperatorPhone,
    PhoneBehaviour,
)
from cti.simulate.ports import PORTS, PortAllocator
from cti.simulate.process import SippProcess, run_citizens
from cti.simulate.results import ReceivedCall, SippResult, received_calls
from cti.simulate.stats import SippStats, parse_message_counts
from cti.simulate.strays import kill_stray_sipp, sipp_pids

__all__ = [
    "CALLBACK_IP",
    "CALLBACK_PORT",
    "CITIZEN_IP",
    "CITIZEN_SCENARIO",
    "OPERATOR_IP",
    "OPERATOR_PORT_BASE",
    "PBX_HOST",
    "PBX_PORT",
    "PHONE_SCENARIO",
    "PORTS",
    "SCENARIO_DIR",
    "CallbackPhone",
    "CitizenBehaviour",
    "CitizenCall",
    "OperatorPhone",
    "PhoneBehaviour",
    "PortAllocator",
    "ReceivedCall",
    "SippCommand",
    "SippError",
    "SippProcess",
    "SippResult",
    "SippStats",
    "callback_command",
    "citizen_command",
    "kill_stray_sipp",
    "operator_command",
    "parse_message_counts",
    "quote_display_name",
    "received_calls",
    "run_citizens",
    "sipp_binary",
    "sipp_pids",
]
