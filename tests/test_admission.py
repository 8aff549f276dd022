"""Admission control (issue 13): past the knee, a process refuses newcomers with a clear message, and the
conversations it already serves go on: their phones, their sockets and their updates."""
import http.client
import logging
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import socketio
from flask import url_for

from tests.support.actions import post_action, room_csrf, seat_three, start_room, state
from tests.support.phones import LivePhone, online_in
from tests.support.servers import LiveServer, serving
from webapp import admission
from webapp.admission import TICK_SECONDS, LoopLag

BUSY = "Het is nu erg druk. Probeer het over een halve minuut opnieuw. Gesprekken die al bezig zijn, gaan gewoon door."
ALWAYS_SERVED = {"static", "main.healthz"}  # static files, and the load balancer's health check


def make_busy(app) -> None:
    """The process is full: every live socket is one too many."""
    app.config["ADMISSION_MAX_SOCKETS"] = 0


def real_values(code: str, browser) -> dict:
    """A value for every part of every route's address: the room's own code, people, afspraak and phase."""
    post_action(browser, code, "/agreements", {"what": "Elke week een verslag", "who": ["student"],
                                               "when": "voor-volgend-gesprek"})
    room = state(browser, code)
    return {"code": code, "participant_id": room["participants"][0]["id"], "agreement_id": room["agreements"][0]["id"],
            "phase_id": room["phases"][1]["id"], "card_id": "leren-01", "deck_id": "leren",
            "secret": "not-anyones-link", "token": "not-a-token", "filename": "app.js", "series_id": 1}


def every_route(app, values: dict) -> list[tuple[str, str, str]]:
    """Every (method, endpoint, url) of the app's URL map, so a new route is walked too. A list, built before
    the walk: a request made inside this context would share its `g` with the requests before it."""
    with app.test_request_context():
        return [(method, rule.endpoint, url_for(rule.endpoint, **{name: values[name] for name in rule.arguments}))
                for rule in app.url_map.iter_rules() for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def assert_refused(response, what) -> None:
    assert response.status_code == 503, (what, response.status_code)
    assert response.headers["Retry-After"] == "30", what
    assert BUSY in response.text, what


def test_when_busy_a_browser_without_a_seat_is_refused_on_every_route_with_a_message(app):
    code, people = seat_three(app)
    values = real_values(code, people["student"])
    make_busy(app)
    newcomer = app.test_client()
    walked = 0
    for method, endpoint, url in every_route(app, values):
        for htmx in (False, True):
            response = newcomer.open(url, method=method, headers={"HX-Request": "true"} if htmx else {})
            if endpoint in ALWAYS_SERVED:
                assert response.status_code == 200, endpoint
                continue
            assert_refused(response, (method, endpoint, htmx))
            if htmx and not url.endswith(".json"):  # shown where the phone shows messages
                assert 'id="meldingen"' in response.text, endpoint
            elif method == "GET" and not url.endswith((".json", ".pdf", ".ics")):  # a page: try the same again
                assert "Probeer het opnieuw" in response.text and f'href="{url}' in response.text, endpoint
        walked += 1
    assert walked >= 60


def test_when_busy_a_seated_browser_keeps_its_own_conversation_and_nothing_else(app):
    code, people = seat_three(app)
    elsewhere = start_room(app.test_client(), "Ahmed", "stagedocent")
    values = real_values(code, people["student"])
    make_busy(app)
    student = people["student"]
    token = room_csrf(student, code)
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    served = 0
    for method, endpoint, url in every_route(app, values):
        response = student.open(url, method=method, headers=headers)
        if endpoint.startswith("room.") or endpoint in ALWAYS_SERVED:
            assert response.status_code != 503 and response.status_code < 500, (method, endpoint, response.status_code)
            served += 1
        else:  # the start page, planning, Mijn gesprekken, a verslag link, the pages about the method
            assert_refused(response, (method, endpoint))
    assert served >= 40
    for method, endpoint, url in every_route(app, {**values, "code": elsewhere}):
        if endpoint.startswith("room."):  # a conversation this browser has no seat in: joining it, /verder
            assert_refused(student.open(url, method=method, headers=headers), (method, endpoint))


def test_the_process_says_once_when_it_becomes_busy_and_once_when_it_is_no_longer(app, caplog):
    client = app.test_client()
    client.get("/")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        limit = app.config["ADMISSION_MAX_SOCKETS"]
        make_busy(app)
        for _ in range(5):
            assert client.get("/").status_code == 503
        app.config["ADMISSION_MAX_SOCKETS"] = limit
        for _ in range(5):
            assert client.get("/").status_code == 200
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0].startswith("busy: ") and "0 seated sockets (ADMISSION_MAX_SOCKETS 0)" in lines[0]
    assert lines[1].startswith("no longer busy")


