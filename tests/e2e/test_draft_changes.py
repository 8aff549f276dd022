"""A change after two Akkoorden, on three phones: every draft shows the old text struck and the new one, in words
too, with no axe violation; once all three agreed again, nothing is marked."""
import pytest
from playwright.sync_api import expect

from tests.e2e.audit import assert_accessible
from tests.e2e.steps import add_agreement, go_to_last_step, open_tab

pytestmark = pytest.mark.e2e

BEFORE = "Sanne vraagt elke vrijdag om feedback."
AFTER = "Sanne vraagt elke vrijdag aan Kees om feedback."


def test_a_change_after_akkoorden_is_marked_in_every_draft(three):
    docent, student, opleider = three
    add_agreement(docent, BEFORE)
    go_to_last_step(docent)
    docent.on("dialog", lambda dialog: dialog.accept())
    docent.get_by_role("button", name="Gesprek afronden").click()
    for page in (student, docent):
        expect(page.locator("#knop-akkoord")).to_be_visible()
        page.locator("#knop-akkoord").click()
    expect(opleider.locator('#verslag [data-agreed="true"]')).to_have_count(2)

    open_tab(opleider, "Afspraken")
    opleider.locator("#afspraken").get_by_role("button", name="Pas aan").click()
    opleider.fill("#bewerk-what", AFTER)
    opleider.locator("#bewerken").get_by_role("button", name="Opslaan").click()
    for page in three:
        expect(page.locator('#verslag [data-agreed="true"]')).to_have_count(0)
        expect(page.locator("#verslag del")).to_contain_text(BEFORE)
        expect(page.locator("#verslag ins")).to_contain_text(AFTER)
        expect(page.locator("#verslag .verslag-afspraken")).to_contain_text("Was:")
    open_tab(opleider, "Gesprek")
    assert_accessible(opleider, "praktijkopleider, the draft with a changed afspraak marked")

    for page in three:
        page.locator("#knop-akkoord").click()
    for page in three:
        expect(page.locator('#verslag [data-agreed="true"]')).to_have_count(3)
        expect(page.locator("#verslag del, #verslag ins")).to_have_count(0)
