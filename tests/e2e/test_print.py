"""/kaarten/print printed to PDF by headless Chromium: A4 pages, no card cut across a page break.

Two independent checks: the layout in print media (every card fits its box and every sheet fits one A4
page), and the PDF itself (each card's id and question sit together on one page, in the expected count).
"""
import io
import math
import re

import pytest

from webapp.views.pages import CARDS_PER_SHEET

pypdf = pytest.importorskip("pypdf")

A4_POINTS = (595.92, 842.88)  # Chromium's A4 in PDF points (1/72 inch)
MM = 96 / 25.4                # CSS px per mm
PAGE_CONTENT_MM = (210 - 2 * 10, 297 - 2 * 10)  # A4 less the 10 mm margins of @page kaartvel


def squeeze(text: str) -> str:
    """Text without whitespace: PDF text extraction breaks lines where the card wraps them."""
    return re.sub(r"\s+", "", text).replace("&#39;", "'")


@pytest.mark.e2e
def test_print_sheets_are_a4_and_never_cut_a_card(live_server, browser):
    page = browser.new_page()
    page.goto(live_server.url + "/kaarten/print")
    cards = page.eval_on_selector_all("[data-card-id]", """els => els.map(el => ({
        id: el.dataset.cardId, deck: el.dataset.deck,
        question: el.querySelector('.kaartje-vraag').textContent}))""")
    decks = {}
    for card in cards:
        decks[card["deck"]] = decks.get(card["deck"], 0) + 1
    expected_pages = sum(math.ceil(count / CARDS_PER_SHEET) for count in decks.values())

    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(PAGE_CONTENT_MM[0] * MM), "height": round(PAGE_CONTENT_MM[1] * MM)})
    layout = page.evaluate("""() => ({
        sheets: [...document.querySelectorAll('.vel')].map(el => el.getBoundingClientRect().height),
        overflowing: [...document.querySelectorAll('.snijvak .kaartje')]
            .filter(el => el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1)
            .map(el => el.dataset.cardId),
        hidden: getComputedStyle(document.querySelector('.site-header')).display})""")
    assert layout["overflowing"] == [], "text runs off these cards"
    assert len(layout["sheets"]) == expected_pages
    assert max(layout["sheets"]) <= PAGE_CONTENT_MM[1] * MM, "a sheet is taller than an A4 page"
    assert layout["hidden"] == "none", "the site header is not printed"

    pdf = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    page.close()
    texts = [squeeze(pdf_page.extract_text()) for pdf_page in pdf.pages]
    print(f"\n/kaarten/print: {len(cards)} kaartjes op {len(pdf.pages)} A4-pagina's")
    for pdf_page in pdf.pages:
        assert [round(float(side), 1) for side in pdf_page.mediabox[2:]] == [round(s, 1) for s in A4_POINTS]
    assert len(pdf.pages) == expected_pages
    for card in cards:
        pages_with_id = [number for number, text in enumerate(texts) if card["id"] in text]
        assert len(pages_with_id) == 1, f"{card['id']} on pages {pages_with_id}"
        assert squeeze(card["question"]) in texts[pages_with_id[0]], f"{card['id']} is cut across a page break"


@pytest.mark.e2e
def test_the_stappenplan_and_uitgangspunten_print_on_a4_with_every_task(live_server, browser):
    from pathlib import Path

    from webapp.domain.content import load_content

    content = load_content(Path(__file__).resolve().parents[2] / "content")
    page = browser.new_page()
    page.goto(live_server.url + "/uitgangspunten")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).display") == "none"
    pdf = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    page.close()
    text = squeeze(" ".join(pdf_page.extract_text() for pdf_page in pdf.pages))
    print(f"\n/uitgangspunten: {len(pdf.pages)} A4-pagina's")
    assert 1 <= len(pdf.pages) <= 3
    for pdf_page in pdf.pages:
        assert [round(float(side), 1) for side in pdf_page.mediabox[2:]] == [round(s, 1) for s in A4_POINTS]
    tasks = [task.text for moment in content.moments for group in moment.tasks for task in group.items]
    tasks += [task.text for phase in content.phases for group in phase.tasks for task in group.items]
    missing = [task for task in tasks + [p.title for p in content.principles] if squeeze(task) not in text]
    assert missing == []


@pytest.mark.e2e
def test_on_the_print_sheets_help_and_why_are_at_least_11_points(live_server, browser):
    page = browser.new_page()
    page.goto(live_server.url + "/kaarten/print")
    page.emulate_media(media="print")
    sizes = page.evaluate("""() => [...document.querySelectorAll('.snijvak .kaartje-hulp li, .snijvak .waarom p')]
        .map(el => parseFloat(getComputedStyle(el).fontSize))""")
    page.close()
    assert sizes and min(sizes) >= 11 * 96 / 72 - 0.01, f"smallest help or why text: {min(sizes) * 72 / 96:.1f} pt"
