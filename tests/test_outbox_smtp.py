"""The mail outbox against a real SMTP server (aiosmtpd on a loopback port): once, to one, never lost."""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import update

from tests.support.app import ROOT
from tests.support.servers import free_port
from tests.support.smtp import SMTPServer
from webapp.clock import utcnow
from webapp.domain import outbox
from webapp.domain.rooms import create_room
from webapp.extensions import db, mail
from webapp.models.outbox import OutboxMessage

ADDRESSES = ["student@example.nl", "docent@school.example", "opleider@bedrijf.example"]
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Vervolggesprek\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


def use_smtp(app, port, backend="smtp"):
    app.config.update(MAIL_BACKEND=backend, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    mail.init_app(app)  # Flask-Mailman reads its settings once, in init_app


def queue_verslag(room_id, addresses=ADDRESSES):
    """Three mails, one per participant, as the closing flow queues them: in one transaction."""
    messages = [outbox.enqueue(kind=outbox.VERSLAG, recipient=address, subject="Verslag stagegesprek van Sam",
                               text_body=f"Afspraken voor {address}", html_body=f"<p>Afspraken voor {address}</p>",
                               attachments=[{"filename": "vervolggesprek.ics", "content": ICS,
                                             "mimetype": "text/calendar"}],
                               room_id=room_id)
                for address in addresses]
    db.session.commit()
    return {m.recipient: m.message_id for m in messages}


def assert_one_each(received, expected_ids):
    """Every queued mail arrived exactly once, to its own recipient only, as text + HTML + .ics."""
    assert sorted(r.message_id for r in received) == sorted(expected_ids.values())
    for item in received:
        [recipient] = item.rcpt_tos
        assert item.message["To"] == recipient
        assert item.message_id == expected_ids[recipient]
        raw = item.message.as_string()
        assert not [other for other in expected_ids if other != recipient and other in raw]
        assert item.message.get_body(("plain",)).get_content().strip() == f"Afspraken voor {recipient}"
        assert item.message.get_body(("html",)).get_content().strip() == f"<p>Afspraken voor {recipient}</p>"
        [ics] = list(item.message.iter_attachments())
        assert ics.get_filename() == "vervolggesprek.ics" and ics.get_content_type() == "text/calendar"
        assert "SUMMARY:Vervolggesprek" in ics.get_content()


@pytest.mark.parametrize("backend", ["smtp", "flask_mailman.backends.smtp.EmailBackend"])
def test_three_participants_get_one_mail_each(app, smtp, backend):
    use_smtp(app, smtp.port, backend)
    with app.app_context():
        room, _ = create_room("Sam", "student")
        ids = queue_verslag(room.id)
        assert outbox.deliver_due() == {"sent": 3, "failed": 0, "skipped": 0}
        assert_one_each(smtp.received, ids)

        assert outbox.deliver_due(now=utcnow() + timedelta(days=1)) == {"sent": 0, "failed": 0, "skipped": 0}
        assert len(smtp.received) == 3
        assert all(s.sent and s.last_error is None for s in outbox.status_for_room(room.id))


def test_mail_server_down_loses_nothing_and_sends_once_when_back(app, smtp):
    smtp.stop()  # down: the connection is refused
    with app.app_context():
        room, _ = create_room("Sam", "student")
        ids = queue_verslag(room.id)
        assert outbox.deliver_due() == {"sent": 0, "failed": 3, "skipped": 0}

        statuses = outbox.status_for_room(room.id)
        assert [s.recipient for s in statuses] == ADDRESSES
        for status in statuses:
            assert not status.sent and status.attempts == 1
            assert status.last_error.startswith("De mailserver is niet bereikbaar")
            assert status.next_attempt_at > utcnow()

        smtp.start()
        assert outbox.deliver_due() == {"sent": 0, "failed": 0, "skipped": 0}  # backing off
        assert outbox.retry_now(room.id) == 3  # the docent's "probeer opnieuw"
        assert outbox.deliver_due() == {"sent": 3, "failed": 0, "skipped": 0}
        assert_one_each(smtp.received, ids)

        assert outbox.deliver_due(now=utcnow() + timedelta(days=1))["sent"] == 0
        assert len(smtp.received) == 3
        assert all(s.sent and s.attempts == 1 for s in outbox.status_for_room(room.id))


class SenderProcess:
    """`flask outbox run` in its own process, as a deployment with a separate sender runs it."""

    def __init__(self, tmp_path, database_uri, smtp_port):
        self.env = {
            **os.environ,
            "DATABASE_URL": database_uri,
            "SECRET_KEY": "sender-secret",
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_port),
        }
        self.env.pop("REDIS_URL", None)
        self.log = tmp_path / "sender.log"
        self.process = None

    def start(self) -> "SenderProcess":
        command = [sys.executable, "-m", "flask", "--app", "webapp", "outbox", "run", "--interval", "0.1"]
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=10)


