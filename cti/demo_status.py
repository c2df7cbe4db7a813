"""What the demo prints: where to look, and one live line about the queue every few seconds."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from cti.config import Settings
from cti.pbx.sandbox import Sandbox
from cti.simulate.traffic import Kind
from cti.telephony.ami.session import AmiSession

# Queue member Status values (app_queue, AST_DEVICE_*).
BUSY_STATES = {"2", "3", "6", "7", "8"}  # in use, busy, ringing, ring+in use, on hold


@dataclass(frozen=True)
class Totals:
    entered: int
    answered: int
    abandoned: int
    timed_out: int
    greeting_hangups: int

    @classmethod
    def since(cls, root: Path, started: float, launched: Counter[Kind]) -> Totals:
        events: Counter[str] = Counter()
        path = root / "var/log/asterisk/queue_log"
        if path.exists():
            for line in path.read_text(errors="replace").splitlines():
                fields = line.split("|")
                if len(fields) > 4 and fields[0].isdigit() and int(fields[0]) >= int(started):
                    events[fields[4]] += 1
        return cls(
            entered=events["ENTERQUEUE"],
            answered=events["CONNECT"],
            abandoned=events["ABANDON"],
            timed_out=events["EXITWITHTIMEOUT"] + events["ALO153_FALLBACK"],
            greeting_hangups=launched["hangs up in greeting"],
        )


async def live_line(
    ami: AmiSession, queue: str, totals: Totals, lookups: int, elapsed: float
) -> str:
    summary = next(iter(await ami.action_list("QueueSummary", {"Queue": queue})), None)
    members = [e for e in await ami.action_list("QueueStatus", {"Queue": queue})
               if e.event == "QueueMember"]
    paused = sum(1 for m in members if m.get("Paused") == "1")
    busy = sum(1 for m in members if m.get("Paused") != "1" and m.get("Status") in BUSY_STATES)
    waiting = summary.get("Callers", "0") if summary else "?"
    longest = summary.get("LongestHoldTime", "0") if summary else "?"
    minutes, seconds = divmod(int(elapsed), 60)
    return (
        f"[{minutes:02d}:{seconds:02d}] bekleyen/waiting {waiting} (en uzun/longest {longest} s)"
        f" · operatör {busy} meşgul/busy, {len(members) - busy - paused} boş/free,"
        f" {paused} molada/paused · kuyruğa giren/entered {totals.entered}:"
        f" cevaplanan/answered {totals.answered}, terk/abandoned {totals.abandoned},"
        f" süre aşımı/timed out {totals.timed_out} · karşılamada kapatan/hung up in greeting"
        f" {totals.greeting_hangups} · CTI sorgu/lookups {lookups}"
    )


def where_to_look(
    sandbox: Sandbox, settings: Settings, extensions: list[str], http_url: str
) -> str:
    logs = sandbox.paths.root / "var/log/asterisk"
    return "\n".join([
        "",
        "ALO 153 demo — çalışıyor / running. Ctrl-C her şeyi durdurur / stops everything.",
        f"  operators logged in:  {', '.join('op' + e for e in extensions)} (SIPp softphones)",
        f"  PBX CLI:              {sandbox.cli_command()}   (try: queue show alo153)",
        f"  call log (queue_log): {logs / 'queue_log'}",
        f"  call records:         {logs / 'cdr-custom/cdr.jsonl'}",
        f"  channel events:       {logs / 'cel-custom/cel.jsonl'}",
        f"  CTI FastAGI:          {settings.agi_host}:{settings.agi_port} (caller lookup)",
        f"  CTI call log (HTTP):  {http_url}/api/calls   (also /api/queues, /api/health)",
        "",
    ])


def sign_in_here(http_url: str, usernames: list[str], password: str) -> str:
    return "\n".join([
        f"Operatör konsolu / operator console: {http_url}/",
        f"  kullanıcılar / users: {', '.join(usernames)}   parola / password: {password}",
        "  (an operator user sees the pops of the simulated softphone with their extension)",
        f"Birim gelen kutusu / unit inbox:   {http_url}/static/unit.html   (birim.seyhan, …)",
        f"Takip / follow-up (supervizor):    {http_url}/static/takip.html",
        f"Saha ekibi / field team (saha1):   {http_url}/static/field.html",
        f"Yönetim / admin (yonetici):        {http_url}/static/admin.html",
        "",
    ])
