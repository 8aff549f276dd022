"""Mijn gesprekken on the stagedocent's phone (360 x 740): Marieke has had a conversation with Sanne and planned one
with Ahmed; she asks for a sign-in link, opens it from her mail, and sees both students' stages with their
timelines, one click away. With SCREENSHOT_DIR set, the overview is saved there (docs/screenshots/ for the README)."""
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.audit import assert_accessible, assert_no_sideways_scroll, large_text
from tests.e2e.steps import add_agreement, go_to_last_step, join, snapshot, start
from tests.support.stages import MARIEKE, sign_in_link

pytestmark = pytest.mark.e2e


def have_a_conversation(docent, student, opleider, base_url):
    """Marieke and Sanne, with Kees: one afspraak, each agrees (Marieke and Sanne with their address), sent."""
    code = start(docent, base_url, "Marieke", "stagedocent")
    join(student, base_url, code, "Sanne", "student")
    join(opleider, base_url, code, "Kees", "praktijkopleider")
    add_agreement(docent, "Sanne vraagt elke vrijdag om feedback.")
    go_to_last_step(docent)
    docent.on("dialog", lambda dialog: dialog.accept())
    docent.get_by_role("button", name="Gesprek afronden").click()
    for page, address in ((docent, MARIEKE), (student, "sanne@student.example"), (opleider, "")):
        expect(page.locator("#akkoord-email")).to_be_visible()
        page.fill("#akkoord-email", address)
        page.get_by_role("button", name="Akkoord" if address else "Akkoord, geen mail", exact=True).click()
        expect(page.locator("#mijn-akkoord")).to_contain_text("Je gaf akkoord.")
    expect(docent.locator('#verslag [data-agreed="true"]')).to_have_count(3)
    docent.get_by_role("button", name="Verstuur het verslag").click()
    expect(docent.locator("#verslag")).to_contain_text("Het gesprek is afgerond")


def plan_with_ahmed(docent, base_url):
    """Marieke plans a first conversation with Ahmed in two weeks at Hotel Zeezicht, with both their addresses."""
    docent.goto(base_url + "/plannen")
    docent.get_by_role("radio", name="De stagedocent").check()
    docent.fill("#plan-date", (date.today() + timedelta(days=14)).isoformat())
    docent.fill("#plan-time", "10:30")
    docent.fill("#plan-name-stagedocent", "Marieke")
    docent.fill("#plan-email-stagedocent", MARIEKE)
    docent.fill("#plan-name-student", "Ahmed")
    docent.fill("#plan-email-student", "ahmed@student.example")
    docent.fill("#plan-name-praktijkopleider", "Fatima")
    docent.fill("#plan-workplace", "Hotel Zeezicht")
    docent.get_by_role("button", name="Plan het gesprek").click()
    expect(docent.locator("#room")).to_have_attribute("data-connected", "true")


def test_the_stagedocent_sees_both_students_in_mijn_gesprekken(live_server, phone):
    docent, sanne, kees = phone(), phone(), phone()
    have_a_conversation(docent, sanne, kees, live_server.url)
    plan_with_ahmed(docent, live_server.url)

    # Not signed in: the overview sends her to the form; the start page links to it.
    docent.goto(live_server.url + "/")
    docent.get_by_role("link", name="Naar Mijn gesprekken").click()
    expect(docent.locator("h1")).to_have_text("Mijn gesprekken")
    docent.fill("#inloggen-email", MARIEKE)
    docent.get_by_role("button", name="Stuur mij een link").click()
    expect(docent.locator("#link-gevraagd")).to_contain_text("Als dit adres bij een gesprek hoort")

    url = sign_in_link(Path(live_server.env["MAIL_FILE_PATH"]), MARIEKE)
    docent.goto(url)
    expect(docent.locator("h1")).to_have_text("Inloggen bij Mijn gesprekken")
    docent.get_by_role("button", name="Inloggen").click()

    expect(docent.locator("h1")).to_have_text("Mijn gesprekken")
    rows = docent.locator("table.overzicht tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Ahmed")
    expect(rows.nth(0)).to_contain_text("Fatima")
    expect(rows.nth(0)).to_contain_text("Hotel Zeezicht")
    expect(rows.nth(0)).to_contain_text("om 10:30")
    expect(rows.nth(1)).to_contain_text("Sanne")
    expect(rows.nth(1)).to_contain_text("Plan het volgende gesprek")
    docent.evaluate("window.scrollTo(0, 0)")
    snapshot(docent, "12-mijn-gesprekken-stagedocent")
    assert_accessible(docent, "Mijn gesprekken, stagedocent with two students")

    # One click opens a stage: its conversations, timeline and afspraken.
    docent.get_by_role("link", name="Stage van Ahmed").click()
    expect(docent.locator("h1")).to_have_text("Stage van Ahmed")
    expect(docent.locator("main")).to_contain_text("Praktijkopleider: Fatima")
    expect(docent.get_by_role("img", name="Tijdlijn van de stage")).to_be_visible()
    docent.go_back()
    docent.get_by_role("link", name="Stage van Sanne").click()
    expect(docent.locator("main")).to_contain_text("Sanne vraagt elke vrijdag om feedback.")
    expect(docent.locator("main")).to_contain_text("1 gesprek: 1 afgerond.")
    expect(docent.locator("ol.serie-gesprekken a")).to_have_count(1)  # her phone took part: it opens from here
    assert_accessible(docent, "Mijn gesprekken, one stage")
    docent.go_back()

    # Sanne's phone took part, but it is not signed in: nothing of it shows there.
    sanne.goto(live_server.url + "/mijn-gesprekken")
    expect(sanne.locator("h1")).to_have_text("Mijn gesprekken")
    expect(sanne.locator("#inloggen-email")).to_be_visible()
    expect(sanne.locator("main")).not_to_contain_text("Ahmed")

    # The link worked once: on another device it says so, and shows nothing.
    kees.goto(url)
    expect(kees.locator("h1")).to_have_text("Deze link werkt niet meer")
    expect(kees.locator("main")).not_to_contain_text("Sanne vraagt")

    large_text(docent)
    assert_no_sideways_scroll(docent, "Mijn gesprekken at 200% text")
    docent.get_by_role("button", name="Uitloggen").click()
    expect(docent.locator("main")).to_contain_text("Je bent uitgelogd.")