@pytest.fixture
def full_server(tmp_path):
    """The real server (eventlet), full at three seated sockets (the lag limit is out of the way on every test
    server, so this test is about sockets only, whatever else the machine is doing)."""
    with serving(tmp_path, {"ADMISSION_MAX_SOCKETS": "3"}) as server:
        yield server


def test_a_full_server_refuses_a_newcomer_and_the_conversation_on_it_goes_on(full_server):
    docent, student, opleider = (LivePhone(full_server.url) for _ in range(3))
    code = docent.start("Marieke", "stagedocent")
    student.join(code, "Sanne", "student")
    opleider.join(code, "Kees", "praktijkopleider")
    other = LivePhone(full_server.url)
    other_code = other.start("Ahmed", "stagedocent")
    phones = (docent, student, opleider)
    try:
        for phone in phones:
            phone.connect()

        newcomer = LivePhone(full_server.url)
        deadline = time.monotonic() + 5  # a socket counts once its join found the seat: the joins are on their way
        while (join_form := newcomer.http.get(f"{full_server.url}/r/{other_code}")).status_code != 503:
            assert time.monotonic() < deadline, "three seated sockets, and still taking newcomers"
            time.sleep(0.1)
        assert_refused(join_form, "the join form")
        assert_refused(newcomer.http.post(f"{full_server.url}/r/{other_code}/join",
                                          data={"name": "Sam", "role": "student"}), "joining")

        room = student.state()
        phase = next(p["id"] for p in room["phases"] if p["id"] != room["phase"])
        answer = student.post("/phase", {"phase": phase})
        assert answer.status_code == 200
        version = int(answer.headers["X-Room-Version"])
        for phone in phones:
            phone.wait_for(lambda event, data: event == "update" and data["version"] == version)
        assert docent.state()["phase"] == phase

        opleider.close()  # one socket leaves: there is room for a newcomer again
        deadline = time.monotonic() + 5
        while newcomer.http.get(f"{full_server.url}/r/{other_code}").status_code == 503:
            assert time.monotonic() < deadline, "still refusing after a socket left"
            time.sleep(0.1)
        assert newcomer.join(other_code, "Sam", "student").status_code == 200
        newcomer.code = other_code
        assert "Sam" in [p["name"] for p in newcomer.state()["participants"]]
    finally:
        for phone in phones:
            phone.close()
    log = Path(full_server.log.name).read_text()
    assert log.count("busy: ") == 1 and log.count("no longer busy") == 1, log


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wake(lag: LoopLag, clock: Clock, late: float = 0.0, times: int = 1) -> None:
    for _ in range(times):
        clock.now += TICK_SECONDS + late
        lag.woke()


def test_a_loop_that_wakes_on_time_has_no_lag():
    clock = Clock()
    lag = LoopLag(clock=clock)
    assert lag.ms() == 0  # no monitor yet
    wake(lag, clock, times=30)
    assert lag.ms() < 1


def test_a_single_late_wake_does_not_count_as_busy():
    clock = Clock()
    lag = LoopLag(clock=clock)
    wake(lag, clock, times=20)
    wake(lag, clock, late=1.0)  # one long pause: a garbage collection, one slow answer
    assert lag.ms() < 1
    wake(lag, clock, times=3)
    assert lag.ms() < 1


