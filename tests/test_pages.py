"""The gesprekstool's pages: every card, principle, checklist item and way to use the cards is shown."""
import math
import re

import pytest
from flask import render_template
from markupsafe import escape

from webapp.domain.content import get_content
from webapp.views.pages import CARDS_PER_SHEET


@pytest.fixture
def content(app):
    with app.app_context():
        return get_content()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1, "one h1 per page"
    return html


def card_ids(html: str) -> list[str]:
    return re.findall(r'data-card-id="([^"]+)"', html)


@pytest.mark.parametrize("url", ["/kaarten", "/kaarten/print"])
def test_card_pages_render_every_card(client, content, url):
    html = page(client, url)
    assert card_ids(html) == [card.id for card in content.cards]
    for deck in content.decks:
        assert html.count(f"Set {deck.number} · {deck.title}") == len(deck.cards)
    for card in content.cards:
        assert escape(card.question) in html
        for question in card.help:
            assert escape(question) in html


def test_print_page_puts_cards_on_sheets(client, content):
    html = page(client, "/kaarten/print")
    sheets = sum(math.ceil(len(deck.cards) / CARDS_PER_SHEET) for deck in content.decks)
    assert html.count('<ul class="vel"') == sheets


def test_card_says_for_whom(client, content):
    html = page(client, "/kaarten")
    assert html.count("Voor de praktijkopleider") == sum(c.for_role == "praktijkopleider" for c in content.cards)
    assert html.count("Voor de student") == sum(c.for_role == "student" for c in content.cards)


def test_uitgangspunten_page_shows_principles_and_stappenplan(client, content):
    html = page(client, "/uitgangspunten")
    for principle in content.principles:
        assert escape(principle.title) in html and escape(principle.text) in html
    for moment in content.moments:
        assert moment.title in html
        for group in moment.tasks:
            for item in group.items:
                assert escape(item.text) in html


def test_instructie_page_shows_ways_and_phases(client, content):
    html = page(client, "/instructie")
    for way in content.ways:
        assert way.title in html and all(escape(step) in html for step in way.steps)
    for phase in content.phases:
        assert phase.title in html and escape(phase.instruction) in html
    assert 'href="/kaarten#set-leren"' in html


def test_card_partial_renders_as_a_fragment(app, content):
    """The room pushes a card as a fragment: the partial renders on its own with card and deck."""
    card = content.card("begeleiden-15")
    with app.test_request_context():
        html = render_template("macros/kaartje.html", card=card, deck=content.deck(card.deck))
    assert card_ids(html) == ["begeleiden-15"]
    assert "Set 2 · Begeleiden" in html and "Voor de student" in html
    assert all(escape(question) in html for question in card.help)


def test_pages_are_linked_from_the_nav(client):
    html = page(client, "/kaarten")
    for url in ("/uitgangspunten", "/kaarten", "/instructie", "/kaarten/print"):
        assert f'href="{url}"' in html
