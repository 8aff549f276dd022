"""The mail outbox without a network: queueing, claims, retries, backends and the sender loop."""
import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from tests.support.mail import locmem_sent
from tests.support.servers import free_port
from webapp.clock import utcnow
from webapp.config import Config
from webapp.domain import outbox
from webapp.domain.rooms import create_room
from webapp.extensions import db, mail
from webapp.models.outbox import OutboxMessage
from webapp.models.room import Room

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def use_mail(app, **settings):
    """Switch the app's mail backend; Flask-Mailman reads its settings once, in init_app."""
    app.config.update(settings)
    mail.init_app(app)


def queue(recipient="sam@example.nl", room_id=None, **extra):
    message = outbox.enqueue(kind=outbox.VERSLAG, recipient=recipient, subject="Verslag stagegesprek",
                             text_body="Afspraken: ...", html_body="<p>Afspraken: ...</p>", room_id=room_id, **extra)
    db.session.commit()
    return message


def test_enqueue_leaves_the_commit_to_the_caller(app):
    with app.app_context():
        outbox.enqueue(kind=outbox.VERSLAG, recipient="sam@example.nl", subject="s", text_body="t")
        db.session.rollback()  # the caller's transaction fails: no record, so no mail either
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

        message = queue()
        assert message.message_id.startswith("<") and message.message_id.endswith("@stagegesprek.local>")
        assert message.sent_at is None and message.attempts == 0


def test_message_id_domain_comes_from_the_sender_address(app):
    app.config["MAIL_DEFAULT_SENDER"] = "Stagegesprek <noreply@school.example>"
    with app.app_context():
        assert queue().message_id.endswith("@school.example>")


@pytest.mark.parametrize("recipient", [
    "", "a@example.nl, b@example.nl", "a@example.nl;b@example.nl", "Sam <sam@example.nl>",
    "sam@example.nl\r\nBcc: eve@example.nl", "geen-adres", "x" * 250 + "@example.nl",
])
def test_enqueue_takes_exactly_one_plain_address(app, recipient):
    with app.app_context(), pytest.raises(ValueError):
        outbox.enqueue(kind=outbox.VERSLAG, recipient=recipient, subject="s", text_body="t")


def test_deliver_sends_once_with_the_stored_message_id(app):
    with app.app_context():
        message = queue(attachments=[{"filename": "vervolggesprek.ics", "content": ICS, "mimetype": "text/calendar"}])
        assert outbox.deliver_due() == {"sent": 1, "failed": 0, "skipped": 0}
        assert outbox.deliver_due() == {"sent": 0, "failed": 0, "skipped": 0}

        [email] = locmem_sent(app)
        assert email.to == ["sam@example.nl"]
        assert email.message()["Message-ID"] == message.message_id
        assert email.attachments[0][0] == "vervolggesprek.ics"
        db.session.refresh(message)
        assert message.sent_at is not None and message.claimed_until is None


