"""Housekeeping: a crashed server's phones go offline, and conversations past retention are deleted."""
from datetime import timedelta

from flask import url_for

from tests.support.actions import agree, post_action, seat_three, state
from tests.support.app import app_on_fresh_database
from tests.support.phones import online_in
from webapp.clock import utcnow
from webapp.domain import outbox
from webapp.domain.housekeeping import tidy
from webapp.extensions import db, socketio
from webapp.models import Agreement, Connection, OutboxMessage, Participant, Record, Room, Worker
from webapp.origin import outside_request


def test_connections_of_a_dead_worker_are_dropped_and_the_room_told(app):
    code, people = seat_three(app)
    docent = socketio.test_client(app, flask_test_client=people["stagedocent"])
    docent.emit("join", {"code": code, "version": 0})
    student = socketio.test_client(app, flask_test_client=people["student"])
    student.emit("join", {"code": code, "version": 0})
    with app.app_context():
        sanne = db.session.query(Participant).filter_by(name="Sanne").one()
        db.session.query(Connection).filter_by(participant_id=sanne.id).update({"worker_id": "crashed:1:x"})
        db.session.add(Worker(id="crashed:1:x", seen_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
    docent.get_received()
    version = state(people["stagedocent"], code)["version"]
    with app.app_context():  # no request: the commit renders the screens on the app's own address by itself
        tidy(app)
    online = {p["name"]: p["online"] for p in state(people["stagedocent"], code)["participants"]}
    assert online == {"Marieke": True, "Sanne": False, "Kees": False}
    assert state(people["stagedocent"], code)["version"] == version + 1
    pushed = [e["args"][0] for e in docent.get_received() if e["name"] == "update"]
    assert pushed and not online_in(pushed[-1]["fragments"]["deelnemers"], "Sanne")
    with app.app_context():
        assert db.session.get(Worker, "crashed:1:x") is None


def test_conversations_past_retention_are_deleted_with_all_their_data(app):
    expired_code, people = seat_three(app)
    post_action(people["student"], expired_code, "/agreements",
                {"what": "Iets", "who": ["student"], "when": "voor-volgend-gesprek"})
    post_action(people["stagedocent"], expired_code, "/close")
    agree(people["student"], expired_code, "sanne@example.nl")
    post_action(people["stagedocent"], expired_code, "/finalize", {"force": "1"})
    live_code, _ = seat_three(app)
    with app.app_context():
        room = db.session.query(Room).filter_by(code=expired_code).one()
        room.expires_at = utcnow() - timedelta(seconds=1)
        expired_id = room.id
        db.session.commit()
        assert db.session.query(OutboxMessage).count() == 1
    with app.app_context():  # no request: the commit renders the screens on the app's own address by itself
        tidy(app)
    with app.app_context():
        assert [r.code for r in db.session.query(Room)] == [live_code]
        assert db.session.query(Participant).count() == 3
        for model in (Agreement, Record, OutboxMessage):
            assert db.session.query(model).count() == 0
        assert outbox.status_for_room(expired_id) == []
    assert app.test_client().get(f"/r/{expired_code}").status_code == 404


def test_housekeeping_builds_its_urls_on_the_public_origin_whatever_hosts_are_trusted(tmp_path):
    """A round renders changed screens outside any request; with only the school's host trusted (a real deployment)
    a context on any other host could build no URL, and a dead worker's phones would stay online."""
    with app_on_fresh_database(tmp_path, PUBLIC_URL="https://stagegesprek.example",
                               TRUSTED_HOSTS=["stagegesprek.example"]) as app:
        with app.app_context(), outside_request(app):
            assert url_for("room.new_link", code="K7MP3XQ9", participant_id=7) == "/r/K7MP3XQ9/participants/7/link"
