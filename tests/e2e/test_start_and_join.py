"""Start and join like a quiz app (issue 19, item 2) on a 360 x 740 phone, at 100 % and at 200 % text: both choices
of the start page in view, a wrong code answered under its field, and the join form with the name focused, the
roles taken marked and "Doe mee" in view; axe finds nothing on any of them."""
import pytest
from playwright.sync_api import expect

from tests.e2e.audit import assert_accessible, assert_no_sideways_scroll, in_viewport, large_text
from tests.e2e.steps import join, start

SCALES = [pytest.param(1.0, id="100%"), pytest.param(2.0, id="200%")]


def start_page(phone, live_server, scale):
    """A new phone on the start page, with its text at `scale`."""
    page = phone()
    if scale != 1.0:
        large_text(page, scale, persist=True)
    page.goto(live_server.url + "/")
    return page


@pytest.mark.parametrize("scale", SCALES)
def test_the_start_page_shows_both_choices_without_scrolling(live_server, phone, scale):
    page = start_page(phone, live_server, scale)
    label = f"start page, text at {scale:.0%}"
    assert in_viewport(page.get_by_label("Gesprekscode")), label
    assert in_viewport(page.get_by_role("button", name="Meedoen", exact=True)), label
    assert in_viewport(page.get_by_text("Start nu een gesprek")), label
    assert_no_sideways_scroll(page, label)
    assert_accessible(page, label)

    page.get_by_text("Start nu een gesprek").click()  # the choice opens the form right under it
    expect(page.locator("#start-name")).to_be_visible()
    assert_no_sideways_scroll(page, label + ", start form open")
    assert_accessible(page, label + ", start form open")


@pytest.mark.parametrize("scale", SCALES)
def test_a_wrong_code_is_answered_under_its_field_with_the_code_kept(live_server, phone, scale):
    page = start_page(phone, live_server, scale)
    page.fill("#code", "abcd-efgh")
    page.get_by_role("button", name="Meedoen", exact=True).click()
    field = page.locator("#code")
    expect(field).to_have_value("abcd-efgh")
    expect(field).to_be_focused()
    expect(page.locator("#code-error")).to_have_text("Deze gesprekscode kennen we niet. Kijk de code goed na.")
    assert in_viewport(page.locator("#code-error"))
    assert page.url.startswith(live_server.url + "/join?")  # still the start page: fix the code and go again
    assert_no_sideways_scroll(page, f"wrong code, text at {scale:.0%}")
    assert_accessible(page, f"wrong code, text at {scale:.0%}")


@pytest.mark.parametrize("scale", SCALES)
def test_the_join_form_focuses_the_name_marks_taken_roles_and_keeps_doe_mee_in_view(live_server, phone, scale):
    docent, student, newcomer = phone(), phone(), phone()
    code = start(docent, live_server.url, "Marieke", "stagedocent")
    join(student, live_server.url, code, "Sanne", "student")
    if scale != 1.0:
        large_text(newcomer, scale, persist=True)
    newcomer.goto(live_server.url + "/")
    newcomer.fill("#code", code)
    newcomer.get_by_role("button", name="Meedoen", exact=True).click()
    label = f"join form, text at {scale:.0%}"

    expect(newcomer.locator("#join-name")).to_be_focused()
    assert in_viewport(newcomer.locator("#join-name")), label
    assert in_viewport(newcomer.get_by_role("button", name="Doe mee")), label
    for role, name in (("Stagedocent", "Marieke"), ("Student", "Sanne")):
        radio = newcomer.get_by_role("radio", name=role)
        expect(radio).to_be_disabled()
        expect(newcomer.locator("label.choice", has=radio)).to_contain_text(f"al bezet: {name}")
    expect(newcomer.get_by_role("radio", name="Praktijkopleider")).to_be_enabled()
    assert_no_sideways_scroll(newcomer, label)
    assert_accessible(newcomer, label)

    newcomer.fill("#join-name", "Kees")
    newcomer.get_by_role("radio", name="Praktijkopleider").check()
    newcomer.get_by_role("button", name="Doe mee").click()
    expect(newcomer.locator("#room")).to_have_attribute("data-connected", "true")
