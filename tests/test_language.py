"""The content holds to language level B1, measured, not judged by taste.

Every card, help question and "waarom deze vraag", checklist item, phase instruction and task, uitgangspunt,
instructie step, and the explanation of the conversation and its three roles:
- at most 15 words per sentence;
- at least 95% of the words common Dutch: Zipf frequency >= 3 in wordfreq's Dutch list, or in the short
  reviewed allowlist content/b1-woorden.txt (words like praktijkopleider that everyone at the table knows).
Run with `pytest -s tests/test_language.py` to see the figures per part: the longest sentence, the share of
common words and the Flesch-Douma score (textstat with Dutch; 60-80 is fairly easy to easy).
"""
import re
from pathlib import Path

import pytest
import textstat
from wordfreq import zipf_frequency

from webapp.domain.content import Content, load_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"
ALLOWLIST = CONTENT_DIR / "b1-woorden.txt"

MAX_WORDS_PER_SENTENCE = 15
MIN_COMMON_SHARE = 0.95
COMMON_ZIPF = 3.0
MAX_ALLOWLIST = 20
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
SENTENCE_END = re.compile(r"(?<=[.?!])\s+")


def allowlist() -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in ALLOWLIST.read_text(encoding="utf-8").splitlines())
    return {line.lower() for line in lines if line}


def sentences(text: str) -> list[str]:
    return [part for part in SENTENCE_END.split(text.strip()) if part]


def words(text: str) -> list[str]:
    return WORD.findall(text)


def is_common(word: str, allowed: set[str]) -> bool:
    word = word.lower()
    return word in allowed or zipf_frequency(word, "nl") >= COMMON_ZIPF


def texts_by_part(content: Content) -> dict[str, list[str]]:
    """Every text a person reads, grouped as the figures are reported: one group per deck, each deck's
    "waarom deze vraag" texts, then the rest."""
    parts = {deck.label: [text for card in deck.cards for text in (card.question, *card.help)]
             for deck in content.decks}
    parts.update({f"{deck.label}: waarom": [card.why for card in deck.cards] for deck in content.decks})
    parts["Uitgangspunten"] = [text for p in content.principles for text in (p.title, p.text)]
    parts["Stappenplan"] = (
        [text for moment in content.moments
         for text in (moment.title, *(task.text for group in moment.tasks for task in group.items))]
        + [text for phase in content.phases
           for text in (phase.title, phase.instruction, *(task.text for group in phase.tasks for task in group.items))])
    parts["Instructie"] = [content.instruction_intro] + [text for way in content.ways
                                                         for text in (way.title, way.when, *way.steps)]
    # The other names of a role are shown as "Stagedocent: ook BPV-docent of BPV-begeleider genoemd."
    parts["Gesprek en rollen"] = [content.about] + [
        text for role in content.roles
        for text in (role.title, role.text, *([f"{role.title}: ook {role.also_called_text} genoemd."]
                                              if role.also_called else []))]
    return parts


def flesch_douma(texts: list[str]) -> float:
    textstat.set_lang("nl")
    try:
        # every text ends a sentence for the formula, also titles without a full stop
        return textstat.flesch_reading_ease(" ".join(t if t[-1] in ".?!" else t + "." for t in texts))
    finally:
        textstat.set_lang("en_US")


@pytest.fixture(scope="module")
def parts():
    return texts_by_part(load_content(CONTENT_DIR))


def test_sentences_have_at_most_15_words(parts):
    too_long = [(part, sentence) for part, texts in parts.items() for text in texts
                for sentence in sentences(text) if len(words(sentence)) > MAX_WORDS_PER_SENTENCE]
    assert not too_long, f"sentences over {MAX_WORDS_PER_SENTENCE} words: {too_long}"


def test_words_are_common_dutch(parts):
    allowed = allowlist()
    print()
    for part, texts in parts.items():
        all_words = [word for text in texts for word in words(text)]
        rare = sorted({word.lower() for word in all_words if not is_common(word, allowed)})
        share = sum(is_common(word, allowed) for word in all_words) / len(all_words)
        longest = max((s for text in texts for s in sentences(text)), key=lambda s: len(words(s)))
        print(f"{part}: {len(texts)} teksten, {len(all_words)} woorden; "
              f"langste zin {len(words(longest))} woorden: \"{longest}\"; "
              f"gewone woorden {share:.1%}; Flesch-Douma {flesch_douma(texts):.0f}; "
              f"zeldzaam: {', '.join(rare) or '-'}")
        assert share >= MIN_COMMON_SHARE, f"{part}: only {share:.1%} common words; rare: {rare}"


def test_readability_is_easy(parts):
    """Flesch-Douma 60 and up reads as fairly easy; the cards should stay there."""
    for part, texts in parts.items():
        assert flesch_douma(texts) >= 60, part


def test_allowlist_is_short_and_needed():
    """Each allowed word must be rare (else it needs no entry) and the list stays short enough to review."""
    allowed = allowlist()
    assert 0 < len(allowed) <= MAX_ALLOWLIST
    assert not [word for word in allowed if zipf_frequency(word, "nl") >= COMMON_ZIPF]
