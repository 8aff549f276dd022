"""The audit tools of tests/e2e/audit.py work, on a phone (360 x 740): axe runs under the app's
Content-Security-Policy and can fail, large text and sideways overflow are seen, and page weight is counted.

These check the tools, not the app: whether the app's pages pass the audit is for the tests that use them."""
import pytest

from tests.e2e.audit import (
    assert_accessible,
    assert_no_sideways_scroll,
    axe_violations,
    in_viewport,
    large_text,
    page_weight,
    sideways_overflow,
)

pytestmark = pytest.mark.e2e

PIXEL = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
WRONG = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Fout</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Fout</h1><img src="{PIXEL}"><input type="text" name="naam"></main></body></html>"""


def narrow_page(body: str) -> str:
    return f"""<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>Smal</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>:root {{ font-size: 112.5%; }} body {{ margin: 0; }} main {{ padding: 1rem; }}</style></head>
<body><main>{body}</main></body></html>"""


def test_axe_runs_on_the_start_page_under_its_csp(live_server, phone):
    page = phone()
    response = page.goto(live_server.url + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    violations = axe_violations(page)
    assert isinstance(violations, list)
    for violation in violations:
        assert {"id", "impact", "help", "targets"} <= violation.keys()
    assert page.evaluate("typeof axe.run") == "function"
    assert axe_violations(page) == violations  # a second run reuses the injected axe


def test_a_page_made_wrong_fails_the_audit(phone):
    page = phone()
    page.set_content(WRONG)
    ids = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "label"} <= ids
    with pytest.raises(AssertionError, match=r"(?s)opzettelijk fout:.*image-alt.*img"):
        assert_accessible(page, "opzettelijk fout")
    assert axe_violations(page, context={"exclude": [["img"], ["input"]]}) == []


def test_large_text_and_sideways_overflow(phone):
    page = phone()
    page.set_content(narrow_page("<p>Een gewone zin die gewoon afbreekt.</p>"))
    large_text(page, 2.0)
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "36px"  # 16 px x 112.5 % x 2
    assert page.viewport_size["width"] == 360
    assert sideways_overflow(page) == []
    assert_no_sideways_scroll(page, "gewone zin, tekst op 200%")

    page.set_content(narrow_page('<p>Kort.</p><div id="breed" class="te-breed" style="width: 600px">breed</div>'))
    large_text(page, 2.0)
    overflow = sideways_overflow(page)
    assert len(overflow) == 1 and "div#breed.te-breed" in overflow[0] and "width 600px" in overflow[0]
    with pytest.raises(AssertionError, match="breed blok, tekst op 200%: the page scrolls sideways"):
        assert_no_sideways_scroll(page, "breed blok, tekst op 200%")


def test_a_box_that_scrolls_itself_is_not_blamed(phone):
    page = phone()
    page.set_content(narrow_page('<div style="overflow-x: auto"><div style="width: 600px">tabel</div></div>'))
    assert sideways_overflow(page) == []


def test_in_viewport(phone):
    page = phone()
    page.set_content(narrow_page('<button id="boven">Boven</button><div style="height: 2000px"></div>'
                                 '<button id="onder">Onder</button><button hidden id="weg">Weg</button>'))
    assert in_viewport(page.locator("#boven"))
    assert not in_viewport(page.locator("#onder"))
    assert not in_viewport(page.locator("#weg"))
    page.locator("#onder").scroll_into_view_if_needed()
    assert in_viewport(page.locator("#onder")) and not in_viewport(page.locator("#boven"))


def test_page_weight_of_the_start_page(live_server, phone):
    page = phone()
    page.goto(live_server.url + "/")
    weight = page_weight(page)
    assert list(weight["html"]) == ["/"]
    assert any(path.endswith(".css") for path in weight["stylesheets"])
    assert 0 < weight["total"] < weight["raw"]
    assert weight["total"] == sum(sum(weight[kind].values()) for kind in ("html", "scripts", "stylesheets"))
