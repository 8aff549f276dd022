"""The gesprekstool's pages: every card, principle, checklist item and way to use the cards is shown."""
import math
import re

import pytest
from flask import render_template
from markupsafe import escape

from webapp.domain.content import get_content
from webapp.domain.roles import LABELS
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


def in_use(content):
    return [card for deck in content.decks for card in deck.in_use]


def between(html: str, start: str, end: str | None = None) -> str:
    """The part of the page from `start` up to `end` (or the end of the page)."""
    begin = html.index(start)
    return html[begin:html.index(end, begin) if end else len(html)]


@pytest.mark.parametrize("url", ["/kaarten", "/kaarten/print"])
def test_card_pages_render_every_card_in_use(client, content, url):
    html = page(client, url)
    assert card_ids(html) == [card.id for card in in_use(content)]
    for deck in content.decks:
        assert html.count(f"Set {deck.number} · {deck.title}") == len(deck.in_use)
    for card in in_use(content):
        assert escape(card.question) in html and escape(card.why) in html
        for question in card.help:
            assert escape(question) in html


@pytest.mark.parametrize("url", ["/kaarten", "/kaarten/print"])
def test_a_retired_card_is_not_offered(client, content, url):
    retired = content.card("begeleiden-17")
    html = page(client, url)
    assert retired.retired and retired.id not in card_ids(html) and escape(retired.question) not in html


def test_why_is_shown_on_request_and_printed_open(client, content):
    on_screen = page(client, "/kaarten")
    printed = page(client, "/kaarten/print")
    count = len(in_use(content))
    assert on_screen.count('<details class="waarom">') == count
    assert printed.count('<details class="waarom" open>') == count
    assert on_screen.count("<summary>Waarom deze vraag?</summary>") == count


def test_private_cards_are_marked(client, content):
    html = page(client, "/kaarten")
    private = [card for card in in_use(content) if card.private]
    assert private and html.count('<p class="kaartje-alleen">Alleen met de stagedocent</p>') == len(private)
    for card in private:
        article = between(html, f'data-card-id="{card.id}"', "</article>")
        assert "Alleen met de stagedocent" in article


def test_print_page_puts_cards_on_sheets(client, content):
    html = page(client, "/kaarten/print")
    sheets = sum(math.ceil(len(deck.in_use) / CARDS_PER_SHEET) for deck in content.decks)
    assert html.count('<ul class="vel"') == sheets


def test_card_says_for_whom(client, content):
    html = page(client, "/kaarten")
    cards = in_use(content)
    assert html.count("Voor de praktijkopleider") == sum(c.for_role == "praktijkopleider" for c in cards)
    assert html.count("Voor de student") == sum(c.for_role == "student" for c in cards)


def test_uitgangspunten_page_shows_principles_and_who_sits_at_the_table(client, content):
    html = page(client, "/uitgangspunten")
    for principle in content.principles:
        assert escape(principle.title) in html and escape(principle.text) in html
    assert escape(content.about) in html
    for role in content.roles:
        assert escape(role.text) in html and all(name in html for name in role.also_called)


def test_uitgangspunten_page_shows_the_stappenplan_voor_tijdens_na_per_role(client, content):
    html = page(client, "/uitgangspunten")
    parts = {"voor": between(html, 'id="voor"', 'id="tijdens"'), "tijdens": between(html, 'id="tijdens"', 'id="na"'),
             "na": between(html, 'id="na"')}
    for moment in content.moments:
        part = parts[moment.id]
        assert moment.title in part
        for group in moment.tasks:
            tasks = between(part, f"<h4>{LABELS[group.role]}</h4>", "</ul>")
            assert re.findall(r"<li>([^<]+?)(?: <span|</li>)", tasks) == [str(escape(t.text)) for t in group.items]
    for phase, following in zip(content.phases, (*content.phases[1:], None)):
        part = between(parts["tijdens"], f'id="tijdens-{phase.id}"',
                       f'id="tijdens-{following.id}"' if following else None)
        assert phase.title in part and f"({phase.minutes} minuten)" in part and escape(phase.instruction) in part
        for group in phase.tasks:
            tasks = between(part, f"<dt>{LABELS[group.role]}</dt>", "</dd>")
            assert all(escape(task.text) in tasks for task in group.items), (phase.id, group.role)
    followup_only = between(parts["voor"], "Lees de afspraken van het vorige gesprek nog eens.", "</li>")
    assert "(alleen in een vervolggesprek)" in followup_only


def test_uitgangspunten_page_prints_on_a4_without_the_app_around_it(client):
    html = page(client, "/uitgangspunten")
    assert '<div class="afdrukbaar">' in html
    css = client.get("/static/app.css").get_data(as_text=True)
    printed = css[css.index("/* ---- Content pages and print"):]
    assert "@page plan { size: A4 portrait;" in printed and ".afdrukbaar { page: plan;" in printed
    assert "body:has(.afdrukbaar) .site-header, body:has(.afdrukbaar) .site-footer" in printed


def test_printed_help_text_is_at_least_11_pt(client):
    css = client.get("/static/app.css").get_data(as_text=True)
    printed = css[css.index("/* ---- Content pages and print"):]
    rule = re.search(r"\.vel \.snijvak \.kaartje-hulp, \.vel \.snijvak \.waarom \{ font-size: ([\d.]+)pt", printed)
    assert rule and float(rule.group(1)) >= 11


def test_role_choice_explains_the_other_names_once(client, content):
    html = page(client, "/")
    assert html.count("Stagedocent: ook BPV-docent, BPV-begeleider of BPV-consulent genoemd.") == 1
    assert html.count("Praktijkopleider: ook werkbegeleider of praktijkbegeleider genoemd.") == 1
    assert 'aria-describedby="start-rol-namen"' in html


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
    assert f'<details class="waarom">\n    <summary>Waarom deze vraag?</summary>\n    <p>{escape(card.why)}</p>' in html
    assert "Alleen met de stagedocent" not in html


def test_private_card_partial_says_so(app, content):
    card = content.card("leren-18")
    with app.test_request_context():
        html = render_template("macros/kaartje.html", card=card, deck=content.deck(card.deck))
    assert card.private and "Alleen met de stagedocent" in html


def test_pages_are_linked_from_the_nav(client):
    html = page(client, "/kaarten")
    for url in ("/uitgangspunten", "/kaarten", "/instructie", "/kaarten/print"):
        assert f'href="{url}"' in html
