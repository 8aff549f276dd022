"""A real SMTP server for tests: aiosmtpd on a loopback port, keeping every message it accepts."""
from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One accepted SMTP transaction: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]


class Recorder:
    """aiosmtpd handler that stores what it accepts; `on_data` may act while DATA is being handled."""

    def __init__(self):
        self.received: list[Received] = []
        self.on_data = None  # called with the count so far, before the 250 reply goes out
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
            count = len(self.received)
        if self.on_data:
            self.on_data(count)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """Poll until at least `count` messages arrived; fail the test if they do not."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} messages, got {len(self.received)}")
            time.sleep(0.02)
        return list(self.received)


class SMTPServer:
    """Start and stop an aiosmtpd Controller on 127.0.0.1:`port`; stopping simulates an outage.

    `options` go to the Controller: ssl_context (implicit TLS), tls_context and require_starttls,
    authenticator and auth_required.
    """

    def __init__(self, port: int, **options):
        self.port = port
        self.options = options
        self.recorder = Recorder()
        self._controller: Controller | None = None

    def start(self) -> SMTPServer:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **self.options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        return self.recorder.received
