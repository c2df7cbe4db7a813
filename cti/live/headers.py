"""Reading AMI headers without ever raising: a missing or garbled header gives a default."""

from __future__ import annotations

from cti.telephony.ami.frames import Frame

# Asterisk writes these for a caller id it does not have (QueueEntry says "unknown").
_NO_CALLER_ID = frozenset({"", "unknown", "<unknown>"})


def text(frame: Frame, *names: str) -> str:
    """The first non-empty value among `names`: the same field is spelt differently in
    QueueStatus lists (Name, Location) and in QueueMember* events (MemberName, Interface)."""
    for name in names:
        value = frame.get(name)
        if value:
            return value
    return ""


def number(frame: Frame, name: str, default: int = 0) -> int:
    try:
        return int(text(frame, name))
    except ValueError:
        return default


def moment(frame: Frame, now: float) -> float:
    """When the event happened: its Timestamp (manager.conf timestampevents), else `now`."""
    try:
        return float(text(frame, "Timestamp"))
    except ValueError:
        return now


def call_id(frame: Frame) -> str:
    """The call's id across all its channels (Linkedid); QueueEntry has only the Uniqueid.
    An AgentComplete raised after the caller's channel is gone carries no caller fields, only
    the operator's (DestLinkedid, the same id)."""
    return text(frame, "Linkedid", "DestLinkedid", "Uniqueid")


def caller_id(value: str) -> str:
    return "" if value.strip().casefold() in _NO_CALLER_ID else value.strip()


def is_set(frame: Frame, name: str) -> bool:
    return text(frame, name) == "1"
