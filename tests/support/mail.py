"""The mail as people get it: the address each gives with their Akkoord, a real SMTP server the app sends to, and
the sender's round that delivers what is due."""
import pytest

from tests.support.servers import free_port
from tests.support.smtp import SMTPServer
from webapp.domain import outbox
from webapp.extensions import mail

EMAILS = {"student": "sanne@example.nl", "stagedocent": "marieke@school.example",
          "praktijkopleider": "kees@bedrijf.example"}


@pytest.fixture
def smtp(app):
    """A real SMTP server (aiosmtpd on a loopback port), up, that the app sends its mail to; `smtp.stop()` is an
    outage and `smtp.start()` the end of it."""
    server = SMTPServer(free_port())
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    mail.init_app(app)  # Flask-Mailman reads its settings once, in init_app
    server.start()
    yield server
    server.stop()


def deliver(app) -> dict:
    """One round of the mail sender: what is due goes out; how many were sent, failed and skipped."""
    with app.app_context():
        return outbox.deliver_due()


def locmem_sent(app) -> list:
    """The messages the app handed to the in-memory mail backend (MAIL_BACKEND=locmem, the tests' default)."""
    return getattr(app.extensions["mailman"], "outbox", [])
