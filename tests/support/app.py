"""The app as a test has it: on a fresh SQLite database with the tests' settings, and what a page carries (its CSRF
token); where the repository is, and whether this is CI (where every real part must be there)."""
import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from jinja2 import BytecodeCache

from webapp import create_app
from webapp.extensions import db, limiter

ROOT = Path(__file__).resolve().parent.parent.parent
IN_CI = os.environ.get("CI") == "true"


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


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert match, "page carries no CSRF token"
    return match.group(1)