def test_failures_back_off_and_retry_now_makes_them_due(app):
    use_mail(app, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens
    with app.app_context():
        room, _ = create_room("Sam", "student")
        message = queue(room_id=room.id)
        now = utcnow()
        delays = []
        for _ in range(4):
            assert outbox.deliver_due(now=now)["failed"] == 1
            db.session.refresh(message)
            delays.append((message.next_attempt_at - now).total_seconds())
            assert outbox.deliver_due(now=now) == {"sent": 0, "failed": 0, "skipped": 0}  # not due yet
            now = message.next_attempt_at
        assert delays == [5, 10, 20, 40]
        assert message.attempts == 4 and "niet bereikbaar" in message.last_error
        assert "Traceback" not in message.last_error and len(message.last_error) <= 500

        [status] = outbox.status_for_room(room.id)
        assert (status.recipient, status.sent, status.attempts) == ("sam@example.nl", False, 4)
        assert status.last_error == message.last_error

        assert outbox.retry_now(room.id) == 1
        db.session.refresh(message)
        assert message.next_attempt_at <= utcnow()


def test_backoff_is_capped(app):
    use_mail(app, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    with app.app_context():
        message = queue()
        message.attempts = 20
        db.session.commit()
        now = utcnow()
        outbox.deliver_due(now=now)
        db.session.refresh(message)
        assert message.next_attempt_at - now == timedelta(minutes=30)


def test_claim_is_a_lease_that_only_one_holder_gets(app):
    with app.app_context():
        message = queue()
        now = utcnow()
        assert outbox.claim(message.id, now) is True
        assert outbox.claim(message.id, now) is False
        # A claimed message is not due for anyone else...
        assert outbox.deliver_due(now=now) == {"sent": 0, "failed": 0, "skipped": 0}
        # ...until its holder's lease has run out (the holder died).
        later = now + timedelta(seconds=outbox.LEASE_SECONDS + 1)
        assert outbox.deliver_due(now=later)["sent"] == 1
        assert outbox.claim(message.id, later + timedelta(days=1)) is False  # sent: never again


def test_concurrent_senders_send_each_message_once(app):
    with app.app_context():
        ids = [queue(f"p{i}@example.nl").message_id for i in range(30)]
    totals, errors = [], []

    def sender():
        try:
            with app.app_context():
                totals.append(outbox.deliver_due(batch=100))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sum(t["sent"] for t in totals) == 30
    assert sorted(m.extra_headers["Message-ID"] for m in locmem_sent(app)) == sorted(ids)


def test_deleting_the_conversation_deletes_its_mail(app):
    with app.app_context():
        room, _ = create_room("Sam", "student")
        queue(room_id=room.id)
        queue("los@example.nl")
        db.session.execute(delete(Room).where(Room.id == room.id))
        db.session.commit()
        assert db.session.scalars(select(OutboxMessage.recipient)).all() == ["los@example.nl"]


def test_file_backend_writes_to_mail_file_path(app, tmp_path):
    use_mail(app, MAIL_BACKEND="file", MAIL_FILE_PATH=str(tmp_path / "outbox"))
    with app.app_context():
        message_id = queue().message_id
        assert outbox.deliver_due()["sent"] == 1
    [written] = (tmp_path / "outbox").iterdir()
    content = written.read_text()
    assert message_id in content and "To: sam@example.nl" in content
    assert written.stat().st_mode & 0o777 == 0o600  # a verslag is for its owner's eyes


def test_console_backend_prints(app, capsys):
    use_mail(app, MAIL_BACKEND="console")
    with app.app_context():
        message_id = queue().message_id
        assert outbox.deliver_due()["sent"] == 1
    assert message_id in capsys.readouterr().out


def test_sender_loop_survives_errors_and_stops_on_request(app, caplog):
    app.config["OUTBOX_INTERVAL"] = 0.02
    stop = threading.Event()
    with app.app_context():
        OutboxMessage.__table__.drop(db.engine)  # every round now fails inside deliver_due
    task = outbox.start_sender(app, stop=stop)  # a thread in the tests' threading mode
    try:
        deadline = time.monotonic() + 5
        while "delivering mail failed" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "delivering mail failed" in caplog.text
        with app.app_context():
            OutboxMessage.__table__.create(db.engine)
            queue()
        while not locmem_sent(app) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(locmem_sent(app)) == 1
    finally:
        stop.set()
        task.join(timeout=5)
    assert not task.is_alive()


def test_a_silent_mail_server_times_out_instead_of_stalling_the_sender(app):
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        use_mail(app, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1],
                 MAIL_TIMEOUT=0.3)
        with app.app_context():
            queue()
            queue("kim@example.nl")
            assert outbox.deliver_due() == {"sent": 0, "failed": 2, "skipped": 0}
        # One timeout fails the whole batch: the server is not tried again for every message.
        silent.setblocking(False)
        tried = 0
        while True:
            try:
                silent.accept()[0].close()
            except BlockingIOError:
                break
            tried += 1
        assert tried == 1


def test_outbox_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    for name in ("OUTBOX_INTERVAL", "MAIL_TIMEOUT", "MAIL_SSL_CAFILE"):
        monkeypatch.delenv(name, raising=False)
    config = Config(str(tmp_path))
    assert (config.OUTBOX_INTERVAL, config.MAIL_TIMEOUT, config.MAIL_SSL_CAFILE) == (5, 30, None)

    monkeypatch.setenv("OUTBOX_INTERVAL", "0.5")
    monkeypatch.setenv("MAIL_TIMEOUT", "12")
    monkeypatch.setenv("MAIL_SSL_CAFILE", "/etc/stagegesprek/school-ca.pem")
    config = Config(str(tmp_path))
    assert (config.OUTBOX_INTERVAL, config.MAIL_TIMEOUT, config.MAIL_SSL_CAFILE) == (
        0.5, 12, "/etc/stagegesprek/school-ca.pem")


def test_the_sender_waits_outbox_interval_between_rounds(app, monkeypatch):
    app.config["OUTBOX_INTERVAL"] = 0.25
    stop = threading.Event()
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        stop.set()

    monkeypatch.setattr(outbox.socketio, "sleep", sleep)
    outbox.run_sender(app, stop=stop)
    assert pauses == [0.25]
