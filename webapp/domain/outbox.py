"""The persistent mail outbox: queue mail with the change that causes it, deliver it later with retries.

Nothing is lost: a message is a database row from the moment its cause is committed until the mail
server accepted it. Nothing is sent twice: a sender claims a row (a lease) before sending and marks it
sent right after the server's 250 reply. Only a crash between that reply and the mark re-sends, and
then only the one message in flight, under the same Message-ID.
"""
from __future__ import annotations

import base64
import json
import secrets
import signal
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import case, or_, select, update

from webapp import mail_backend
from webapp.clock import utcnow
from webapp.domain import addresses
from webapp.extensions import db, mail, socketio
from webapp.models.outbox import OutboxMessage

BACKOFF_FIRST = 5  # seconds until the first retry; doubles with every failure
BACKOFF_MAX = 30 * 60
# How long a sender owns a claimed message; must outlast one SMTP conversation (see MAIL_TIMEOUT).
# A sender that dies keeps its message this long, then another sender re-sends it.
LEASE_SECONDS = 5 * 60
# MAIL_BACKEND short names served by our own class instead of Flask-Mailman's: `smtp` verifies the
# server's certificate, `file` writes one owner-only file per message that deleting a conversation deletes
# too (see webapp.mail_backend). A full dotted path still picks any class.
BACKENDS = {"smtp": mail_backend.EmailBackend, "file": mail_backend.FileBackend}

# What a mail is, and its place in the sender's order (lower first). Planning needs no account, so anyone can
# queue invitations (within webapp/domain/invitations.py's budgets); a verslag or a sign-in link, which someone
# is waiting for and which a sign-in link must reach within SIGN_IN_MINUTES, never waits behind them.
VERSLAG, SIGN_IN, INVITATION = "verslag", "sign_in", "invitation"
KINDS = {VERSLAG: 0, SIGN_IN: 0, INVITATION: 1}

outbox_cli = AppGroup("outbox", help="De mailwachtrij: berichten versturen.")


@dataclass(frozen=True)
class DeliveryStatus:
    """How one message of a conversation is doing, for the stagedocent's screen."""

    participant_id: int | None
    recipient: str
    sent: bool
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None


def init_app(app: Flask) -> None:
    """Register the `flask outbox` commands; say so when mail goes to files, which is for development."""
    app.cli.add_command(outbox_cli)
    if app.config["MAIL_BACKEND"] == "file" and not app.testing:
        app.logger.warning("MAIL_BACKEND=file: mail is written to %s, not sent. Use it for development only.",
                           app.config["MAIL_FILE_PATH"])


def message_ids_of(room_ids) -> list[str]:
    """The Message-IDs of every mail of these conversations (to delete their files with them)."""
    return list(db.session.scalars(select(OutboxMessage.message_id).where(OutboxMessage.room_id.in_(room_ids))))


