"""The fixtures every test may use: the app on a fresh database, its clients, a live server, a browser and phones
in it. What they are made of, and what tests share besides fixtures, is in tests/support/."""
import os
import shutil

import pytest
from hypothesis import settings

from tests.support.app import app_on_fresh_database, need
from tests.support.servers import serving

# The fixtures every test may use besides these: a real SMTP server for the app; PostgreSQL, Redis, two app
# processes on them and a certificate (tests/support/).
pytest_plugins = ("tests.support.mail", "tests.support.servers")

# Every run draws the same examples, so a failure comes back on the next run and in CI (the fuzz tests keep
# no example database either); HYPOTHESIS_PROFILE=explore draws new ones, to look for more.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


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


@pytest.fixture
def live_server(tmp_path):
    """A server of this test's own (the browser tests share one per module: tests/e2e/conftest.py)."""
    with serving(tmp_path) as server:
        yield server


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