def test_sustained_lag_shows_within_two_seconds_and_goes_when_the_loop_is_quick_again():
    clock = Clock()
    lag = LoopLag(clock=clock)
    wake(lag, clock, times=20)
    started = clock.now
    while lag.ms() <= 250:  # every wake 300 ms late
        wake(lag, clock, late=0.3)
        assert clock.now - started <= 2.0, "sustained lag not seen within 2 s"
    recovering = clock.now
    while lag.ms() > 1:
        wake(lag, clock)
        assert clock.now - recovering <= 2.0, "still lagging 2 s after the loop was quick again"


def test_a_loop_so_busy_that_the_monitor_never_wakes_counts_as_late():
    clock = Clock()
    lag = LoopLag(clock=clock)
    wake(lag, clock, times=20)
    clock.now += 3.0  # no wake at all for 3 s
    assert lag.ms() > 2500


class Stop(Exception):
    pass


def test_the_monitor_wakes_every_tick_and_walks_the_sockets_once_a_second(app, monkeypatch, caplog):
    """Counting the seated sockets walks every connection of the process: the monitor does it once a second, and
    still says on its own when the process becomes busy (no request needs to ask)."""
    wakes, walks = [], []

    def sleep(seconds):
        assert seconds == TICK_SECONDS
        if len(wakes) == 25:
            raise Stop
        wakes.append(seconds)

    monkeypatch.setattr(admission.socketio, "sleep", sleep)
    # The process's own lag and busy state stay as they were: this monitor wakes a lag of its own.
    monkeypatch.setattr(admission, "loop_lag", LoopLag())
    monkeypatch.setattr(admission, "_busy_since", None)
    monkeypatch.setattr(admission, "seated_sockets", lambda: walks.append(len(wakes)) or 3)
    monkeypatch.setitem(app.config, "ADMISSION_MAX_SOCKETS", 0)  # full: any seated socket is one too many
    with caplog.at_level(logging.WARNING), pytest.raises(Stop):
        admission.watch_load(app)
    assert len(wakes) == 25
    assert walks == [10, 20]  # at 1 s and 2 s of 2.5 s
    assert [record.getMessage() for record in caplog.records].count(
        "busy: new conversations and joins are refused; 3 seated sockets (ADMISSION_MAX_SOCKETS 0)") == 1


# Handshakes from one address (issue 18): 650 engine.io handshakes in 0.7 s from one address, without a cookie,
# made every newcomer wait for the 20 s those sockets lived. A socket counts once it has a seat, and new sockets
# have a budget per address (realtime/guard.py).

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
FLOOD_HANDSHAKES = 650
FLOOD_CONNECTIONS = 8  # keep-alive connections the flood is spread over


