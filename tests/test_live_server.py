"""The real server (`python wsgi.py`, eventlet) with real python-socketio clients, one per phone."""
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.phones import LivePhone, online_in, presence_shows
from tests.support.servers import serving


@pytest.fixture(scope="module", params=["eventlet", "gevent"])
def live_server(request, tmp_path_factory):
    """Every test here runs on both async modes `python wsgi.py` serves: eventlet, the default, and gevent, the way
    out when eventlet is no longer kept (README, "Which async mode"). One server per mode for the module: each
    test starts a room of its own."""
    with serving(tmp_path_factory.mktemp(request.param),
                 {} if request.param == "eventlet" else {"SOCKETIO_ASYNC_MODE": "gevent"}) as server:
        yield server


@pytest.fixture
def three_phones(live_server):
    docent, student, opleider = (LivePhone(live_server.url) for _ in range(3))
    code = docent.start("Marieke", "stagedocent")
    student.join(code, "Sanne", "student")
    opleider.join(code, "Kees", "praktijkopleider")
    phones = [docent, student, opleider]
    for phone in phones:
        phone.connect()
    yield phones
    # All at once: on gevent, each phone's hang-up took 2 s (6 s for the three in turn).
    with ThreadPoolExecutor() as hanging_up:
        list(hanging_up.map(LivePhone.close, phones))


def test_production_runs_on_eventlet_unless_told_gevent(live_server):
    """The async mode the benchmark chose (bench/RESULTS.md) is the one `python wsgi.py` runs without settings."""
    mode = live_server.env.get("SOCKETIO_ASYNC_MODE", "eventlet")
    deadline = time.monotonic() + 10  # the port opens a moment before the server says how it listens
    while "luistert op" not in (said := Path(live_server.log.name).read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert f"luistert op {live_server.url} ({mode})" in said


def test_a_fourth_join_over_http_reaches_all_three_phones(live_server, three_phones):
    docent, student, opleider = three_phones
    for phone in three_phones:
        phone.wait_for(lambda event, data: event == "update" and online_in(data["fragments"]["deelnemers"], "Kees"))
    assert docent.post("/lock", {"locked": "0"}).status_code == 200

    fourth = LivePhone(live_server.url)
    assert fourth.join(docent.code, "Ahmed", "praktijkopleider").status_code == 200
    versions = {phone.wait_for(presence_shows("Ahmed"))["version"] for phone in three_phones}
    assert versions == {docent.state()["version"]}
    fourth.close()


def test_a_phone_behind_a_network_that_blocks_websockets_works_over_long_polling(live_server, three_phones):
    docent = three_phones[0]
    fourth = LivePhone(live_server.url)
    docent.post("/lock", {"locked": "0"})
    fourth.join(docent.code, "Ahmed", "praktijkopleider")
    fourth.connect(transports=("polling",))
    assert fourth.sio.transport() == "polling"
    docent.wait_for(lambda event, data: event == "update" and online_in(data["fragments"]["deelnemers"], "Ahmed"))
    docent.post("/lock", {"locked": "1"})
    fourth.wait_for(lambda event, data: event == "update" and "op slot" in data["fragments"]["deelnemers"])
    fourth.close()


def test_closing_a_phone_shows_it_offline_to_the_others(three_phones):
    docent, student, _ = three_phones
    docent.wait_for(lambda event, data: event == "update" and online_in(data["fragments"]["deelnemers"], "Sanne"))
    student.close()
    docent.wait_for(lambda event, data: event == "update" and not online_in(data["fragments"]["deelnemers"], "Sanne"))
    assert {p["name"]: p["online"] for p in docent.state()["participants"]}["Sanne"] is False


def test_a_removed_phone_is_told_at_once(three_phones):
    docent, student, opleider = three_phones
    docent.wait_for(lambda event, data: event == "update" and online_in(data["fragments"]["deelnemers"], "Kees"))
    kees = next(p for p in docent.state()["participants"] if p["name"] == "Kees")
    assert docent.post(f"/participants/{kees['id']}/remove").status_code == 200
    opleider.wait_for(lambda event, data: event == "removed")
    student.wait_for(lambda event, data: event == "update" and "Kees" not in data["fragments"]["deelnemers"])


SILENT_PHONE = """
import sys, time, socketio
sio = socketio.Client(reconnection=False)
sio.connect(sys.argv[1], headers={"Cookie": sys.argv[2]}, transports=["websocket"])
sio.emit("join", {"code": sys.argv[3], "version": 0})
print("joined", flush=True)
time.sleep(60)
"""


def test_a_phone_that_silently_loses_its_network_goes_offline_within_the_ping_timeout(live_server, three_phones,
                                                                                       tmp_path):
    """SIGSTOP freezes the phone's process: its connection stays open but it answers no pings."""
    import os
    import signal
    import subprocess
    import sys

    docent, student, _ = three_phones
    student.close()
    docent.wait_for(lambda event, data: event == "update" and not online_in(data["fragments"]["deelnemers"], "Sanne"))
    cookie = "; ".join(f"{c.name}={c.value}" for c in student.http.cookies)
    script = tmp_path / "silent_phone.py"
    script.write_text(SILENT_PHONE)
    process = subprocess.Popen([sys.executable, str(script), live_server.url, cookie, student.code],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "joined"
        docent.wait_for(lambda event, data: event == "update" and online_in(data["fragments"]["deelnemers"], "Sanne"))
        os.kill(process.pid, signal.SIGSTOP)
        # ping interval 2 s + ping timeout 2 s in the live server's settings; the wait leaves room for a busy machine
        docent.wait_for(lambda event, data: event == "update"
                        and not online_in(data["fragments"]["deelnemers"], "Sanne"), timeout=10)
    finally:
        process.kill()
        process.wait()
