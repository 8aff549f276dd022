"""Presence and the broadcast of fragments over Socket.IO (Flask-SocketIO's test client)."""
import json
import time

import pytest

from realtime import guard
from tests.support.actions import post_action, seat_three, start_room, state
from tests.support.app import app_on_fresh_database
from webapp.extensions import socketio


def connect(app, client, code, version):
    sio = socketio.test_client(app, flask_test_client=client)
    assert sio.is_connected()
    sio.emit("join", {"code": code, "version": version})
    return sio


def updates(sio):
    return [event["args"][0] for event in sio.get_received() if event["name"] == "update"]


@pytest.fixture
def table(app):
    return seat_three(app)


def test_presence_reaches_the_others(app, table):
    code, people = table
    version = state(people["stagedocent"], code)["version"]
    docent = connect(app, people["stagedocent"], code, version)
    updates(docent)
    student = connect(app, people["student"], code, version + 1)

    pushed = updates(docent)
    assert len(pushed) == 1 and pushed[0]["version"] == version + 2
    html = pushed[0]["fragments"]["deelnemers"]
    assert 'data-participant-id' in html and "Sanne" in html
    online = {p["name"]: p["online"] for p in state(people["stagedocent"], code)["participants"]}
    assert online == {"Marieke": True, "Sanne": True, "Kees": False}

    student.disconnect()
    pushed = updates(docent)
    assert pushed and pushed[-1]["version"] == version + 3
    online = {p["name"]: p["online"] for p in state(people["stagedocent"], code)["participants"]}
    assert online["Sanne"] is False
    docent.disconnect()


def test_a_reconnect_is_the_same_person_shown_offline_meanwhile(app, table):
    code, people = table
    first = connect(app, people["student"], code, 0)
    first.disconnect()
    second = connect(app, people["student"], code, 0)
    names = [p["name"] for p in state(people["student"], code)["participants"]]
    assert names.count("Sanne") == 1
    assert {p["name"]: p["online"] for p in state(people["student"], code)["participants"]}["Sanne"] is True
    second.disconnect()


def test_a_phone_that_is_behind_gets_a_full_re_render(app, table):
    code, people = table
    current = state(people["student"], code)["version"]
    student = connect(app, people["student"], code, current - 2)
    full = [u for u in updates(student) if u.get("full")]
    assert len(full) == 1
    assert full[0]["version"] == state(people["student"], code)["version"]
    assert "deelnemers" in full[0]["fragments"]
    student.disconnect()


def test_a_phone_that_is_up_to_date_gets_no_re_render(app, table):
    code, people = table
    docent = connect(app, people["stagedocent"], code, 0)
    updates(docent)
    # The docent's own connection raised the version; a second tab at that version needs nothing.
    current = state(people["stagedocent"], code)["version"]
    tab = connect(app, people["stagedocent"], code, current)
    assert updates(tab) == []
    tab.disconnect()
    docent.disconnect()


def test_controls_differ_per_role_in_the_broadcast(app, table):
    code, people = table
    docent = connect(app, people["stagedocent"], code, 0)
    student = connect(app, people["student"], code, 0)
    updates(docent), updates(student)
    connect(app, people["praktijkopleider"], code, 0)
    docent_html = updates(docent)[-1]["fragments"]["deelnemers"]
    student_html = updates(student)[-1]["fragments"]["deelnemers"]
    assert "uit het gesprek" in docent_html
    assert "uit het gesprek" not in student_html


def test_a_stranger_cannot_join_the_socket_room(app, table):
    code, people = table
    docent = connect(app, people["stagedocent"], code, 0)
    updates(docent)
    stranger = socketio.test_client(app)
    stranger.emit("join", {"code": code, "version": 0})
    received = stranger.get_received()
    assert [e["name"] for e in received] == ["denied"]
    post_action(people["stagedocent"], code, "/lock", {"locked": "0"})
    assert updates(docent)  # the room got an update ...
    assert stranger.get_received() == []  # ... the stranger did not


def test_forged_join_payloads_are_refused(app, table):
    code, people = table
    sio = socketio.test_client(app, flask_test_client=people["student"])
    for payload in (None, "x", {"code": None}, {"code": "ABCDEFGH"}, {"code": "Z" * 10_000}):
        sio.emit("join", payload)
        assert [e["name"] for e in sio.get_received()] == ["denied"]


def test_a_removed_participant_is_disconnected(app, table):
    """(That the phone is told first, with a `removed` event, shows with real clients in test_live_server.)"""
    code, people = table
    student = connect(app, people["student"], code, 0)
    student.get_received()
    sanne = next(p for p in state(people["stagedocent"], code)["participants"] if p["name"] == "Sanne")
    post_action(people["stagedocent"], code, f"/participants/{sanne['id']}/remove")
    assert not student.is_connected()
    online = {p["name"]: p["online"] for p in state(people["stagedocent"], code)["participants"]}
    assert "Sanne" not in online


# Budgets per connection (realtime/guard.py, issue 10)

