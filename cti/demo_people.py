"""The demo's people and history: users to sign in with, and earlier tickets for some of the
simulated citizens, so the console's pops have something to show."""

from __future__ import annotations

import functools
import random
import time

from cti.domain.roles import Role
from cti.domain.routing import suggest
from cti.domain.tickets.ticket import TicketDraft
from cti.simulate.traffic import Traffic
from cti.storage.tickets import TicketStore
from cti.storage.users import UserStore

# A demo password, printed by the demo: the demo's database lives beside the sandbox only.
DEMO_PASSWORD = "alo153-demo"
SUPERVISOR = ("supervizor", "Süpervizör Demo", frozenset({Role.SUPERVISOR}), None)
ADMIN = ("yonetici", "Yönetici Demo", frozenset({Role.ADMIN}), None)
FEEDBACK = ("geri1010", "Geri Bildirim 1010", frozenset({Role.FEEDBACK_OPERATOR}), "1010")
FIELD = ("saha1", "Saha Ekibi Demo", frozenset({Role.FIELD_STAFF}), None)
# Unit staff, each with the unit whose inbox they work: (username, full name, unit code)
UNIT_STAFF = (
    ("birim.seyhan", "Seyhan Fen İşleri Demo", "seyhan-fen-isleri"),
    ("birim.aski", "ASKİ Arıza Demo", "aski-ariza"),
    ("birim.cukurova", "Çukurova Temizlik Demo", "cukurova-temizlik-isleri"),
)
DEMO_DISTRICTS = ("seyhan", "cukurova", "yuregir", "saricam")
HISTORY_DAYS = 21
DAY = 86_400.0
# (category, description) of the earlier requests some demo citizens made
REQUESTS = (
    ("su-arizasi", "Sokakta su borusu patladı, su akıyor."),
    ("cop-toplama", "Çöpler üç gündür alınmadı."),
    ("sokak-lambasi", "Sokak lambası yanmıyor, akşamları karanlık."),
    ("asfalt-cukuru", "Caddede derin çukur var, araçlar zarar görüyor."),
    ("otobus-sefer", "Otobüs seferleri çok seyrek."),
)


def operator_username(extension: str) -> str:
    """The simulated operators' queue member names are their console usernames."""
    return f"op{extension}"


async def seed_people(users: UserStore, extensions: list[str]) -> list[str]:
    """Users for every simulated operator and a supervisor, admin and feedback operator;
    existing ones are kept. Returns the usernames."""
    people = [(operator_username(e), f"Operatör {e}", frozenset({Role.OPERATOR}), e)
              for e in extensions] + [SUPERVISOR, ADMIN, FEEDBACK, FIELD]
    for username, name, roles, extension in people:
        if await users.get_by_username(username) is None:
            await users.add(username, name, DEMO_PASSWORD, roles, extension=extension)
    for username, name, unit in UNIT_STAFF:
        if await users.get_by_username(username) is None:
            await users.add(username, name, DEMO_PASSWORD, frozenset({Role.UNIT_STAFF}),
                            unit=unit)
    return [p[0] for p in people] + [u[0] for u in UNIT_STAFF]


async def seed_history(tickets: TicketStore, traffic: Traffic, *, share: float = 0.4) -> int:
    """Earlier tickets for some of the demo's citizens (the same numbers call again), dated up
    to three weeks back, so some of those forwarded are overdue and the escalation ladder has
    work the moment the demo starts."""
    if (await tickets.search(limit=1)).tickets:
        return 0  # seeded by an earlier demo run
    pick = random.Random(4982)
    made = 0
    now = time.time()
    for citizen in traffic.citizens:
        if pick.random() > share:
            continue
        for _ in range(pick.randint(1, 3)):
            category, text = pick.choice(REQUESTS)
            district = pick.choice(DEMO_DISTRICTS)
            then = now - pick.uniform(0, HISTORY_DAYS) * DAY
            dated = tickets.with_clock(functools.partial(float, then))
            ticket = await dated.create(TicketDraft(
                description=text, category=category, citizen_phone=citizen.number,
                citizen_name=citizen.name, district=district), "demo")
            if pick.random() < 0.5:
                unit = suggest(category, district, "neighbourhood_street").unit
                if unit is not None:  # a district is given: routing always names the unit
                    await dated.forward(ticket.number, unit.code, None, "demo",
                                        suggested=unit.code)
            made += 1
    return made