def handshake_flood(port: int, count: int) -> Counter:
    """`count` engine.io handshakes without a cookie from 127.0.0.1, as fast as this machine makes them; the
    statuses they got."""
    statuses, lock = Counter(), threading.Lock()

    def send(how_many: int) -> None:
        connection, got = http.client.HTTPConnection("127.0.0.1", port, timeout=10), Counter()
        for _ in range(how_many):
            connection.request("GET", HANDSHAKE)
            response = connection.getresponse()
            response.read()
            got[response.status] += 1
        connection.close()
        with lock:
            statuses.update(got)

    share, rest = divmod(count, FLOOD_CONNECTIONS)
    threads = [threading.Thread(target=send, args=(share + (n < rest),)) for n in range(FLOOD_CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_a_flood_of_handshakes_from_one_address_does_not_keep_newcomers_out(tmp_path):
    """Full at ten seated sockets, so the flood's sockets would fill it many times over if they counted (the
    lag limit is out of the way on every test server, so this is about sockets only)."""
    burst, per_second = 60, 10  # the defaults: a school behind one address gets its phones in (test below)
    server = LiveServer(tmp_path, {"ADMISSION_MAX_SOCKETS": "10", "HANDSHAKE_ADDRESS_BURST": str(burst),
                                   "HANDSHAKE_ADDRESS_PER_SECOND": str(per_second)}).start()
    seated = [LivePhone(server.url, address="127.0.0.3") for _ in range(3)]  # a conversation going on, elsewhere
    newcomer = LivePhone(server.url, address="127.0.0.2")
    try:
        docent, student, opleider = seated
        code = docent.start("Marieke", "stagedocent")
        student.join(code, "Sanne", "student")
        opleider.join(code, "Kees", "praktijkopleider")
        for phone in seated:
            phone.connect(transports=("polling",))
        for phone in seated:
            phone.wait_for(lambda event, data: event == "update" and online_in(data["fragments"]["deelnemers"], "Kees"))

        started = time.monotonic()
        statuses = handshake_flood(server.port, FLOOD_HANDSHAKES)
        seconds = time.monotonic() - started
        start_page = newcomer.http.get(server.url + "/")
        newcomer_code = newcomer.start("Ahmed", "stagedocent")
        print(f"\nhandshake flood: {FLOOD_HANDSHAKES} from 127.0.0.1 in {seconds:.2f} s, answered {dict(statuses)}; "
              f"a newcomer from 127.0.0.2 then got the start page: {start_page.status_code}")

        assert sum(statuses.values()) == statuses[200] + statuses[429] == FLOOD_HANDSHAKES
        assert burst <= statuses[200] <= burst + per_second * seconds
        assert start_page.status_code == 200
        newcomer.connect(transports=("polling",))
        newcomer.wait_for(lambda event, data: event == "update" and online_in(data["fragments"]["deelnemers"], "Ahmed"))
        assert newcomer.state()["code"] == newcomer_code

        room = student.state()  # the conversation going on did not notice
        phase = next(p["id"] for p in room["phases"] if p["id"] != room["phase"])
        version = int(student.post("/phase", {"phase": phase}).headers["X-Room-Version"])
        for phone in seated:
            phone.wait_for(lambda event, data: event == "update" and data["version"] == version)
    finally:
        for phone in (*seated, newcomer):
            phone.close()
        server.stop()
    assert "busy: " not in Path(server.log.name).read_text()


def test_a_school_behind_one_address_gets_all_its_phones_in_and_back_after_a_blip(live_server):
    """Ten conversations at once behind one address (127.0.0.1): 30 phones connect in one burst, and after a
    network blip all 30 again, as the browsers do (long-polling first, then the upgrade)."""
    phones = []
    for n in range(10):
        docent, student, opleider = (LivePhone(live_server.url) for _ in range(3))
        code = docent.start(f"Docent {n}", "stagedocent")
        student.join(code, f"Student {n}", "student")
        opleider.join(code, f"Opleider {n}", "praktijkopleider")
        phones += [docent, student, opleider]

    def all_connect() -> list:
        refused = []

        def connect(phone):
            try:
                phone.connect(transports=("polling", "websocket"))
            except socketio.exceptions.ConnectionError as error:
                refused.append(error)

        threads = [threading.Thread(target=connect, args=(phone,)) for phone in phones]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for phone in phones:  # in: its join found its seat, and it is online
            phone.wait_for(lambda event, data: event == "update")
        return refused

    try:
        assert all_connect() == []
        for phone in phones:  # the blip: every phone loses its socket at once ...
            phone.close()
            while not phone.events.empty():
                phone.events.get()
        assert all_connect() == []  # ... and all come back
    finally:
        for phone in phones:
            phone.close()


def test_one_seat_opening_many_sockets_counts_as_a_person_with_a_few_devices(app):
    """A cookie with a seat is not free, but it must not buy the process's whole admission limit: past a few
    sockets (a phone, a laptop, a second tab) one seat counts no further."""
    from realtime import guard
    from webapp.extensions import socketio as server

    code, people = seat_three(app)
    sockets = [server.test_client(app, flask_test_client=people["student"]) for _ in range(10)]
    docent = server.test_client(app, flask_test_client=people["stagedocent"])
    for socket in (*sockets, docent):
        socket.emit("join", {"code": code, "version": 0})
    with app.app_context():
        assert guard.seated_sockets() == guard.SOCKETS_PER_SEAT + 1
    for socket in (*sockets, docent):
        socket.disconnect()