class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(guard, "clock", fake)
    return fake


def typing_seen(sio):
    return sum(1 for event in sio.get_received() if event["name"] == "typing")


def test_typing_over_budget_reaches_the_others_at_most_at_the_budgets_rate(app, table, clock):
    code, people = table
    student = connect(app, people["student"], code, 0)
    docent = connect(app, people["stagedocent"], code, 0)
    docent.get_received()
    seconds, per_second = 5, 4  # twice what the budget allows, but not a flood
    for _ in range(seconds * per_second):
        student.emit("typing", {"key": "nieuw"})
        clock.now += 1 / per_second
    budget = guard.BUDGETS["typing"]
    assert seconds * budget.per_second <= typing_seen(docent) <= budget.burst + seconds * budget.per_second
    assert student.is_connected()  # an eager typist is not a flood


def test_repeated_joins_with_an_old_version_render_the_screen_once_per_version(app, table, clock):
    code, people = table
    docent = connect(app, people["stagedocent"], code, 0)
    assert len([u for u in updates(docent) if u.get("full")]) == 1
    for _ in range(3):
        docent.emit("join", {"code": code, "version": 0})
    assert [u for u in updates(docent) if u.get("full")] == []

    post_action(people["stagedocent"], code, "/lock", {"locked": "1"})
    assert updates(docent)  # the change itself, as an ordinary update
    clock.now += 10
    for _ in range(3):
        docent.emit("join", {"code": code, "version": 0})
    full = [u for u in updates(docent) if u.get("full")]
    assert len(full) == 1 and full[0]["version"] == state(people["stagedocent"], code)["version"]
    assert docent.is_connected()


def test_a_flooding_connection_is_closed_and_another_room_does_not_notice(app, table, clock):
    code, people = table
    docent = connect(app, people["stagedocent"], code, 0)
    docent.get_received()
    flooder_browser = app.test_client()
    flooder_code = start_room(flooder_browser, "Mallory", "stagedocent")
    flooder = connect(app, flooder_browser, flooder_code, 0)
    for event, payload in [("join", {"code": flooder_code, "version": 0}), ("typing", {"key": "nieuw"})] * 100:
        if not flooder.is_connected():
            break
        flooder.emit(event, payload)
    assert not flooder.is_connected()
    online = {p["name"]: p["online"] for p in state(flooder_browser, flooder_code)["participants"]}
    assert online == {"Mallory": False}

    assert docent.is_connected()
    post_action(people["stagedocent"], code, "/lock", {"locked": "1"})
    assert updates(docent)
    student = connect(app, people["student"], code, 0)
    student.emit("typing", {"key": "nieuw"})
    assert typing_seen(docent) == 1


def test_unknown_events_count_as_flooding(app, table, clock):
    code, people = table
    student = connect(app, people["student"], code, 0)
    for _ in range(guard.FLOODING.burst):
        student.emit("made-up", {"x": 1})
    assert student.is_connected()
    student.emit("made-up")
    assert not student.is_connected()


def denials(sio):
    received = sio.get_received()
    assert [e["name"] for e in received] == ["denied"], received
    return received[0]["args"]


def test_a_join_without_data_or_with_garbage_is_denied_without_an_error(app, table, clock):
    code, people = table
    sio = socketio.test_client(app, flask_test_client=people["student"])
    sio.emit("join")  # no payload at all: raised a TypeError before
    assert denials(sio)
    for payload in ([code], {"code": ["x"]}, {"code": {"code": code}}):
        clock.now += 10
        sio.emit("join", payload)
        assert denials(sio)
    clock.now += 10
    sio.emit("join", {"code": code, "version": "nieuw"}, "extra", 3)  # extra arguments are ignored
    assert updates(sio)
    assert sio.is_connected()


def test_one_connection_follows_one_room(app, table, clock):
    code, people = table
    other_code = start_room(people["stagedocent"], "Marieke", "stagedocent")  # the same browser, a second room
    docent = connect(app, people["stagedocent"], code, 0)
    docent.get_received()
    docent.emit("join", {"code": other_code, "version": 0})
    assert denials(docent)
    online_here = {p["name"]: p["online"] for p in state(people["stagedocent"], code)["participants"]}
    online_there = {p["name"]: p["online"] for p in state(people["stagedocent"], other_code)["participants"]}
    assert online_here["Marieke"] is True and online_there == {"Marieke": False}
    post_action(people["stagedocent"], other_code, "/lock", {"locked": "1"})
    assert updates(docent) == []  # nothing from the second room ...
    post_action(people["stagedocent"], code, "/lock", {"locked": "1"})
    assert updates(docent)  # ... while the first is followed as before
    docent.emit("join", {"code": code, "version": 0})  # asking to catch up on the same room is fine
    assert docent.is_connected()


