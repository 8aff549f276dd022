"""Steps the browser tests share: a person starting or joining a room on their phone."""
from playwright.sync_api import expect


def start(page, base_url, name, role):
    page.goto(base_url + "/")
    page.fill("#start-name", name)
    page.get_by_role("radio", name=role.capitalize()).check()
    page.get_by_role("button", name="Start een gesprek").click()
    expect(page.locator("#room")).to_have_attribute("data-connected", "true")
    return page.locator("#room").get_attribute("data-code")


def join(page, base_url, code, name, role):
    page.goto(f"{base_url}/")
    page.fill("#code", code.lower())
    page.get_by_role("button", name="Naar het gesprek").click()
    page.fill("#join-name", name)
    page.get_by_role("radio", name=role.capitalize()).check()
    page.get_by_role("button", name="Doe mee").click()
    expect(page.locator("#room")).to_have_attribute("data-connected", "true")


def add_agreement(page, what, who=("Student",), day=None):
    """Write a new afspraak in the room's form: `who` by their labels, `day` a date or the next conversation."""
    form = page.locator("#nieuwe-afspraak")
    page.fill("#nieuw-what", what)
    for label in who:
        form.get_by_label(label).check()
    if day is not None:
        form.get_by_label("Op een datum").check()
        page.fill("#nieuw-date", day.isoformat())
    form.get_by_role("button", name="Zet de afspraak erbij").click()
    expect(page.locator("#nieuw-what")).to_have_value("")
