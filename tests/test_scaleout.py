"""Scale-out: two server processes on one PostgreSQL database, sharing events through Redis."""
import os
import signal
import time

import pytest

from tests.support.phones import LivePhone, online_in, presence_shows
from tests.support.servers import two_processes

pytestmark = pytest.mark.scaleout


def test_a_change_on_one_worker_reaches_phones_on_the_other(two_workers):
    first, second = two_workers
    docent = LivePhone(first.url)
    code = docent.start("Marieke", "stagedocent")
    docent.connect()

    student = LivePhone(second.url)
    assert student.join(code, "Sanne", "student").status_code == 200
    docent.wait_for(presence_shows("Sanne"))
    student.connect()
    docent.wait_for(lambda event, data: event == "update" and online_in(data["fragments"]["deelnemers"], "Sanne"))
    assert {p["name"]: p["online"] for p in docent.state()["participants"]} == {"Marieke": True, "Sanne": True}
    assert docent.state()["version"] == student.state()["version"]
    docent.close(), student.close()


def test_a_worker_killed_outright_leaves_nobody_online_for_long(tmp_path, migrated_postgres_url, redis_url):
    """Its phones' connections die with it; the surviving worker's housekeeping shows them offline."""
    quick_housekeeping = {"HOUSEKEEPING_INTERVAL": "0.3", "WORKER_DEAD_AFTER": "2"}
    with two_processes(tmp_path, migrated_postgres_url, redis_url, quick_housekeeping) as (doomed, survivor):
        docent = LivePhone(survivor.url)
        code = docent.start("Marieke", "stagedocent")
        docent.connect()
        student = LivePhone(doomed.url)
        student.join(code, "Sanne", "student")
        student.connect()
        docent.wait_for(lambda event, data: event == "update" and online_in(data["fragments"]["deelnemers"], "Sanne"))
        os.kill(doomed.process.pid, signal.SIGKILL)
        killed = time.monotonic()
        docent.wait_for(lambda event, data: event == "update"
                        and not online_in(data["fragments"]["deelnemers"], "Sanne"), timeout=10)
        print(f"\nSanne shown offline {time.monotonic() - killed:.1f} s after her server was killed")
        docent.close()


def test_on_postgresql_the_migrations_hold_and_purging_takes_everything_along(postgres_url):
    from datetime import timedelta

    from flask_migrate import upgrade

    from tests.support.actions import post_action, seat_three
    from webapp import create_app
    from webapp.clock import utcnow
    from webapp.config import database_url
    from webapp.domain.rooms import purge_expired
    from webapp.extensions import db
    from webapp.models import Agreement, Participant, Room

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url(postgres_url),
                      "SOCKETIO_ASYNC_MODE": "threading", "REDIS_URL": None})
    with app.app_context():
        upgrade()
    code, people = seat_three(app)
    post_action(people["student"], code, "/agreements", {"what": "Iets", "who": ["student"],
                                                          "when": "voor-volgend-gesprek"})
    with app.app_context():
        db.session.query(Room).filter_by(code=code).update({"expires_at": utcnow() - timedelta(seconds=1)})
        db.session.commit()
        assert purge_expired() == 1
        assert [db.session.query(model).count() for model in (Room, Participant, Agreement)] == [0, 0, 0]
        db.session.remove()
        db.engine.dispose()