def enqueue(*, kind: str, recipient: str, subject: str, text_body: str, html_body: str | None = None,
            attachments=(), room_id: int | None = None, participant_id: int | None = None) -> OutboxMessage:
    """Queue one email of this kind (KINDS) to one address; the caller commits it with the change that causes it.

    `attachments` is a sequence of dicts {"filename", "content" (text, or bytes: kept as base64), "mimetype"}.
    Raises ValueError for anything but a single plain address, or a kind that is not in KINDS.
    """
    if kind not in KINDS:
        raise ValueError(f"not a kind of mail: {kind!r}")
    recipient = _single_address(recipient)
    stored = [{"filename": str(a["filename"]), "mimetype": str(a["mimetype"]),
               **({"content": base64.b64encode(a["content"]).decode(), "base64": True}
                  if isinstance(a["content"], bytes) else {"content": str(a["content"])})} for a in attachments]
    now = utcnow()
    message = OutboxMessage(
        room_id=room_id,
        participant_id=participant_id,
        kind=kind,
        # Not make_msgid: its unique part comes from `random`, which a library may seed (Hypothesis does).
        message_id=f"<{secrets.token_hex(16)}@{_msgid_domain()}>",
        recipient=recipient,
        subject=" ".join(subject.split())[:255],  # a line break in a header would make it unsendable
        text_body=text_body,
        html_body=html_body,
        attachments=json.dumps(stored),
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(message)
    return message


def claim(message_id: int, now: datetime | None = None) -> bool:
    """Take the lease on one unsent message; True if this caller now owns it.

    One conditional UPDATE decides, so of two concurrent claimers exactly one wins
    (SQLite serialises writers; PostgreSQL re-checks the WHERE after the row lock).
    """
    now = now or utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .values(claimed_until=now + timedelta(seconds=LEASE_SECONDS))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_due(now: datetime | None = None, batch: int = 20) -> dict:
    """Send every due, unclaimed, unsent message (up to `batch`) over one connection: verslagen and sign-in
    links first (KINDS), then by when they are due.

    Returns counts {"sent", "failed", "skipped"}; skipped messages were claimed by another sender
    in the meantime. Each message is marked and committed on its own, right after the server took it.
    """
    now = now or utcnow()
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now,
               or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .order_by(case(KINDS, value=OutboxMessage.kind), OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch)
    ).all()
    connection = None
    open_error: Exception | None = None  # an unreachable server fails the rest of the batch at once
    try:
        for message_id in due:
            if not claim(message_id, now):
                counts["skipped"] += 1
                continue
            message = db.session.get(OutboxMessage, message_id)
            if open_error is not None:
                _mark_failed(message, open_error, now)
                counts["failed"] += 1
                continue
            try:
                if connection is None:
                    connection = _open_connection()
                _send(connection, message)
            except Exception as exc:  # any failure is retried later; the message stays queued
                if connection is None:
                    open_error = exc
                _close_quietly(connection)
                connection = None
                _mark_failed(message, exc, now)
                counts["failed"] += 1
                continue
            message.sent_at = now
            message.claimed_until = None
            _forget_content(message)
            db.session.commit()
            counts["sent"] += 1
    finally:
        _close_quietly(connection)
    return counts


def retry_now(room_id: int) -> int:
    """Make the conversation's unsent messages due at once ("probeer opnieuw"); returns how many."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.room_id == room_id, OutboxMessage.sent_at.is_(None))
        .values(next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def status_for_room(room_id: int, kind: str = VERSLAG) -> list[DeliveryStatus]:
    """The delivery state of one kind of message of one conversation (the verslag: one per person), oldest first.
    Invitations for the next conversation, sent with it, are not what "Is de mail aangekomen?" asks about."""
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.room_id == room_id, OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id)
    )
    return [DeliveryStatus(participant_id=m.participant_id, recipient=m.recipient, sent=m.sent_at is not None,
                           attempts=m.attempts, last_error=m.last_error,
                           next_attempt_at=None if m.sent_at else m.next_attempt_at)
            for m in messages]


def run_sender(app: Flask, interval: float | None = None, stop: threading.Event | None = None) -> None:
    """Deliver due mail every `interval` seconds until `stop` is set; an error is logged, never fatal."""
    interval = interval if interval is not None else app.config["OUTBOX_INTERVAL"]
    while not (stop and stop.is_set()):
        with app.app_context():
            try:
                deliver_due()
            except Exception:  # the database or the backend may be away for a while; try again later
                app.logger.exception("outbox: delivering mail failed")
        socketio.sleep(interval)


def start_sender(app: Flask, stop: threading.Event | None = None):
    """Run the sender as a background task of this process (eventlet, gevent or a thread)."""
    return socketio.start_background_task(run_sender, app, stop=stop)


@outbox_cli.command("send")
def send_command() -> None:
    """Deliver the mail that is due now, once."""
    counts = deliver_due()
    click.echo(f"verstuurd: {counts['sent']}, mislukt: {counts['failed']}, overgeslagen: {counts['skipped']}")


@outbox_cli.command("run")
@click.option("--interval", type=float, default=None, help="Seconden tussen twee rondes (standaard OUTBOX_INTERVAL).")
def run_command(interval: float | None) -> None:
    """Keep delivering mail until stopped (for a separate sender process)."""
    stop = threading.Event()
    # A deploy stops us with SIGTERM: finish the current round instead of dying mid-send.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("De mailverzender draait.")
    run_sender(current_app._get_current_object(), interval=interval, stop=stop)


def _forget_content(message: OutboxMessage) -> None:
    """Data minimisation: once the server has the message, we keep only that it was sent (and its
    Message-ID); the address, the subject with the student's name and the verslag itself go."""
    message.recipient = ""
    message.subject = ""
    message.text_body = ""
    message.html_body = None
    message.attachments = "[]"
    message.last_error = None  # a refusal the server gave earlier may quote the address


