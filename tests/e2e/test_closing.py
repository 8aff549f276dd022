"""Closing on three phones: the draft appears everywhere, each agrees, the docent sends."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import add_agreement, go_to_last_step

pytestmark = pytest.mark.e2e


def test_closing_agreeing_and_sending_on_three_phones(three):
    docent, student, opleider = three
    add_agreement(docent, "Sanne vraagt elke vrijdag om feedback.")
    expect(student.locator("#afspraken li")).to_have_count(1)

    go_to_last_step(docent)
    docent.on("dialog", lambda dialog: dialog.accept())
    docent.get_by_role("button", name="Gesprek afronden").click()
    for page, email in zip(three, ("marieke@school.example", "sanne@example.nl", "kees@bedrijf.example")):
        expect(page.locator("#verslag")).to_contain_text("Sanne vraagt elke vrijdag om feedback.")
        expect(page.locator("#akkoord-email")).to_be_visible()
        page.fill("#akkoord-email", email)
    # typing an address survives a push from someone else's Akkoord
    student.get_by_role("button", name="Akkoord", exact=True).click()
    expect(docent.locator('#verslag [data-agreed="true"]')).to_have_count(1)
    expect(opleider.locator("#akkoord-email")).to_have_value("kees@bedrijf.example")
    opleider.get_by_role("button", name="Akkoord", exact=True).click()
    docent.get_by_role("button", name="Akkoord", exact=True).click()
    expect(student.locator('#verslag [data-agreed="true"]')).to_have_count(3)
    expect(student.locator("#verslag")).not_to_contain_text("marieke@school.example")

    docent.get_by_role("button", name="Verstuur het verslag").click()
    for page in three:
        expect(page.locator("#verslag")).to_contain_text("Het gesprek is afgerond")
    expect(docent.locator("#mailstatus")).to_contain_text("Is de mail aangekomen?")
    student.get_by_role("link", name="Lees het verslag").click()
    expect(student.locator(".verslag")).to_contain_text("Sanne vraagt elke vrijdag om feedback.")
    # People see names, not hashes: the fingerprint is in the PDF's small print only (tests/test_closing.py).
    expect(student.locator("main")).not_to_contain_text(re.compile("[0-9a-f]{64}"))
