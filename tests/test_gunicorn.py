"""Production under gunicorn (`gunicorn -c gunicorn.conf.py -k eventlet wsgi:app`): it serves, and it sends mail."""
import os
import runpy
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import ROOT, free_port
from tests.smtp_server import SMTPServer
from webapp import create_app
from webapp.domain import outbox
from webapp.extensions import db
from webapp.models.outbox import OutboxMessage


def test_config_binds_to_host_and_port_with_eventlet_limits(monkeypatch):
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "8123")
    for name in ("MAX_CONNECTIONS", "LISTEN_BACKLOG"):
        monkeypatch.delenv(name, raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["bind"] == "0.0.0.0:8123"
    assert settings["worker_class"] == "eventlet"
    assert (settings["worker_connections"], settings["backlog"]) == (10000, 2048)
    assert callable(settings["post_worker_init"])


class Gunicorn:
    """gunicorn with this repository's config in its own process, on a free port and a fresh SQLite file."""

    def __init__(self, tmp_path, smtp_port, workers):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_uri = f"sqlite:///{tmp_path / 'gunicorn.db'}"
        self.env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "DATABASE_URL": self.database_uri,
            "SECRET_KEY": "gunicorn-secret",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
            "OUTBOX_INTERVAL": "0.5",
        }
        for name in ("REDIS_URL", "SOCKETIO_ASYNC_MODE", "MAIL_USE_TLS", "MAIL_USE_SSL"):
            self.env.pop(name, None)
        self.workers = workers
        self.log_path = tmp_path / "gunicorn.log"
        self.process = None

    def start(self) -> "Gunicorn":
        upgrade = [sys.executable, "-m", "flask", "--app", "webapp", "db", "upgrade"]
        subprocess.run(upgrade, cwd=ROOT, env=self.env, check=True, capture_output=True)
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-k", "eventlet",
                   "-w", str(self.workers), "--no-control-socket",  # gunicorn 25's socket lives in $HOME
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


@pytest.mark.parametrize("workers", [1, 2])
def test_gunicorn_serves_and_its_workers_deliver_queued_mail_once(tmp_path, workers):
    smtp = SMTPServer(free_port()).start()
    server = Gunicorn(tmp_path, smtp.port, workers)
    try:
        server.start()
        assert requests.get(f"{server.url}/healthz", timeout=5).json() == {"status": "ok"}

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
        assert server.log().count("mail sender started in worker") == workers, server.log()
    finally:
        server.stop()
        smtp.stop()
