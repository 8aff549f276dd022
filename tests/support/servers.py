"""The real servers beside the app: PostgreSQL and Redis as production has them, two app processes sharing them,
and a self-signed certificate for TLS on 127.0.0.1 (the mail server's, nginx's).

Every test that uses PostgreSQL or Redis runs in one xdist group, `XDIST_GROUP`, so with `pytest -n 2
--dist loadgroup` they take turns: each has a database of its own, but all share the PostgreSQL server's `test`
database (the one CREATE DATABASE connects to) and the run's Redis server, whose pub/sub channels ignore the
database number.
"""
import os
import random
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from tests.support.app import ROOT, need

XDIST_GROUP = "postgresql-and-redis"
# The fixtures that put a test in the group (through any fixture that uses them).
ON_THE_SERVERS = {"postgres_url", "migrated_postgres", "redis_server"}
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


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


def upgrade(database_url: str) -> None:
    """`flask db upgrade` on this database, as a deployment runs it."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "migrations"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


_MIGRATED: list[Path] = []  # the one migrated SQLite file of this test run, once made


def migrated_sqlite() -> Path:
    """A SQLite database that `flask db upgrade` made, once per test run: each live server starts on a copy, so
    every one runs on the real migrations without paying for them again (about 2 s each)."""
    if not _MIGRATED:
        path = Path(tempfile.mkdtemp(prefix="stagegesprek-migrated-")) / "migrated.db"
        upgrade(f"sqlite:///{path}")
        _MIGRATED.append(path)
    return _MIGRATED[0]


def copy_sqlite(source: Path, target: Path) -> None:
    """A copy made by SQLite itself (its backup API), not of the file: what the migrations wrote may still be in
    the source's write-ahead log (WAL mode), which a file copy leaves behind, as it did once an import moved."""
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)


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
            "NOTICE_SECONDS": "2",  # a notice still goes by itself, sooner: the tests that wait for it wait less
            # Admission control by the event loop's lag measures the machine, not the app: a machine busy with other
            # tests would have the server refuse newcomers (503). The tests of admission control set their limits.
            "ADMISSION_MAX_LAG_MS": "60000",
            **(extra_env or {}),
        }
        self.log = open(tmp_path / f"server-{self.port}.log", "w")
        self.process = None

    def start(self) -> "LiveServer":
        return self.spawn().wait_until_listening()

    def spawn(self) -> "LiveServer":
        """Start the process on a migrated database: a copy of the migrated SQLite file (a second server of the
        same test shares the first one's), or the database it was given (PostgreSQL: migrated_postgres_url)."""
        if self.env["DATABASE_URL"] == f"sqlite:///{self.database}" and not self.database.exists():
            copy_sqlite(migrated_sqlite(), self.database)
        self.process = subprocess.Popen([sys.executable, "wsgi.py"], cwd=ROOT, env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def wait_until_listening(self) -> "LiveServer":
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


def start_together(*servers: LiveServer) -> tuple[LiveServer, ...]:
    """Several servers started side by side (each takes about 2 s to import and listen)."""
    return tuple(server.wait_until_listening() for server in [server.spawn() for server in servers])


@contextmanager
def serving(folder: Path, extra_env: dict | None = None):
    """A live server with its database, outbox and log in `folder`, stopped afterwards."""
    server = LiveServer(folder, extra_env).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """Into the group: every test that uses PostgreSQL or Redis, as its fixtures say (also through two_workers)."""
    for item in items:
        if ON_THE_SERVERS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUP))


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def url_of(database: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{database}"


@contextmanager
def database_of_its_own(template: str | None = None):
    """A new database on the PostgreSQL at 127.0.0.1:5432 (a copy of `template`, or empty), dropped afterwards;
    its name."""
    need(reachable(5432), "PostgreSQL is not running on 127.0.0.1:5432")
    import psycopg

    name = f"stagegesprek_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield name
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url():
    """An empty database of its own, to migrate."""
    with database_of_its_own() as name:
        yield url_of(name)


@pytest.fixture(scope="session")
def migrated_postgres():
    """A database that `flask db upgrade` made, once per test run: each live server on PostgreSQL starts on a copy,
    as each one on SQLite does (migrated_sqlite, above)."""
    with database_of_its_own() as name:
        upgrade(url_of(name))
        yield name


@pytest.fixture
def migrated_postgres_url(migrated_postgres):
    """A migrated database of its own: a copy of migrated_postgres (CREATE DATABASE ... TEMPLATE)."""
    with database_of_its_own(template=migrated_postgres) as name:
        yield url_of(name)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A Redis server of this test run's own (redis-server on a free port): Socket.IO's pub/sub channels are one
    set per server, whatever the database number, and every test's rooms have participants 1, 2, 3, so servers of
    another test run on this machine would hear this run's pushes to p:1, p:2 ... and the other way round."""
    binary = shutil.which("redis-server")
    need(binary is not None, "redis-server is not installed (apt-get install redis-server)")
    port, folder = free_port(), tmp_path_factory.mktemp("redis")
    with open(folder / "redis.log", "w") as log:
        process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                    "no", "--dir", str(folder)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not reachable(port):
            assert process.poll() is None and time.monotonic() < deadline, (folder / "redis.log").read_text()
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def emptied(redis_port: int) -> str:
    """The run's Redis, emptied of what the tests before left (the rate limits' counters); its URL."""
    import redis

    with redis.Redis(host="127.0.0.1", port=redis_port) as client:
        client.flushall()
    return f"redis://127.0.0.1:{redis_port}/0"


@pytest.fixture
def redis_url(redis_server):
    return emptied(redis_server)


@contextmanager
def two_processes(folder: Path, database_url: str, redis_url: str, settings: dict | None = None):
    """Two app processes on one database and one Redis, as production scales out (docs/deployment.md)."""
    env = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "shared-secret", **(settings or {})}
    first, second = start_together(LiveServer(folder, env), LiveServer(folder, env))
    try:
        yield first, second
    finally:
        first.stop(), second.stop()


@pytest.fixture
def two_workers(tmp_path, migrated_postgres_url, redis_url):
    """Two processes of this test's own."""
    with two_processes(tmp_path, migrated_postgres_url, redis_url) as workers:
        yield workers


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made with the openssl command: its file, and a server's context."""
    need(shutil.which("openssl") is not None, "the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return cert, context
