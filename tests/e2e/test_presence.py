"""Two phones in a real browser: each sees the other come and go, live, without a reload."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import join, open_tab, start

pytestmark = pytest.mark.e2e


def person(page, name):
    return page.locator("#deelnemers li", has_text=name)


def test_two_phones_see_each_other_come_online_and_go_offline(live_server, phone):
    docent, student = phone(), phone()
    code = start(docent, live_server.url, "Marieke", "stagedocent")
    join(student, live_server.url, code, "Sanne", "student")

    expect(person(docent, "Sanne")).to_have_attribute("data-online", "true")
    expect(person(student, "Marieke")).to_have_attribute("data-online", "true")
    expect(person(docent, "Sanne")).to_contain_text("online")
    marks = docent.evaluate("""() => [...document.querySelectorAll('#deelnemers .person-name')].map(
        el => [el.textContent, getComputedStyle(el, '::after').content])""")
    assert marks == [["Marieke", '" (jij)"'], ["Sanne", "none"]]

    student.close()
    expect(person(docent, "Sanne")).to_have_attribute("data-online", "false", timeout=5000)
    expect(person(docent, "Sanne")).to_contain_text("offline")


def test_a_phone_that_loses_its_connection_shows_a_banner_and_catches_up(live_server, phone, browser):
    docent = phone()
    code = start(docent, live_server.url, "Marieke", "stagedocent")
    student = phone()
    join(student, live_server.url, code, "Sanne", "student")
    expect(person(docent, "Sanne")).to_have_attribute("data-online", "true")

    docent.context.set_offline(True)
    expect(docent.locator("#verbinding")).to_be_visible(timeout=10000)
    expect(docent.locator("#verbinding")).to_have_text(re.compile("Verbinding kwijt"))
    expect(docent.locator("#room")).to_have_attribute("data-connected", "false")
    # What changed meanwhile: Sanne went away.
    student.close()
    docent.context.set_offline(False)
    expect(docent.locator("#room")).to_have_attribute("data-connected", "true", timeout=15000)
    expect(docent.locator("#verbinding")).to_be_hidden()
    expect(person(docent, "Sanne")).to_have_attribute("data-online", "false", timeout=5000)


def test_updates_apply_in_order_and_stale_ones_never_win(live_server, phone):
    page = phone()
    start(page, live_server.url, "Sanne", "student")
    verdicts = page.evaluate("""() => {
        const v = window.Stagegesprek.verdict;
        return [v(5, {version: 6}), v(5, {version: 5}), v(5, {version: 3}), v(5, {version: 8}),
                v(5, {version: 9, full: true}), v(5, {version: 5, full: true}), v(5, {version: 4, full: true})];
    }""")
    assert verdicts == ["apply", "ignore", "ignore", "resync", "apply", "ignore", "ignore"]


def test_a_deleted_conversation_sends_every_phone_back_to_the_start(three):
    docent, student, _ = three
    docent.on("dialog", lambda dialog: dialog.accept())
    open_tab(docent, "Deelnemers")
    docent.get_by_text("Gesprek verwijderen").click()
    docent.get_by_role("button", name="Verwijder dit gesprek").click()
    for page in (docent, student):
        expect(page.locator("main")).to_contain_text("Het gesprek is verwijderd")
