"""The real servers beside the app: PostgreSQL and Redis as production has them, two app processes sharing them,
and a self-signed certificate for TLS on 127.0.0.1 (the mail server's, nginx's)."""
import shutil
import socket
import ssl
import subprocess
import uuid

import pytest

from tests.conftest import LiveServer, need

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_url():
    """A database of its own on the PostgreSQL at 127.0.0.1:5432, dropped afterwards."""
    need(reachable(5432), "PostgreSQL is not running on 127.0.0.1:5432")
    import psycopg

    name = f"stagegesprek_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url():
    need(reachable(6379), "Redis is not running on 127.0.0.1:6379")
    return f"redis://127.0.0.1:6379/{uuid.uuid4().int % 15 + 1}"


@pytest.fixture
def two_workers(request, tmp_path, postgres_url, redis_url):
    """Two processes on one database and one Redis; settings for both through indirect parametrization."""
    env = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_url, "SECRET_KEY": "shared-secret",
           **getattr(request, "param", {})}
    first = LiveServer(tmp_path, env).start()
    second = LiveServer(tmp_path, env).start()
    yield first, second
    first.stop(), second.stop()


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
