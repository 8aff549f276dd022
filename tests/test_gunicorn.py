"""Production under gunicorn's gevent worker (`SOCKETIO_ASYNC_MODE=gevent gunicorn -c gunicorn.conf.py -k gevent -w 1
wsgi:app`, README "Production"): it serves pages, static files and live rooms over a websocket, and it sends mail."""
import os
import queue
import runpy
import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests
import socketio

from tests.support.app import ROOT, csrf_from
from tests.support.servers import free_port, migrated_sqlite
from tests.support.smtp import SMTPServer
from webapp import create_app
from webapp.domain import outbox
from webapp.extensions import db
from webapp.models.outbox import OutboxMessage


def gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("HOST", "PORT", "MAX_CONNECTIONS", "LISTEN_BACKLOG", "SOCKETIO_ASYNC_MODE"):
        monkeypatch.setenv(name, "")  # remembered, so the config's own setting is undone after the test
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_config_binds_to_host_and_port_with_the_gevent_worker_and_its_limits(monkeypatch):
    settings = gunicorn_settings(monkeypatch, HOST="0.0.0.0", PORT="8123")
    assert settings["bind"] == "0.0.0.0:8123"
    assert (settings["worker_class"], settings["workers"]) == ("gevent", 1)
    assert (settings["worker_connections"], settings["backlog"]) == (10000, 2048)
    assert callable(settings["post_worker_init"])
    # the workers inherit it: Flask-SocketIO would otherwise choose eventlet, which is installed too
    assert os.environ["SOCKETIO_ASYNC_MODE"] == "gevent"


def test_config_refuses_an_async_mode_its_worker_cannot_run(monkeypatch):
    with pytest.raises(SystemExit, match="SOCKETIO_ASYNC_MODE=eventlet"):
        gunicorn_settings(monkeypatch, SOCKETIO_ASYNC_MODE="eventlet")


class Gunicorn:
    """The README's gunicorn command in its own process, on a free port and a copy of the migrated SQLite file."""

    def __init__(self, tmp_path, smtp_port, workers):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = tmp_path / "gunicorn.db"
        self.database_uri = f"sqlite:///{self.database}"
        self.env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PUBLIC_URL": self.url,
            "DATABASE_URL": self.database_uri,
            "SECRET_KEY": "gunicorn-secret",
            "SOCKETIO_ASYNC_MODE": "gevent",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "OUTBOX_INTERVAL": "0.5",
        }
        for name in ("REDIS_URL", "MAIL_USE_TLS", "MAIL_USE_SSL"):
            self.env.pop(name, None)
        self.workers = workers
        self.log_path = tmp_path / "gunicorn.log"
        self.process = None

    def start(self) -> "Gunicorn":
        shutil.copyfile(migrated_sqlite(), self.database)  # `flask db upgrade`, made once per test run
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-k", "gevent",
                   "-w", str(self.workers), "--no-control-socket",  # gunicorn's control socket lives in $HOME
                   "wsgi:app"]  # no -b: the config binds to HOST:PORT
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):  # booting workers accept late
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer /healthz:\n{self.log()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def a_live_room_works(url: str) -> None:
    """The stagedocent's phone is in the room over a websocket; the student joins over HTTP, and the stagedocent's
    phone is told at once, by a push from the worker that served the join."""
    docent, student = requests.Session(), requests.Session()
    token = csrf_from(docent.get(url + "/").text)
    code = docent.post(url + "/rooms", data={"name": "Marieke", "role": "stagedocent", "csrf_token": token}
                       ).url.rsplit("/", 1)[-1]
    updates = queue.Queue()
    phone = socketio.Client(reconnection=False)
    phone.on("update", updates.put)
    cookie = "; ".join(f"{c.name}={c.value}" for c in docent.cookies)
    phone.connect(url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=10)
    try:
        assert phone.transport() == "websocket"
        version = docent.get(f"{url}/r/{code}/state.json").json()["version"]
        phone.emit("join", {"code": code, "version": version})
        page = student.get(f"{url}/r/{code}").text
        joined = student.post(f"{url}/r/{code}/join",
                              data={"name": "Sanne", "role": "student", "csrf_token": csrf_from(page)})
        assert joined.status_code == 200
        deadline = time.monotonic() + 5
        while True:
            update = updates.get(timeout=max(0.01, deadline - time.monotonic()))
            if "Sanne" in update["fragments"].get("deelnemers", ""):
                break
    finally:
        phone.disconnect()


@pytest.mark.parametrize("workers", [1, 2])
def test_gunicorn_on_gevent_serves_and_its_workers_deliver_queued_mail_once(tmp_path, workers):
    smtp = SMTPServer(free_port()).start()
    server = Gunicorn(tmp_path, smtp.port, workers)
    try:
        server.start()
        assert requests.get(f"{server.url}/healthz", timeout=5).json() == {"status": "ok"}
        start_page = requests.get(server.url + "/", timeout=5)
        assert start_page.status_code == 200 and "Stagegesprek: meedoen of een gesprek starten" in start_page.text
        static = requests.get(server.url + "/static/app.js", timeout=5)
        assert static.status_code == 200 and static.headers["Content-Type"].startswith("text/javascript")
        if workers == 1:  # a room's pushes stay within its process (README: one worker per process, Redis between)
            a_live_room_works(server.url)

        # Queue mail as the web process does, in the same database, from outside gunicorn.
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "REDIS_URL": None,
                          "SQLALCHEMY_DATABASE_URI": server.database_uri, "SOCKETIO_ASYNC_MODE": "threading"})
        with app.app_context():
            ids = [outbox.enqueue(kind=outbox.VERSLAG, recipient=f"deelnemer{i}@example.nl",
                                  subject="Verslag stagegesprek", text_body="Afspraken: ...").message_id
                   for i in range(5)]
            db.session.commit()

        started = time.monotonic()
        smtp.recorder.wait_for(5, timeout=10)
        assert time.monotonic() - started < 5, "gunicorn's sender did not pick the mail up within a few seconds"
        time.sleep(1.2)  # two more rounds of every sender: nothing may arrive twice
        assert sorted(r.message_id for r in smtp.received) == sorted(ids)

        with app.app_context():
            deadline = time.monotonic() + 5
            while db.session.scalar(db.select(db.func.count()).where(OutboxMessage.sent_at.is_(None))):
                assert time.monotonic() < deadline, "delivered mail was not marked as sent"
                db.session.rollback()
                time.sleep(0.1)
            db.session.remove()
            db.engine.dispose()
        log = server.log()
        assert log.count("mail sender started in worker") == workers, log
        assert "Using worker: gevent" in log and log.count("(gevent)") == workers, log
    finally:
        server.stop()
        smtp.stop()
