"""Mijn gesprekken with thirty stages, on a laptop (1280 x 800) and a phone (360 x 740): every row readable, the
page does not scroll sideways (the table scrolls in its own box), sorting and the filter work without a script,
and one click opens a stage. With SCREENSHOT_DIR set, the overview is saved there (docs/screenshots/ for the
README: 13-overzicht-dertig-laptop, -telefoon)."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.audit import assert_accessible, assert_no_sideways_scroll
from tests.e2e.steps import snapshot
from tests.support.app import app_on_fresh_database
from tests.support.servers import serving
from tests.support.stages import MARIEKE, make_stages, sign_in_link

pytestmark = pytest.mark.e2e


@pytest.fixture
def live_server(tmp_path):
    """A server of each test's own: each writes its thirty stages into the database."""
    with serving(tmp_path) as server:
        yield server


def seed_thirty(live_server, tmp_path):
    """Thirty stages of Marieke's, written into the live server's database with its secret (the keys match)."""
    database = live_server.env["DATABASE_URL"]
    settings = {"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": live_server.env["SECRET_KEY"]}
    with app_on_fresh_database(tmp_path / "seed", **settings) as app:
        make_stages(app, 30)


@pytest.mark.parametrize("size, name", [((1280, 800), "laptop"), ((360, 740), "telefoon")])
def test_thirty_stages_at_a_glance(live_server, browser, tmp_path, size, name):
    (tmp_path / "seed").mkdir()
    seed_thirty(live_server, tmp_path)
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(live_server.url + "/mijn-gesprekken/inloggen")
    page.fill("#inloggen-email", MARIEKE)
    page.get_by_role("button", name="Stuur mij een link").click()
    page.goto(sign_in_link(Path(live_server.env["MAIL_FILE_PATH"]), MARIEKE))
    page.get_by_role("button", name="Inloggen").click()

    expect(page.locator("h1")).to_have_text("Mijn gesprekken")
    rows = page.locator("table.overzicht tbody tr")
    expect(rows).to_have_count(30)
    expect(page.locator("main")).to_contain_text("30 van de 30 stages.")
    assert_no_sideways_scroll(page, f"Mijn gesprekken with thirty stages, {name}")
    if size[0] < 600:  # on the phone, the rows rather than the filter above them
        page.locator("table.overzicht").evaluate("table => table.scrollIntoView()")
    snapshot(page, f"13-overzicht-dertig-{name}")
    assert_accessible(page, f"Mijn gesprekken with thirty stages, {name}")

    # Sorted by the next conversation, then only what needs doing now, then a name: no script needed.
    page.get_by_text("Sorteren en zoeken").click()
    page.select_option("#sorteer", "volgende")
    page.get_by_role("button", name="Toon").click()
    expect(rows.nth(0)).to_contain_text("Volgende week")
    page.check("input[name=nu]")
    page.get_by_role("button", name="Toon").click()
    expect(rows).to_have_count(30)
    page.fill("#zoek", "StudentC28")
    page.get_by_role("button", name="Toon").click()
    expect(rows).to_have_count(1)
    page.get_by_role("link", name="Stage van StudentC28").click()
    expect(page.locator("h1")).to_have_text("Stage van StudentC28")
    expect(page.locator("main")).to_contain_text("Afspraak van StudentC28")
    context.close()
