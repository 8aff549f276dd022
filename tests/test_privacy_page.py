"""/privacy: what Stagegesprek keeps about you, in B1 Dutch, one tap away from every page with a footer.

The text is held to the same measures as the content (tests/test_language.py, whose helpers it uses):
at most 15 words a sentence, at least 95% common Dutch words, Flesch-Douma 60 or more. Run with
`pytest -s tests/test_privacy_page.py` to see the figures.
"""
import re
from html.parser import HTMLParser

import pytest

from tests import test_language as b1
from tests.support.actions import start_room

BLOCKS = {"h1", "h2", "h3", "p", "li"}


class MainText(HTMLParser):
    """The text of every heading, paragraph and list item inside <main>, one string per block."""

    def __init__(self):
        super().__init__()
        self.in_main = False
        self.current: list[str] | None = None
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main = True
        elif self.in_main and tag in BLOCKS:
            self.current = []

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main = False
        elif self.current is not None and tag in BLOCKS:
            text = " ".join("".join(self.current).split())
            if text:
                self.texts.append(text)
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current.append(data)


def privacy_texts(client) -> list[str]:
    response = client.get("/privacy")
    assert response.status_code == 200
    parser = MainText()
    parser.feed(response.get_data(as_text=True))
    assert parser.texts, "the page has no text in <main>"
    return parser.texts


def test_the_privacy_page_answers_with_one_h1(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1
    assert '<html lang="nl">' in html


def test_the_privacy_page_is_linked_from_the_start_page_and_the_join_page(app, client):
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)
    code = start_room(app.test_client(), "Marieke", "stagedocent")
    join_page = client.get(f"/r/{code}")  # a browser that is not in the room gets the join form
    assert join_page.status_code == 200 and "Doe mee" in join_page.get_data(as_text=True)
    assert 'href="/privacy"' in join_page.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/uitgangspunten", "/kaarten", "/instructie", "/privacy", "/bestaat-niet"])
def test_every_page_with_a_footer_links_to_privacy(client, url):
    html = client.get(url).get_data(as_text=True)
    footer = html[html.index('<footer class="site-footer">'):]
    assert 'href="/privacy"' in footer


def test_the_page_says_what_is_kept_how_long_and_how_to_have_it_deleted(app, client):
    text = " ".join(privacy_texts(client))
    days = app.config["RETENTION_DAYS"]
    assert "We bewaren de gesprekken zo lang als de stage duurt." in text
    assert f"Is er {days} dagen niets gebeurd in de gesprekken van een stage?" in text
    assert f"Dan wissen we pas {days} dagen na de datum van dat gesprek." in text
    assert "De stagedocent kan het gesprek meteen wissen" in text
    for kept in ("voornaam", "rol", "afspraken", "notities", "opmerking", "e-mailadres", "verslag"):
        assert kept in text, kept
    assert "Je e-mailadres halen we weg als de mail is verstuurd." in text
    assert "geen reclame" in text and "andere websites" in text and "andere bedrijven" in text
    assert "cookie" in text


def test_the_page_says_what_mijn_gesprekken_keeps_and_why(app, client):
    """Only a code made from the address, while the series exists, so student, stagedocent and praktijkopleider
    find their conversations without a password; the verslag's link lasts until after the next conversation."""
    text = " ".join(privacy_texts(client))
    assert "Daarvoor bewaren we een code die we van je e-mailadres maken." in text
    assert "Het adres zelf bewaren we daarvoor niet." in text
    assert "De code blijft zo lang als de gesprekken van de stage." in text
    assert "Zo vinden de student, de stagedocent en de praktijkopleider hun gesprekken terug, zonder wachtwoord." \
        in text
    assert "Een praktijkopleider met een paar stagiairs ziet zo al hun stages." in text
    assert "De link naar het verslag in je mail werkt tot na het volgende gesprek." in text
    assert f"De link werkt {app.config['SIGN_IN_MINUTES']} minuten en één keer." in text


def test_the_page_speaks_to_you_as_je(client):
    """B1 for students: 'je', never the formal 'u'."""
    text = " ".join(privacy_texts(client)).lower()
    assert re.search(r"\bje\b", text)
    assert not re.search(r"\b(u|uw)\b", text)


def test_sentences_have_at_most_15_words(client):
    too_long = [s for text in privacy_texts(client) for s in b1.sentences(text)
                if len(b1.words(s)) > b1.MAX_WORDS_PER_SENTENCE]
    assert not too_long, f"sentences over {b1.MAX_WORDS_PER_SENTENCE} words: {too_long}"


def test_words_are_common_dutch_and_the_text_reads_easily(client):
    texts = privacy_texts(client)
    allowed = b1.allowlist()
    all_words = [word for text in texts for word in b1.words(text)]
    rare = sorted({word.lower() for word in all_words if not b1.is_common(word, allowed)})
    share = sum(b1.is_common(word, allowed) for word in all_words) / len(all_words)
    longest = max((s for text in texts for s in b1.sentences(text)), key=lambda s: len(b1.words(s)))
    score = b1.flesch_douma(texts)
    print(f"\nPrivacy: {len(texts)} teksten, {len(all_words)} woorden; "
          f"langste zin {len(b1.words(longest))} woorden: \"{longest}\"; "
          f"gewone woorden {share:.1%}; Flesch-Douma {score:.0f}; zeldzaam: {', '.join(rare) or '-'}")
    assert share >= b1.MIN_COMMON_SHARE, f"only {share:.1%} common words; rare: {rare}"
    assert score >= 60
