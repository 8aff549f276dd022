"""Everyone's cards on three phones: in set Begeleiden the praktijkopleider draws a card meant for them, and a card
the stagedocent suggests comes into view on the phone of the one it is for, wherever they were on the page."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.audit import assert_accessible, in_viewport
from tests.e2e.steps import snapshot

pytestmark = pytest.mark.e2e


def to_begeleiden(page):
    while page.locator("#fase").get_attribute("data-phase") != "begeleiden":
        step = page.locator("#fase").get_attribute("data-phase")
        page.locator("#knop-verder").click()
        expect(page.locator("#fase")).not_to_have_attribute("data-phase", step)


def test_the_praktijkopleider_draws_their_own_card_and_a_suggestion_finds_the_student(three):
    docent, student, opleider = three
    to_begeleiden(student)  # the student's thumb is on "Verder", low on the page
    expect(opleider.locator(".jouw-taak")).to_contain_text("Jouw taak als praktijkopleider")
    assert in_viewport(opleider.locator(".jouw-taak"))

    opleider.locator("#knop-trek").click()
    card = opleider.locator("#kaartje .kaartje")
    expect(card).to_be_visible()
    expect(card).to_contain_text(re.compile("praktijkopleider", re.I))
    snapshot(opleider, "10-eigen-kaartje-praktijkopleider")
    opleider.locator("#knop-besproken").click()
    expect(opleider.locator("#kaartje h2")).to_have_text("Geen kaartje op tafel")  # one was discussed

    student.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    docent.locator("#knop-stel-voor").click()
    docent.locator("#kiezen button[data-card-id]", has_text="(voor de student)").first.click()
    offer = student.locator("#voorstel-title")
    expect(offer).to_contain_text("De stagedocent stelt voor")
    expect(student.locator("#knop-neem-voorstel")).to_be_visible()
    student.wait_for_function("() => { const r = document.getElementById('voorstel-title').getBoundingClientRect();"
                              " return r.top >= 0 && r.bottom <= window.innerHeight; }")
    snapshot(student, "11-voorstel-student")
    assert_accessible(student, "a suggested card")
    student.locator("#knop-neem-voorstel").click()
    for page in (docent, student, opleider):
        expect(page.locator("#kaartje .kaartje")).to_be_visible()
