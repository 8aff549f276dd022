"""Presence and the broadcast of fragments over Socket.IO (Flask-SocketIO's test client)."""
import pytest

from tests.helpers import post_action, seat_three, state
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