def test_an_unknown_code_and_a_room_this_cookie_is_not_in_get_the_same_denial(app, table, clock):
    code, people = table
    outsider = app.test_client()
    outsider_code = start_room(outsider, "Mallory", "stagedocent")
    sio = connect(app, outsider, outsider_code, 0)
    sio.get_received()
    unknown = next(c for c in ("ABCDEFGH", "HGFEDCBA") if c != code)
    fresh = socketio.test_client(app, flask_test_client=outsider)
    fresh.emit("join", {"code": unknown, "version": 0})
    unknown_answer = denials(fresh)
    fresh.emit("join", {"code": code, "version": 0})
    assert denials(fresh) == unknown_answer


# Budgets per client address (realtime/guard.py, issue 18): what a client could repeat by connecting again

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def engineio_sid(response) -> str:
    """The sid in an engine.io handshake's answer (`0{"sid": ...}`)."""
    assert response.status_code == 200, response.status_code
    return json.loads(response.get_data(as_text=True)[1:])["sid"]


def test_new_sockets_over_an_addresses_budget_get_a_429_before_engine_io_makes_one(tmp_path, clock):
    with app_on_fresh_database(tmp_path, HANDSHAKE_ADDRESS_BURST=3, HANDSHAKE_ADDRESS_PER_SECOND=1) as app:
        flooder, other = app.test_client(), app.test_client()
        other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
        sids = [engineio_sid(flooder.get(HANDSHAKE)) for _ in range(3)]
        sockets = len(socketio.server.eio.sockets)
        for url in (HANDSHAKE, "/socket.io/?EIO=4&transport=websocket", HANDSHAKE + "&sid="):
            refused = flooder.get(url)
            assert refused.status_code == 429 and refused.headers["Retry-After"] == "1", url
            assert "Te veel nieuwe verbindingen" in refused.get_data(as_text=True)
        assert len(socketio.server.eio.sockets) == sockets  # refused before engine.io made a socket
        # A socket's own requests pass (a POST: a GET would wait for something to send, as long-polling does).
        assert flooder.post(f"{HANDSHAKE}&sid={sids[0]}", data="40").status_code == 200
        engineio_sid(other.get(HANDSHAKE))  # another address has its own budget
        clock.now += 1
        engineio_sid(flooder.get(HANDSHAKE))  # one more a second
        assert flooder.get(HANDSHAKE).status_code == 429


def test_behind_a_proxy_new_sockets_count_per_client_and_a_forged_address_gets_no_fresh_budget(tmp_path, clock):
    settings = {"HANDSHAKE_ADDRESS_BURST": 2, "HANDSHAKE_ADDRESS_PER_SECOND": 1}
    for place in ("proxied", "direct"):
        (tmp_path / place).mkdir()
    with app_on_fresh_database(tmp_path / "proxied", TRUSTED_PROXIES=1, **settings) as proxied:
        client = proxied.test_client()
        for address in ("203.0.113.7", "203.0.113.8"):
            for _ in range(2):
                engineio_sid(client.get(HANDSHAKE, headers={"X-Forwarded-For": address}))
            assert client.get(HANDSHAKE, headers={"X-Forwarded-For": address}).status_code == 429
        # The socket itself knows its client too, not the proxy: its typing counts against the client's budget.
        sid = engineio_sid(client.get(HANDSHAKE, headers={"X-Forwarded-For": "203.0.113.9"}))
        client.post(f"{HANDSHAKE}&sid={sid}", data="40", headers={"X-Forwarded-For": "203.0.113.9"})
        states = proxied.extensions["socket_states"]
        deadline = time.monotonic() + 5  # Socket.IO's connect runs in a thread of its own here
        while not states and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [state.address for state in states.values()] == ["203.0.113.9"]
    with app_on_fresh_database(tmp_path / "direct", **settings) as direct:
        client = direct.test_client()
        statuses = [client.get(HANDSHAKE, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                    for n in range(3)]
        assert statuses == [200, 200, 429]  # without TRUSTED_PROXIES the header is anyone's to write


def test_typing_from_many_connections_of_one_address_reaches_the_others_within_the_addresses_budget(
        app, table, clock):
    code, people = table
    docent = connect(app, people["stagedocent"], code, 0)
    docent.get_received()
    per_connection, shared = guard.BUDGETS["typing"], guard.ADDRESS_BUDGETS["typing"]
    connections = [connect(app, people["student"], code, 0) for _ in range(8)]  # reconnecting, or many tabs
    for sio in connections:
        for _ in range(int(per_connection.burst)):  # each within its own budget
            sio.emit("typing", {"key": "nieuw"})
    assert typing_seen(docent) == shared.burst
    assert all(sio.is_connected() for sio in connections)  # over the address's budget is not flooding
    clock.now += 1
    for sio in connections:
        sio.emit("typing", {"key": "nieuw"})
    assert typing_seen(docent) == shared.per_second
    people["praktijkopleider"].environ_base["REMOTE_ADDR"] = "10.0.0.2"  # at the workplace: another address
    opleider = connect(app, people["praktijkopleider"], code, 0)
    opleider.emit("typing", {"key": "nieuw"})
    assert typing_seen(docent) == 1
