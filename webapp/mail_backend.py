"""Our mail backends: SMTP that checks the server's certificate, and mail as files that can be deleted.

SMTP checks the mail server's certificate, for STARTTLS (MAIL_USE_TLS) and SSL (MAIL_USE_SSL) alike.

Flask-Mailman's SMTP backend calls starttls() without an SSL context, so with MAIL_USE_TLS any certificate
is accepted and a man in the middle reads every verslag; its MAIL_SSL_CERTFILE branch does not even build
a context. This backend uses one verifying context (ssl.create_default_context(): the system's CAs, host
name checked) for both, and also trusts a private CA from MAIL_SSL_CAFILE. `MAIL_BACKEND=smtp` means this
class (see webapp.outbox.BACKENDS).
"""
from __future__ import annotations

import os
import re
import ssl

from flask import current_app
from flask_mailman.backends.file import EmailBackend as MailmanFileBackend
from flask_mailman.backends.smtp import EmailBackend as MailmanSMTPBackend
from flask_mailman.utils import DNS_NAME
from werkzeug.utils import cached_property


class EmailBackend(MailmanSMTPBackend):
    """Flask-Mailman's SMTP backend with certificate verification on every encrypted connection."""

    def __init__(self, *args, ssl_cafile: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ssl_cafile = ssl_cafile if ssl_cafile is not None else current_app.config.get("MAIL_SSL_CAFILE")

    @cached_property
    def ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()  # verifies the chain and the host name
        if self.ssl_cafile:
            context.load_verify_locations(cafile=self.ssl_cafile)
        if self.ssl_certfile:  # a client certificate, for servers that ask for one
            context.load_cert_chain(self.ssl_certfile, self.ssl_keyfile)
        return context

    def open(self):
        """Connect, encrypt with verification when asked to, log in; True if a new connection was made."""
        if self.connection:
            return False
        params = {"local_hostname": DNS_NAME.get_fqdn()}
        if self.timeout is not None:
            params["timeout"] = self.timeout
        if self.use_ssl:
            params["context"] = self.ssl_context
        try:
            self.connection = self.connection_class(self.host, self.port, **params)
            if self.use_tls and not self.use_ssl:
                self.connection.starttls(context=self.ssl_context)
            if self.username and self.password:
                self.connection.login(self.username, self.password)
            return True
        except OSError:  # smtplib's and ssl's errors are OSErrors too
            self._drop_connection()
            if not self.fail_silently:
                raise
            return None

    def _drop_connection(self) -> None:
        """Forget a half-open connection (refused certificate, failed login) without leaking its socket."""
        if self.connection is not None:
            try:
                self.connection.close()
            except OSError:
                pass
            self.connection = None


class FileBackend(MailmanFileBackend):
    """Mail as files, for development: one file per message, named after its Message-ID and readable by its
    owner only, so deleting a conversation can delete its mail too (forget_files)."""

    def __init__(self, *args, file_path=None, **kwargs):
        # The folder holds whole mails: made owner-only here, before Flask-Mailman would make it for everyone (0755).
        folder = file_path if file_path is not None else current_app.extensions["mailman"].file_path
        os.makedirs(os.path.abspath(folder), mode=0o700, exist_ok=True)
        super().__init__(*args, file_path=file_path, **kwargs)

    def open(self):  # no shared log file: each message gets its own file
        return False

    def close(self):
        pass

    def send_messages(self, email_messages):
        for message in email_messages:
            path = file_for(self.file_path, message.extra_headers["Message-ID"])
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(message.message().as_bytes())
        return len(email_messages)


def file_for(directory: str, message_id: str) -> str:
    return os.path.join(directory, re.sub(r"[^A-Za-z0-9.@_-]", "_", message_id.strip("<>")) + ".eml")


def forget_files(message_ids: list[str]) -> None:
    """Delete the files of these messages, where the file backend wrote them."""
    directory = current_app.config.get("MAIL_FILE_PATH")
    for message_id in message_ids:
        if directory:
            try:
                os.remove(file_for(directory, message_id))
            except FileNotFoundError:
                pass
