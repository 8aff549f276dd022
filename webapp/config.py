"""Settings, read from environment variables of the same name (see README)."""
import os
import secrets
from urllib.parse import urlsplit

from webapp import resources

# Live sockets at which one process stops taking newcomers (webapp/admission.py): 600 conversations of three
# phones. On two cores, with one change per conversation every 5 s, p99 at 600 conversations was 16 ms on a quiet
# day and 95 ms on a slow one, when 1,000 saturated the process (bench/RESULTS.md, "Half the cost of a change"):
# the limit sits at the knee of a slow day. Calmer conversations leave room for more.
ADMISSION_MAX_SOCKETS = 1800


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


class Config:
    """Defaults give the embedded mode: SQLite in instance/, mail as files, one process."""

    def __init__(self, instance_path: str):
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret(instance_path)
        self.SQLALCHEMY_DATABASE_URI = database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{os.path.join(instance_path, 'stagegesprek.db')}"
        )
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or None
        self.HOST = os.environ.get("HOST", "127.0.0.1")
        self.PORT = _int("PORT", 5000)
        self.CONTENT_DIR = os.environ.get("CONTENT_DIR") or resources.folder("content")
        # How long a conversation and its personal data are kept; the school decides.
        self.RETENTION_DAYS = _int("RETENTION_DAYS", 30)
        # How long the link to the verslag in each person's mail works, from sending (webapp/domain/record_links.py).
        self.RECORD_LINK_DAYS = _int("RECORD_LINK_DAYS", self.RETENTION_DAYS)
        self.SIGN_IN_MINUTES = _int("SIGN_IN_MINUTES", 15)
        # Joining with a wrong code: few enough tries that guessing a live code never pays off.
        self.JOIN_RATE_LIMIT = os.environ.get("JOIN_RATE_LIMIT", "20 per minute")
        self.JOIN_ADDRESS_LIMIT = os.environ.get("JOIN_ADDRESS_LIMIT", "200 per minute")
        # Starting conversations, per address: a school behind one NAT address starts many in an hour.
        self.CREATE_RATE_LIMIT = os.environ.get("CREATE_RATE_LIMIT", "60 per hour")
        # Invitation mails (webapp/domain/invitations.py): planning needs no account, so these keep it from being a
        # relay. Per client: a stagedocent planning a class's conversations in one sitting; per recipient (any
        # sender): a few conversations planned for one person in a day.
        self.INVITATION_CLIENT_LIMIT = os.environ.get("INVITATION_CLIENT_LIMIT", "30 per hour")
        self.INVITATION_RECIPIENT_LIMIT = os.environ.get("INVITATION_RECIPIENT_LIMIT", "3 per day")
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        # Socket.IO heartbeat: a phone that silently loses its network is shown offline within
        # ping_interval + ping_timeout seconds.
        self.SOCKETIO_PING_INTERVAL = _int("SOCKETIO_PING_INTERVAL", 10)
        self.SOCKETIO_PING_TIMEOUT = _int("SOCKETIO_PING_TIMEOUT", 10)
        # How long a notice ("De afspraak staat erbij.") stays on the acting phone before it goes by itself.
        self.NOTICE_SECONDS = _int("NOTICE_SECONDS", 6)
        self.MAX_CONTENT_LENGTH = 64 * 1024
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
        # Behind a load balancer or reverse proxy: how many of them set X-Forwarded-For/-Proto. Rate
        # limits count per client address, so they must see the client's, not the proxy's.
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        # The address people use, e.g. https://stagegesprek.school.nl. Every link the app makes (mail, .ics, QR code)
        # starts with it, never with the Host a request names: anyone can send any Host (webapp/origin.py).
        public_url = os.environ.get("PUBLIC_URL")
        self.PUBLIC_URL = origin(public_url or f"http://localhost:{self.PORT}")
        # The hosts the app answers for; Flask refuses a request for any other Host (webapp/origin.py). Without
        # PUBLIC_URL (make run) also this machine's own names, as a browser and the tests' live servers use them.
        self.TRUSTED_HOSTS = trusted_hosts(self.PUBLIC_URL, os.environ.get("TRUSTED_HOSTS"), local=not public_url)
        self.PERMANENT_SESSION_LIFETIME = self.RETENTION_DAYS * 24 * 3600
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: phones sleep for hours
        self.MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
        self.MAIL_FILE_PATH = os.environ.get("MAIL_FILE_PATH") or os.path.join(instance_path, "outbox")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS")
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL")
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Stagegesprek <noreply@localhost>")
        # Seconds an SMTP conversation may hang before it counts as failed (Flask-Mailman waits forever
        # without it); must stay well below the outbox's lease (outbox.LEASE_SECONDS).
        self.MAIL_TIMEOUT = _float("MAIL_TIMEOUT", 30)
        # A private CA for the mail server's certificate (PEM), trusted besides the system's CAs.
        self.MAIL_SSL_CAFILE = os.environ.get("MAIL_SSL_CAFILE") or None
        # Seconds between two rounds of the outbox's sender.
        self.OUTBOX_INTERVAL = _float("OUTBOX_INTERVAL", 5)
        # Housekeeping: every worker says it is alive this often; connections of a worker that has been
        # silent for WORKER_DEAD_AFTER seconds (it crashed) are dropped, so nobody shows online forever.
        self.HOUSEKEEPING_INTERVAL = _float("HOUSEKEEPING_INTERVAL", 15)
        self.WORKER_DEAD_AFTER = _float("WORKER_DEAD_AFTER", 60)
        # Admission control: past either limit this process refuses newcomers (503), so live conversations go on.
        # 500 ms: a quiet process that a class joining at once keeps busy for a moment stays open; one that is
        # saturated is seconds late within a few seconds (bench/RESULTS.md)
        self.ADMISSION_MAX_LAG_MS = _float("ADMISSION_MAX_LAG_MS", 500)
        self.ADMISSION_MAX_SOCKETS = _int("ADMISSION_MAX_SOCKETS", ADMISSION_MAX_SOCKETS)
        # New Socket.IO connections per client address (realtime/guard.py): this many at once, then this many a
        # second. A school behind one address: 30 phones joining at once, and all of them again after a blip.
        self.HANDSHAKE_ADDRESS_BURST = _int("HANDSHAKE_ADDRESS_BURST", 60)
        self.HANDSHAKE_ADDRESS_PER_SECOND = _float("HANDSHAKE_ADDRESS_PER_SECOND", 10)

    def as_dict(self) -> dict:
        return {key: value for key, value in vars(self).items() if key.isupper()}


