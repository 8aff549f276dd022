"""Preparing at home, on a phone (360 x 740): the stagedocent plans next week's conversation, the student and the
praktijkopleider open their own links, prepare, and one tap at the table starts it with everything there.
With SCREENSHOT_DIR set, each step is saved there (docs/screenshots/ for the README)."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.audit import assert_accessible, assert_no_sideways_scroll, in_viewport, large_text
from tests.e2e.steps import open_tab, snapshot

pytestmark = pytest.mark.e2e


def plan_next_week(page, base_url):
    page.goto(base_url + "/")
    page.get_by_role("link", name="Plan een gesprek").click()
    page.get_by_role("radio", name="De stagedocent").check()
    page.fill("#plan-date", (date.today() + timedelta(days=7)).isoformat())
    page.fill("#plan-time", "14:00")
    page.fill("#plan-name-stagedocent", "Marieke")
    page.fill("#plan-name-student", "Sanne")
    page.fill("#plan-name-praktijkopleider", "Kees")
    page.evaluate("window.scrollTo(0, 0)")
    snapshot(page, "6-plannen-stagedocent")
    assert_accessible(page, "the planning form")
    page.get_by_role("button", name="Plan het gesprek").click()
    expect(page.locator("#room")).to_have_attribute("data-connected", "true")


def link_for(page, name) -> str:
    """The planner makes someone's link to share by hand (a chat message, say)."""
    open_tab(page, "Deelnemers")
    page.get_by_role("button", name=f"Nieuwe link voor {name}").click()
    field = page.get_by_role("textbox", name=f"Link van {name}")
    expect(field).to_be_visible()
    return field.input_value()


def open_own_link(page, url, role):
    page.goto(url)
    expect(page.locator("h1")).to_have_text(re.compile("^Uitnodiging voor het stagegesprek van "))  # whose
    expect(page.locator("main")).to_contain_text(f"Jij doet mee als {role}")
    snapshot(page, f"7-uitnodiging-{role}")
    page.get_by_role("button", name="Dat ben ik: naar mijn voorbereiding").click()
    expect(page.locator("#room")).to_have_attribute("data-connected", "true")


def test_three_prepare_at_home_and_one_tap_starts_it_at_the_table(live_server, phone):
    docent, student, opleider = phone(), phone(), phone()
    plan_next_week(docent, live_server.url)
    expect(docent.locator("#fase")).to_contain_text("Gepland:")
    student_link, opleider_link = link_for(docent, "Sanne"), link_for(docent, "Kees")

    open_own_link(student, student_link, "student")
    # At home the phone opens on the preparation: when, who you are, and what to do, in view.
    expect(student.locator("#tab-voorbereiding")).to_be_visible()
    assert in_viewport(student.locator("#gepland-title"))
    expect(student.locator("#gepland")).to_contain_text("Jij bent de student")
    snapshot(student, "8-thuis-student")
    assert_accessible(student, "planned, student at home")
    student.locator("#mijn-lijst input[type=checkbox]").first.check()
    expect(student.locator("#klaar")).to_contain_text("1 van")
    student.locator("#knop-voorbereiden").click()
    chosen = student.locator("#voorbereiden button[aria-pressed]").first
    question = chosen.inner_text().strip()
    chosen.click()
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(student.locator("#gekozen")).to_contain_text(question)

    open_own_link(opleider, opleider_link, "praktijkopleider")
    expect(opleider.locator("#gepland")).to_contain_text("Jij bent de praktijkopleider")
    expect(opleider.locator("#gekozen")).to_contain_text(question)  # the student's choice, live
    snapshot(opleider, "8-thuis-praktijkopleider")
    assert_accessible(opleider, "planned, praktijkopleider at home")
    large_text(opleider)
    assert_no_sideways_scroll(opleider, "planned, praktijkopleider at home, 200% text")

    # At the table: the stagedocent's Gesprek tab has the one tap; every phone goes to the first step.
    open_tab(docent, "Gesprek")
    assert in_viewport(docent.locator("#knop-start"))
    snapshot(docent, "9-aan-tafel-stagedocent")
    docent.locator("#knop-start").click()
    for page in (docent, student, opleider):
        expect(page.locator("#fase")).to_contain_text("Stap 1 van")
        expect(page.locator("#tab-gesprek")).to_be_visible()
    open_tab(docent, "Voorbereiding")
    expect(docent.locator("#gekozen")).to_contain_text(question)
    expect(docent.locator("#klaar")).to_contain_text("Sanne")
