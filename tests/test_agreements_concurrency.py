"""Three phones make 100 random afspraak changes each, at the same time, against the real server.

Each phone keeps its own view from the pushed fragments, applied the way static/app.js applies them
(in version order, a full re-render when it missed one). At the end every view equals the server's
state, and every change is accounted for: applied, or refused with a 409 that holds both texts.
"""
import html
import random
import re
import threading
import time
from collections import Counter

import pytest

from tests.support.phones import LivePhone
from tests.support.servers import serving

ITEM = re.compile(r'<li data-agreement-id="(\d+)" data-rev="(\d+)"[^>]*>\s*<p class="wat">(.*?)</p>', re.S)
OPS_PER_PHONE = 100


def afspraken_on(phone: LivePhone) -> dict[int, tuple[int, str]]:
    """The afspraken the phone's screen shows: id -> (rev, what)."""
    with phone.lock:
        shown = phone.screen.get("afspraken", "")
    return {int(i): (int(rev), html.unescape(what)) for i, rev, what in ITEM.findall(shown)}


def run_phone(phone: LivePhone, name: str, seed: int, tally: Counter, problems: list):
    rng = random.Random(seed)
    for n in range(OPS_PER_PHONE):
        items = afspraken_on(phone)
        choice = rng.random()
        text = f"{name} {n}: {rng.choice(['oefenen', 'vragen', 'plannen', 'kijken'])}"
        if choice < 0.3 or not items:
            response = phone.post("/agreements", {"what": text, "who": ["student"], "when": "voor-volgend-gesprek"})
            kind = "add"
        else:
            agreement_id, (rev, current) = rng.choice(sorted(items.items()))
            if choice < 0.8:
                response = phone.post(f"/agreements/{agreement_id}", {"what": text, "who": ["student"],
                                                                      "when": "voor-volgend-gesprek", "rev": rev})
                kind = "edit"
            else:
                response = phone.post(f"/agreements/{agreement_id}/delete", {"rev": rev})
                kind = "delete"
        if response.status_code == 200:
            tally[f"{kind} applied"] += 1
        elif response.status_code == 409:
            body = html.unescape(response.text)
            if kind == "edit" and text not in body:
                problems.append(f"409 without the editor's own text: {text!r}")
            if kind == "edit" and "weggehaald" not in body and current not in body and "Nu opgeslagen" not in body:
                problems.append(f"409 without the stored text for {agreement_id}")
            tally[f"{kind} refused (409)"] += 1
        else:
            problems.append(f"{kind}: unexpected {response.status_code}: {response.text[:200]}")


@pytest.fixture
def server_at_full_tilt(tmp_path):
    """The live server with the product's heartbeat (10 s + 10 s). Under this load the tests' 2 s + 2 s took
    phones for gone (in 3 of 5 runs one or more sockets were closed), and these phones do not reconnect: that
    would test the heartbeat, not whether an afspraak is lost."""
    with serving(tmp_path, {"SOCKETIO_PING_INTERVAL": "10", "SOCKETIO_PING_TIMEOUT": "10"}) as server:
        yield server


def test_three_phones_editing_at_once_lose_nothing(server_at_full_tilt):
    live_server = server_at_full_tilt
    phones = [LivePhone(live_server.url) for _ in range(3)]
    names = ("Marieke", "Sanne", "Kees")
    code = phones[0].start("Marieke", "stagedocent")
    phones[1].join(code, "Sanne", "student")
    phones[2].join(code, "Kees", "praktijkopleider")
    for phone in phones:
        phone.connect()

    tally, problems = Counter(), []
    threads = [threading.Thread(target=run_phone, args=(phone, name, seed, tally, problems))
               for seed, (phone, name) in enumerate(zip(phones, names))]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    assert not problems, problems[:5]

    server = phones[0].state()
    expected = {a["id"]: (a["rev"], a["what"]) for a in server["agreements"]}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(p.version != server["version"] for p in phones):
        time.sleep(0.05)
    for phone in phones:
        assert phone.version == server["version"]
        assert afspraken_on(phone) == expected

    total = sum(tally.values())
    counts = ", ".join(f"{kind} {count}" for kind, count in sorted(tally.items()))
    print(f"\n{total} changes in {elapsed:.1f} s by 3 phones: {counts}")
    print(f"{len(expected)} afspraken at the end, room version {server['version']}")
    assert total == 3 * OPS_PER_PHONE
    assert tally["edit applied"] > 0 and tally["edit refused (409)"] > 0
    for phone in phones:
        phone.close()
