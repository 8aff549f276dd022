"""The room as a meeting screen on three phones (360 x 740): what matters now is in view, focus stays where
the hand is, a refusal shows where the eye is, nothing scrolls sideways at 200 % text, and axe finds nothing
on any page state of a whole conversation. With SCREENSHOT_DIR set, each role's screen at the key moments
is saved there (docs/screenshots/ for the README)."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.audit import (
    assert_accessible,
    assert_no_sideways_scroll,
    describe_weight,
    in_viewport,
    large_text,
    page_weight,
    stated_weight,
    weight_by_file,
)
from tests.e2e.steps import go_to_last_step, open_tab, snapshot, to_step

pytestmark = pytest.mark.e2e


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def press(page, selector):
    """A keyboard user on a control: focus is there, Enter activates it."""
    page.locator(selector).focus()
    page.keyboard.press("Enter")


def test_what_matters_now_is_in_view_on_each_phone(three):
    docent, student, opleider = three
    for name, page in (("stagedocent", docent), ("student", student), ("praktijkopleider", opleider)):
        expect(page.locator("#fase")).to_contain_text("Stap 1 van 5: Kennismaken")
        assert in_viewport(page.locator("#fase")) and in_viewport(page.locator("#verbindingsstatus"))
        assert in_viewport(page.locator("#stap h2")), f"{name}: what to do now is out of view"
        snapshot(page, f"1-begin-{name}")
    to_step(student, "leren")
    for name, page in (("stagedocent", docent), ("student", student), ("praktijkopleider", opleider)):
        expect(page.locator("#fase")).to_have_attribute("data-phase", "leren")
        assert in_viewport(page.locator("#kaartje h2")), f"{name}: the card's place is out of view in a cards step"
    assert in_viewport(student.locator("#knop-trek")), "the student's draw button is within thumb reach"

    student.locator("#knop-trek").click()
    for name, page in (("stagedocent", docent), ("student", student), ("praktijkopleider", opleider)):
        card = page.locator("#kaartje .kaartje")
        expect(card).to_be_visible()
        assert in_viewport(card), f"{name}: the card on the table is out of view after a draw"
        snapshot(page, f"2-kaartje-{name}")
    assert in_viewport(student.locator("#knop-besproken")) and in_viewport(student.locator("#knop-leg-terug"))

    # The other parts are one tap away, each by its own address: the back button goes back.
    open_tab(opleider, "Afspraken")
    assert opleider.url.endswith("#tab-afspraken")
    expect(opleider.locator("#kaartje")).to_be_hidden()
    opleider.go_back()
    expect(opleider.locator("#kaartje .kaartje")).to_be_visible()
    expect(opleider.locator("#tabs a[aria-current=page]")).to_have_text("Gesprek")


def test_a_refused_afspraak_says_why_next_to_its_button(three):
    _docent, student, _opleider = three
    open_tab(student, "Afspraken")
    student.fill("#nieuw-what", "Sanne vraagt om feedback.")
    student.locator("#knop-afspraak-erbij").click()  # nobody chosen under "Wie doet het?"
    message = student.locator("#nieuwe-afspraak .veld-melding")
    expect(message).to_contain_text("Kies wie het doet")
    assert in_viewport(message), "the refusal is out of view"
    assert focused_id(student) == "knop-afspraak-erbij"
    described = student.locator("#knop-afspraak-erbij").get_attribute("aria-describedby")
    assert described == message.get_attribute("id")
    expect(student.locator("#nieuw-what")).to_have_value("Sanne vraagt om feedback.")  # nothing typed is lost
    snapshot(student, "3-geweigerd-student")

    student.locator("#nieuwe-afspraak").get_by_label("Student").check()
    student.locator("#knop-afspraak-erbij").click()
    expect(student.locator("#afspraken li")).to_have_count(1)
    expect(student.locator(".veld-melding")).to_have_count(0)
    expect(student.locator("#meldingen")).to_contain_text("De afspraak staat erbij.")
    expect(student.locator("#meldingen")).to_be_empty(timeout=10000)  # a notice goes by itself


def test_nothing_scrolls_sideways_with_text_at_200_percent(live_server, three):
    docent, student, opleider = three
    code = docent.locator("#room").get_attribute("data-code")
    to_step(student, "leren")
    student.locator("#knop-trek").click()
    expect(student.locator("#kaartje .kaartje")).to_be_visible()
    for name, page in (("stagedocent", docent), ("student", student), ("praktijkopleider", opleider)):
        large_text(page, 2.0, persist=True)
        for tab in ("Gesprek", "Afspraken", "Voorbereiding", "Deelnemers", "Uitleg"):
            open_tab(page, tab)
            assert_no_sideways_scroll(page, f"{name}, tab {tab}, text at 200%")
    for path in ("/", f"/r/{code}", "/kaarten", "/instructie", "/uitgangspunten"):
        opleider.goto(live_server.url + path)
        assert_no_sideways_scroll(opleider, f"{path}, text at 200%")
    stranger = docent.context.browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
    stranger.goto(f"{live_server.url}/r/{code}")
    large_text(stranger, 2.0)
    assert_no_sideways_scroll(stranger, "the join form, text at 200%")
    stranger.context.close()


def test_a_whole_conversation_by_keyboard_keeps_focus_where_the_hand_is(three):
    """Every state on the way is also audited by axe: zero violations."""
    docent, student, opleider = three
    for name, page in (("stagedocent", docent), ("student", student), ("praktijkopleider", opleider)):
        assert_accessible(page, f"{name}, the room at the start")

    # "Verder" in the first step: focus stays on "Verder" (never on "Terug": Enter twice must not undo).
    press(student, "#knop-verder")
    expect(student.locator("#fase")).to_have_attribute("data-phase", "leren")
    expect(student.locator("#knop-verder")).to_be_focused()
    assert focused_id(student) != "knop-terug"

    # A draw: focus goes to the card that is now on the table, which is in view.
    press(student, "#knop-trek")
    expect(student.locator("#kaartje-title")).to_be_focused()
    assert in_viewport(student.locator("#kaartje .kaartje"))
    expect(docent.locator("#aankondiging")).to_contain_text("Sanne trok een kaartje:")
    for name, page in (("stagedocent", docent), ("student", student), ("praktijkopleider", opleider)):
        assert_accessible(page, f"{name}, a card on the table")

    # The card chooser is this phone's own: it opens, a pick puts the card on the table and closes the list.
    press(student, "#knop-besproken")
    expect(student.locator("#kaartje-title")).to_be_focused()
    press(student, "#knop-kies")
    expect(student.locator("#kiezen .kies-lijst button").first).to_be_visible()
    assert_accessible(student, "student, the card chooser open")
    student.locator("#kiezen .kies-lijst button").first.focus()
    student.keyboard.press("Enter")
    expect(student.locator("#kaartje .kaartje")).to_be_visible()
    expect(student.locator("#kaartje-title")).to_be_focused()
    expect(student.locator("#kiezen .kies-lijst")).to_have_count(0)

    # An afspraak by keyboard: typed, who chosen with Space, sent with Enter; focus on the afspraken.
    open_tab(opleider, "Afspraken")
    opleider.locator("#nieuw-what").focus()
    opleider.keyboard.type("Kees laat Sanne elke week een klant helpen.")
    opleider.locator("#nieuwe-afspraak").get_by_label("Student").focus()
    opleider.keyboard.press("Space")
    press(opleider, "#knop-afspraak-erbij")
    expect(opleider.locator("#afspraken li")).to_have_count(1)
    expect(opleider.locator("#afspraken-title")).to_be_focused()
    assert_accessible(opleider, "praktijkopleider, the afspraken")

    # Closing: the last step has "Gesprek afronden", which asks first.
    go_to_last_step(docent)
    docent.on("dialog", lambda dialog: dialog.accept())
    press(docent, "#knop-afronden")
    expect(docent.locator("#verslag-title")).to_be_focused()
    for name, page in (("stagedocent", docent), ("student", student), ("praktijkopleider", opleider)):
        expect(page.locator("#tab-gesprek")).to_be_visible()
        expect(page.locator("#akkoord-email")).to_be_visible()
        assert_accessible(page, f"{name}, closing")
        snapshot(page, f"4-afronden-{name}")
    # Printed, the screen gives the verslag, not the controls.
    docent.emulate_media(media="print")
    expect(docent.locator("#verslag")).to_contain_text("Kees laat Sanne elke week een klant helpen.")
    assert docent.locator("button:visible, input:visible, #tabs:visible").count() == 0
    docent.emulate_media(media="screen")

    # Akkoord by keyboard: its button leaves the bar, the focus goes to "Jouw akkoord" (a second Enter does nothing).
    student.locator("#akkoord-email").focus()
    student.keyboard.type("sanne@example.nl")
    press(student, "#knop-akkoord")
    expect(student.locator("#mijn-akkoord")).to_contain_text("Je gaf akkoord")
    expect(student.locator("#akkoord-title")).to_be_focused()
    expect(student.locator("#knop-akkoord")).to_be_hidden()
    for page in (docent, opleider):
        press(page, "#knop-akkoord")
    expect(docent.locator("#knop-versturen")).to_be_visible()
    press(docent, "#knop-versturen")
    for name, page in (("stagedocent", docent), ("student", student), ("praktijkopleider", opleider)):
        expect(page.locator("#verslag")).to_contain_text("Het gesprek is afgerond")
        expect(page.locator("#tabs")).to_be_hidden()
        expect(page.locator("#kaartje")).to_be_hidden()
        assert_accessible(page, f"{name}, the conversation sent")
        snapshot(page, f"5-afgerond-{name}")
    student.get_by_role("link", name="Lees het verslag").click()
    expect(student.locator(".verslag")).to_be_visible()
    assert_accessible(student, "the verslag page")


def test_the_room_page_weight_is_what_the_readme_says(three):
    """Within a budget, and as the README states it: each file within half a KB of its figure there, the whole
    within a KB (the page's HTML varies a little with names and codes), so the figure cannot drift unseen."""
    _docent, student, _opleider = three
    weight = page_weight(student)
    print(f"\nthe room page (HTML with its scripts and styles, {weight['raw'] / 1024:.1f} KB uncompressed): "
          f"{describe_weight(weight)}")
    assert weight["total"] < 60_000
    total, parts = stated_weight((Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8"))
    measured = weight_by_file(weight)
    assert parts.keys() == measured.keys(), f"the README names {list(parts)}, the page loads {list(measured)}"
    drifted = {name: f"README {kb:.1f}, measured {measured[name]:.1f}" for name, kb in parts.items()
               if abs(measured[name] - kb) > 0.5}
    assert not drifted and abs(weight["total"] / 1024 - total) <= 1, (
        f"the README's page weight drifted: {drifted}; total README {total:.1f}, measured "
        f"{weight['total'] / 1024:.1f}. Put this in README.md: {describe_weight(weight)}")


def test_a_laptop_shows_the_same_page_in_two_columns(live_server, browser):
    from tests.e2e.steps import start

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    laptop = context.new_page()
    start(laptop, live_server.url, "Marieke", "stagedocent")
    expect(laptop.locator("#tabs")).to_be_hidden()
    gesprek, afspraken = laptop.locator("#tab-gesprek").bounding_box(), laptop.locator("#tab-afspraken").bounding_box()
    assert afspraken["x"] > gesprek["x"] + gesprek["width"] - 1, "afspraken sit beside the conversation"
    assert afspraken["y"] < 200
    assert_accessible(laptop, "the stagedocent's laptop")
    context.close()
