"""Shared fixtures: the app on a fresh database, its clients, a real server and a real browser."""
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from jinja2 import BytecodeCache

from webapp import create_app
from webapp.extensions import db, limiter

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"

# The fixtures every test may use besides these: a real SMTP server for the app; PostgreSQL, Redis, two app
# processes on them and a certificate (tests/support/).
pytest_plugins = ("tests.support.mail", "tests.support.servers")

# Every run draws the same examples, so a failure comes back on the next run and in CI (the fuzz tests keep
# no example database either); HYPOTHESIS_PROFILE=explore draws new ones, to look for more.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def need(condition: bool, reason: str) -> None:
    """Skip a test that needs a real part that is absent here; in CI that part must be there."""
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (CI must have it)")
        pytest.skip(reason)


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept in memory for the whole test run. Every test makes its own app, whose
    Jinja environment would compile each template it renders again (about 0.3 s a test); a template whose source
    changed is compiled anew (Jinja compares its checksum)."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


@contextmanager
def app_on_fresh_database(tmp_path, **settings):
    """The app for a test: SQLite in tmp_path, threading, no Redis, mail kept in memory, generous code budgets;
    `settings` change any of it."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'test.db'}",
        "SOCKETIO_ASYNC_MODE": "threading",
        "REDIS_URL": None,
        "MAIL_BACKEND": "locmem",
        "PUBLIC_URL": "http://localhost",  # where the test client is: links in mail look like the pages it asks for
        "JOIN_RATE_LIMIT": "1000 per minute",
        "JOIN_ADDRESS_LIMIT": "5000 per minute",
        **settings,
    })
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    with app.app_context():
        db.create_all()
    limiter.reset()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    with app_on_fresh_database(tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert match, "page carries no CSRF token"
    return match.group(1)


PORTS = range(20000, 32768)  # below the range the system hands out to outgoing connections (32768-60999)
_next_port: list[int] = []


def free_port() -> int:
    """A port nobody listens on now, for a server this test starts. Each xdist worker takes ports from its own share
    of PORTS, one after the other from a random start, so the other worker and the system's outgoing connections
    never take it in the seconds before the server binds it."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    share = PORTS[worker * len(PORTS) // workers:(worker + 1) * len(PORTS) // workers]
    if not _next_port:
        _next_port.append(random.randrange(len(share)))
    for _ in range(len(share)):
        port = share[_next_port[0] % len(share)]
        _next_port[0] += 1
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {share}")


_MIGRATED: list[Path] = []  # the one migrated SQLite file of this test run, once made


def migrated_sqlite() -> Path:
    """A SQLite database that `flask db upgrade` made, once per test run: each live server starts on a copy, so
    every one runs on the real migrations without paying for them again (about 2 s each)."""
    if not _MIGRATED:
        path = Path(tempfile.mkdtemp(prefix="stagegesprek-migrated-")) / "migrated.db"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "migrations"}
        subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "db", "upgrade"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        _MIGRATED.append(path)
    return _MIGRATED[0]


class LiveServer:
    """`python wsgi.py` in its own process, as production runs it (eventlet), on a free port."""

    def __init__(self, tmp_path: Path, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = tmp_path / "live.db"
        self.env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PUBLIC_URL": self.url,  # links in mail lead back here, where the phones reach this server
            "DATABASE_URL": f"sqlite:///{self.database}",
            "SECRET_KEY": "live-secret",
            "MAIL_BACKEND": "file",
            "MAIL_FILE_PATH": str(tmp_path / "outbox"),
            "SOCKETIO_PING_INTERVAL": "2",
            "SOCKETIO_PING_TIMEOUT": "2",
            # Admission control by the event loop's lag measures the machine, not the app: a machine busy with other
            # tests would have the server refuse newcomers (503). The tests of admission control set their limits.
            "ADMISSION_MAX_LAG_MS": "60000",
            **(extra_env or {}),
        }
        self.log = open(tmp_path / f"server-{self.port}.log", "w")
        self.process = None

    def start(self) -> "LiveServer":
        """Serve on a migrated database: a copy of the migrated SQLite file (a second server of the same test
        shares the first one's), or the database it was given (PostgreSQL: migrated_postgres_url)."""
        if self.env["DATABASE_URL"] == f"sqlite:///{self.database}" and not self.database.exists():
            shutil.copyfile(migrated_sqlite(), self.database)
        self.process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"server did not start; see {self.log.name}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


@pytest.fixture
def live_server(tmp_path):
    server = LiveServer(tmp_path).start()
    yield server
    server.stop()


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    need(chromium_path() is not None, "Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A factory for phone-sized browser contexts (360 x 740, touch), each its own person.

    A script error or a blocked resource (Content-Security-Policy) on any phone fails the test."""
    contexts, errors = [], []

    def make():
        context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True,
                                      locale="nl-NL")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: message.type == "error" and not _expected_offline(message.text)
                and errors.append(f"{page.url}: {message.text}"))
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == []


def _expected_offline(text: str) -> bool:
    """Network errors that tests cause on purpose (a phone taken offline, a 4xx answer shown to the user)."""
    return "net::ERR_INTERNET_DISCONNECTED" in text or "the server responded with a status of 4" in text
