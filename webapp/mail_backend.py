"""SMTP that checks the mail server's certificate, for STARTTLS (MAIL_USE_TLS) and SSL (MAIL_USE_SSL) alike.

Flask-Mailman's SMTP backend calls starttls() without an SSL context, so with MAIL_USE_TLS any certificate
is accepted and a man in the middle reads every verslag; its MAIL_SSL_CERTFILE branch does not even build
a context. This backend uses one verifying context (ssl.create_default_context(): the system's CAs, host
name checked) for both, and also trusts a private CA from MAIL_SSL_CAFILE. `MAIL_BACKEND=smtp` means this
class (see webapp.outbox.BACKENDS).
"""
from __future__ import annotations

import ssl

from flask import current_app
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
