"""The conversation on three phones in a real browser: cards, phases and afspraken, live."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import add_agreement, open_tab

pytestmark = pytest.mark.e2e


def test_three_phones_share_the_card_the_phase_and_the_afspraken(three):
    docent, student, opleider = three
    student.get_by_role("button", name="Verder: Leren").click()
    for page in three:
        expect(page.locator("#fase")).to_have_attribute("data-phase", "leren")
        expect(page.locator("#fase")).to_contain_text("Stap 2 van 5: Leren")
    expect(opleider.locator("#stap")).to_contain_text("Wacht op de student of de stagedocent")

    student.get_by_role("button", name="Trek: Leren").click()
    card_id = student.locator("#kaartje .kaartje").get_attribute("data-card-id")
    for page in (docent, opleider):
        expect(page.locator("#kaartje .kaartje")).to_have_attribute("data-card-id", card_id)
    expect(docent.locator("#meldingen")).to_be_empty()  # announcements are for the acting phone
    versions = {page.locator("#room").get_attribute("data-version") for page in three}
    assert len(versions) == 1

    opleider.get_by_role("button", name="Schrijf op wat we bespraken").click()
    expect(opleider.locator("#notitie-tekst")).to_be_visible()
    opleider.fill("#notitie-tekst", "Sanne hielp zelf een klant bij de kassa.")
    expect(student.locator('#kaartje [data-typing-for^="notitie-"]')).to_contain_text("Kees is aan het typen")
    opleider.locator("#bewerken").get_by_role("button", name="Opslaan").click()
    expect(student.locator("#kaartje .notitie")).to_contain_text("hielp zelf een klant")

    add_agreement(docent, "Sanne vraagt elke vrijdag om feedback.", who=("Student", "Praktijkopleider"))
    for page in three:
        expect(page.locator("#afspraken li")).to_have_count(1)
        expect(page.locator("#afspraken")).to_contain_text("Wie: Sanne, Kees")

    day = date.today() + timedelta(days=10)
    for text in ("Kees laat Sanne een dag meelopen met de bezorger.", "Marieke belt over twee weken."):
        add_agreement(student, text, who=("Praktijkopleider",), day=day)
    expect(opleider.locator("#afspraken li")).to_have_count(3)

    width = student.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the room is {width} px wide on a 360 px phone"


def test_an_edit_refused_for_an_old_rev_shows_both_versions_to_merge(three):
    """An open editor follows someone else's change when nothing was typed in it yet; typed text is never
    wiped: the editor says the afspraak changed, and saving shows both versions to merge."""
    docent, student, opleider = three
    add_agreement(docent, "Elke week tien minuten praten.")
    expect(student.locator("#afspraken li")).to_have_count(1)

    for page in three:
        open_tab(page, "Afspraken")
        page.locator("#afspraken").get_by_role("button", name="Pas aan").click()
    student.fill("#bewerk-what", "Elke week een kwartier praten.")
    opleider.fill("#bewerk-what", "Elke maandag tien minuten praten.")
    opleider.locator("#bewerken").get_by_role("button", name="Opslaan").click()
    expect(student.locator("#afspraken")).to_contain_text("Elke maandag")
    expect(student.locator("#bewerk-what")).to_have_value("Elke week een kwartier praten.")  # not wiped
    expect(student.locator("#bewerken")).to_contain_text("Kees heeft dit net veranderd")
    expect(docent.locator("#bewerk-what")).to_have_value("Elke maandag tien minuten praten.")  # untouched: follows

    student.locator("#bewerken").get_by_role("button", name="Opslaan").click()
    conflict = student.locator("#bewerken .conflict")
    expect(conflict).to_contain_text("Elke maandag tien minuten praten.")
    expect(conflict).to_contain_text("Elke week een kwartier praten.")
    student.fill("#bewerk-what", "Elke maandag een kwartier praten.")
    student.locator("#bewerken").get_by_role("button", name="Opslaan").click()
    for page in three:
        expect(page.locator("#afspraken .wat")).to_have_text("Elke maandag een kwartier praten.")


def test_looking_back_at_a_phase_stays_on_this_phone(three):
    docent, student, opleider = three
    student.get_by_role("button", name="Verder: Leren").click()
    expect(opleider.locator("#fase")).to_have_attribute("data-phase", "leren")
    opleider.get_by_text("Alle stappen").click()
    opleider.get_by_role("button", name="Kennismaken (gedaan)").click()
    expect(opleider.locator("#fase-inkijk")).to_contain_text("Je kijkt naar een andere fase")
    expect(student.locator("#fase-inkijk")).to_be_empty()
    opleider.get_by_role("button", name="Terug naar nu: Leren").click()
    expect(opleider.locator("#fase-inkijk")).to_be_empty()


def test_a_late_answer_never_overwrites_newer_pushes_but_still_clears_the_form(live_server, three):
    """The student's own answer is held back until the docent's later change has been pushed."""
    import json
    import time

    import requests

    docent, student, _ = three
    cookies = {c["name"]: c["value"] for c in docent.context.cookies()}
    token = json.loads(docent.locator("body").get_attribute("hx-headers:inherited"))["X-CSRFToken"]
    code = docent.locator("#room").get_attribute("data-code")

    def hold_answer(route):
        answer = route.fetch()  # the server has saved the student's afspraak and pushed it
        requests.post(f"{live_server.url}/r/{code}/agreements", cookies=cookies, headers={"X-CSRFToken": token},
                      data={"what": "Marieke belt de praktijkopleider.", "who": "stagedocent",
                            "when": "voor-volgend-gesprek"}, timeout=5)
        time.sleep(1)  # both pushes reach the student's phone before its own answer does
        route.fulfill(response=answer)

    student.route(f"**/r/{code}/agreements", hold_answer)
    open_tab(student, "Afspraken")
    student.fill("#nieuw-what", "Sanne vraagt om feedback.")
    student.locator("#nieuwe-afspraak").get_by_label("Student").check()
    student.get_by_role("button", name="Zet de afspraak erbij").click()
    expect(student.locator("#meldingen")).to_contain_text("De afspraak staat erbij.")
    expect(student.locator("#nieuw-what")).to_have_value("")
    expect(student.locator("#afspraken li")).to_have_count(2)
    expect(student.locator("#afspraken")).to_contain_text("Marieke belt de praktijkopleider.")