# This machine's own names. Not "[::1]": werkzeug 3.1 cuts a trusted host at its first ":", so no IPv6 address can
# be trusted by name.
LOCAL_HOSTS = ("localhost", "127.0.0.1")


def origin(url: str) -> str:
    """PUBLIC_URL as scheme://host[:port], without a slash at the end; anything else stops the app at its start."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path.strip("/") or parts.query \
            or parts.fragment or parts.username:
        raise ValueError(f"PUBLIC_URL must look like https://stagegesprek.school.nl, not {url!r}")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def trusted_hosts(public_url: str, extra: str | None, local: bool) -> list[str]:
    """PUBLIC_URL's host, this machine's names when `local`, and the comma-separated `extra` (TRUSTED_HOSTS)."""
    named = [host.strip().lower() for host in (extra or "").split(",") if host.strip()]
    return list(dict.fromkeys([urlsplit(public_url).hostname, *(LOCAL_HOSTS if local else ()), *named]))


def database_url(url: str) -> str:
    # Hosting panels hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _dev_secret(instance_path: str) -> str:
    """A stable secret for the embedded mode, kept in instance/ so cookies survive a restart.

    Written whole before it appears (a temporary file, then a hard link that fails if another process was
    first), readable by its owner only; so processes starting together all read the same, complete secret."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        os.makedirs(instance_path, exist_ok=True)
        temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process wrote it first: use theirs
        finally:
            os.remove(temporary)
    with open(path) as handle:
        return handle.read().strip()
