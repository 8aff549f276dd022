"""Steps the browser tests share: a person starting or joining a room on their phone, and finding their way
in it; and keeping what a screen shows for the docs."""
import os
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import expect

from tests.support.app import csrf_from


def snapshot(page, name):
    """With SCREENSHOT_DIR set (docs/screenshots/ for the README, docs/screens/ for docs/screens.md), the page as
    it is now goes there as <name>.png; without it, nothing is written."""
    shots = os.environ.get("SCREENSHOT_DIR")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{name}.png"))


def start(page, base_url, name, role):
    page.goto(base_url + "/")
    page.get_by_text("Start nu een gesprek").click()  # the start page's choice opens the form
    page.fill("#start-name", name)
    page.get_by_role("radio", name=role.capitalize()).check()
    page.get_by_role("button", name="Start een gesprek").click()
    expect(page.locator("#room")).to_have_attribute("data-connected", "true")
    return page.locator("#room").get_attribute("data-code")


def join(page, base_url, code, name, role):
    page.goto(f"{base_url}/")
    page.fill("#code", code.lower())
    page.get_by_role("button", name="Meedoen", exact=True).click()
    page.fill("#join-name", name)
    page.get_by_role("radio", name=role.capitalize()).check()
    page.get_by_role("button", name="Doe mee").click()
    expect(page.locator("#room")).to_have_attribute("data-connected", "true")


def take_a_seat(page, base_url, name, role, code=None) -> str:
    """Start a conversation (no code) or join one by posting the start or join form over HTTP with this phone's
    cookie (its browser context's requests), then open the room on the phone; returns the code. Quicker than
    filling in the forms, for tests about the room: start() and join() fill them in."""
    requests = page.context.request
    form, action = (f"{base_url}/r/{code}", f"{base_url}/r/{code}/join") if code else (f"{base_url}/",
                                                                                         f"{base_url}/rooms")
    token = csrf_from(requests.get(form).text())
    answer = requests.post(action, form={"name": name, "role": role, "csrf_token": token}, max_redirects=0)
    assert answer.status == 303, answer.text()
    page.goto(urljoin(base_url + "/", answer.headers["location"]))
    expect(page.locator("#room")).to_have_attribute("data-connected", "true")
    return page.locator("#room").get_attribute("data-code")


def open_tab(page, name):
    """Tap a part of the room in the bar at the bottom ("Gesprek", "Afspraken", "Deelnemers", ...); on a wide
    screen every part shows at once, without the bar."""
    if page.locator("#tabs").is_visible():
        page.locator(f"#tab-{name.lower()}-link").click()
    expect(page.locator(f"#tab-{name.lower()}")).to_be_visible()


def to_step(page, phase_id):
    """Press "Verder" until the conversation is at this step (for the student or the stagedocent)."""
    open_tab(page, "Gesprek")
    while page.locator("#fase").get_attribute("data-phase") != phase_id:
        step = page.locator("#fase").get_attribute("data-phase")
        page.locator("#knop-verder").click()
        expect(page.locator("#fase")).not_to_have_attribute("data-phase", step)


def go_to_last_step(page):
    """Press "Verder" until the conversation is at its last step (for the student or the stagedocent)."""
    open_tab(page, "Gesprek")
    while page.locator("#knop-verder").count():
        step = page.locator("#fase").get_attribute("data-phase")
        page.locator("#knop-verder").click()
        expect(page.locator("#fase")).not_to_have_attribute("data-phase", step)


def add_agreement(page, what, who=("Student",), day=None):
    """Write a new afspraak in the room's form: `who` by their labels, `day` a date or the next conversation."""
    open_tab(page, "Afspraken")
    form = page.locator("#nieuwe-afspraak")
    page.fill("#nieuw-what", what)
    for label in who:
        form.get_by_label(label).check()
    if day is not None:
        form.get_by_label("Op een datum").check()
        page.fill("#nieuw-date", day.isoformat())
    form.get_by_role("button", name="Zet de afspraak erbij").click()
    expect(page.locator("#nieuw-what")).to_have_value("")