def test_sender_killed_between_send_and_mark_resends_only_that_message(app, smtp, tmp_path):
    with app.app_context():
        ids = queue_verslag(None, [f"deelnemer{i}@example.nl" for i in range(5)])
    sender = SenderProcess(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"], smtp.port).start()

    def kill_on_third(count):
        # The server has the whole third message; the sender dies before it reads the 250 reply.
        if count == 3:
            os.kill(sender.process.pid, signal.SIGKILL)

    smtp.recorder.on_data = kill_on_third
    assert sender.process.wait(timeout=20) == -signal.SIGKILL, sender.log.read_text()
    in_flight = smtp.received[2].message_id
    smtp.recorder.on_data = None

    sender = SenderProcess(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"], smtp.port).start()
    try:
        smtp.recorder.wait_for(5)
        # The dead sender's lease still holds the in-flight message: nobody re-sends it yet.
        time.sleep(0.3)
        assert sorted(r.message_id for r in smtp.received) == sorted(ids.values())

        with app.app_context():
            # Let the dead sender's lease run out, as it does after outbox.LEASE_SECONDS.
            db.session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                               .values(claimed_until=utcnow() - timedelta(seconds=1)))
            db.session.commit()
        smtp.recorder.wait_for(6)
        time.sleep(0.3)  # a few more rounds: nothing else may arrive
    finally:
        assert sender.stop() == 0, sender.log.read_text()

    received = [r.message_id for r in smtp.received]
    assert len(received) == 6
    assert received.count(in_flight) == 2
    assert all(received.count(message_id) == 1 for message_id in ids.values() if message_id != in_flight)
    with app.app_context():
        assert all(s.sent_at is not None for s in db.session.scalars(db.select(OutboxMessage)))


def only(login, password):
    """An aiosmtpd authenticator that accepts one user."""
    def authenticate(server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd itself answers a failure with "535 Authentication failed".
        return AuthResult(success=auth_data == LoginPassword(login.encode(), password.encode()), handled=False)
    return authenticate


def test_starttls_refuses_an_untrusted_certificate_and_trusts_mail_ssl_cafile(app, certificate):
    cert, context = certificate
    server = SMTPServer(free_port(), tls_context=context, require_starttls=True, auth_required=True,
                        authenticator=only("stagegesprek", "geheim")).start()
    try:
        use_smtp(app, server.port)
        app.config.update(MAIL_USE_TLS=True, MAIL_USERNAME="stagegesprek", MAIL_PASSWORD="geheim")
        mail.init_app(app)
        with app.app_context():
            ids = queue_verslag(None)
            # Self-signed and not trusted: no password and no verslag go over that connection.
            assert outbox.deliver_due() == {"sent": 0, "failed": 3, "skipped": 0}
            for message in db.session.scalars(db.select(OutboxMessage)):
                assert message.sent_at is None and message.attempts == 1
                assert message.last_error.startswith("Het certificaat van de mailserver wordt niet vertrouwd")
                assert "CERTIFICATE_VERIFY_FAILED" in message.last_error

            app.config.update(MAIL_SSL_CAFILE=str(cert), MAIL_PASSWORD="fout")
            mail.init_app(app)
            later = utcnow() + timedelta(minutes=1)
            assert outbox.deliver_due(now=later)["failed"] == 3
            assert db.session.scalar(db.select(OutboxMessage.last_error)).startswith(
                "Inloggen bij de mailserver is mislukt")

            app.config["MAIL_PASSWORD"] = "geheim"
            mail.init_app(app)
            assert outbox.deliver_due(now=later + timedelta(minutes=5))["sent"] == 3
        assert_one_each(server.received, ids)
    finally:
        server.stop()


def test_starttls_checks_the_host_name_too(app, certificate):
    cert, context = certificate  # issued to 127.0.0.1, trusted, but we ask for "localhost"
    server = SMTPServer(free_port(), tls_context=context, require_starttls=True).start()
    try:
        use_smtp(app, server.port)
        app.config.update(MAIL_SERVER="localhost", MAIL_USE_TLS=True, MAIL_SSL_CAFILE=str(cert))
        mail.init_app(app)
        with app.app_context():
            queue_verslag(None, ADDRESSES[:1])
            assert outbox.deliver_due()["failed"] == 1
            last_error = db.session.scalar(db.select(OutboxMessage.last_error))
            assert last_error.startswith("Het certificaat van de mailserver wordt niet vertrouwd")
            assert "localhost" in last_error
        assert server.received == []
    finally:
        server.stop()


def test_implicit_tls_verifies_the_certificate(app, certificate):
    cert, context = certificate
    server = SMTPServer(free_port(), ssl_context=context).start()
    try:
        use_smtp(app, server.port)
        app.config["MAIL_USE_SSL"] = True
        mail.init_app(app)
        with app.app_context():
            ids = queue_verslag(None)
            assert outbox.deliver_due()["failed"] == 3
            assert db.session.scalar(db.select(OutboxMessage.last_error)).startswith(
                "Het certificaat van de mailserver wordt niet vertrouwd")

            app.config["MAIL_SSL_CAFILE"] = str(cert)
            mail.init_app(app)
            assert outbox.deliver_due(now=utcnow() + timedelta(minutes=1))["sent"] == 3
        assert_one_each(server.received, ids)
    finally:
        server.stop()