def _single_address(raw: str) -> str:
    """The one address rule, the forms' too (webapp/domain/addresses.py): what a form accepted is always queued."""
    address = addresses.sendable(raw)
    if address is None:
        raise ValueError(f"not a single email address: {raw!r}")
    return address


def _msgid_domain() -> str:
    sender = current_app.config.get("MAIL_DEFAULT_SENDER") or ""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    # A bare "localhost" makes Message-IDs that collide across installations.
    return domain if "." in domain else "stagegesprek.local"


def _open_connection():
    backend = current_app.extensions["mailman"].backend  # MAIL_BACKEND as Flask-Mailman read it in init_app
    # MAIL_TIMEOUT: Flask-Mailman waits forever without it, and a hung server must not stall the sender.
    connection = mail.get_connection(backend=BACKENDS.get(backend, backend),
                                     timeout=current_app.config["MAIL_TIMEOUT"])
    connection.open()
    return connection


def _send(connection, message: OutboxMessage) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text_body,
        to=[message.recipient],
        headers={"Message-ID": message.message_id},
        connection=connection,
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for attachment in json.loads(message.attachments):
        content = base64.b64decode(attachment["content"]) if attachment.get("base64") else attachment["content"]
        email.attach(attachment["filename"], content, attachment["mimetype"])
    if connection.send_messages([email]) != 1:
        raise RuntimeError("the mail backend did not take the message")


def _mark_failed(message: OutboxMessage, exc: Exception, now: datetime) -> None:
    message.attempts += 1
    message.last_error = _describe(exc)
    delay = min(BACKOFF_FIRST * 2 ** (message.attempts - 1), BACKOFF_MAX)
    message.next_attempt_at = now + timedelta(seconds=delay)
    message.claimed_until = None
    db.session.commit()


def _describe(exc: Exception) -> str:
    """A short Dutch reason with the technical cause, never a traceback."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        reason = "Het adres is geweigerd door de mailserver"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        reason = "Inloggen bij de mailserver is mislukt"
    elif isinstance(exc, smtplib.SMTPException):
        reason = "De mailserver gaf een fout"
    elif isinstance(exc, ssl.SSLCertVerificationError):
        reason = "Het certificaat van de mailserver wordt niet vertrouwd"
    elif isinstance(exc, ssl.SSLError):
        reason = "Een beveiligde verbinding met de mailserver is mislukt"
    elif isinstance(exc, OSError):
        reason = "De mailserver is niet bereikbaar"
    else:
        reason = "Versturen is mislukt"
    detail = " ".join(str(exc).split())[:300]
    return f"{reason} ({type(exc).__name__}: {detail})"[:500]


def _close_quietly(connection) -> None:
    """Close a backend connection that may already be broken."""
    if connection is not None:
        try:
            connection.close()
        except Exception:  # a dead connection cannot be closed politely; it is dropped either way
            pass
