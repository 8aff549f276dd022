"""Typed text, cleaned in one place before the domain keeps it: control and format characters go (they
hide text, reverse it on screen, or reach a mail header raw), whitespace is made plain, and the length
is checked. Every field people type goes through here."""
import re
import unicodedata

from webapp.domain.refusals import RoomError

# Categories that print nothing a reader can see: controls (NUL, BEL, ESC, ...), format characters
# (zero-width joiners, right-to-left overrides, ...), and unassigned or private code points.
INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs"}
# What a mail program or a screen shows as a link, or what reads as one: a scheme, www., an e-mail address, or a
# domain name (a label, a dot, a top-level domain of letters: evil.example, t.co). Names go to other people's
# screens and into the invitation mail the school's server sends for a planner without an account.
LINK_LIKE = re.compile(r"://|www\.|[^\s@]@[^\s@]|[\w-]\.[^\W\d_]{2,}(?!\w)", re.IGNORECASE)


def _visible_only(raw: str, keep_newlines: bool) -> str:
    kept = []
    for char in raw:
        if keep_newlines and char == "\n":
            kept.append(char)
        elif unicodedata.category(char) in INVISIBLE:
            kept.append(" " if char in "\t\r\x0b\x0c" else "")
        else:
            kept.append(char)
    return "".join(kept)


def line(raw: str | None, limit: int, too_long: str) -> str:
    """One line of text (a name, an afspraak, an address): invisible characters out, spaces collapsed."""
    text = " ".join(_visible_only(raw or "", keep_newlines=False).split())
    if len(text) > limit:
        raise RoomError(too_long, 400)
    return text


def lines(raw: str | None, limit: int, too_long: str) -> str:
    """Text with line breaks (a note): invisible characters out, each line trimmed, no runs of blank lines."""
    text = _visible_only((raw or "").replace("\r\n", "\n"), keep_newlines=True)
    paragraphs = [" ".join(part.split()) for part in text.split("\n")]
    text = "\n".join(paragraphs).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    if len(text) > limit:
        raise RoomError(too_long, 400)
    return text


def refuse_links(text: str) -> str:
    """A name is a name: no web address or e-mail address in it, also not with look-alike dots (NFKC, ideographic
    full stop). "J.P. de Vries" passes; "J.P.de Vries" does not (the message says what to do)."""
    plain = unicodedata.normalize("NFKC", text).replace("\u3002", ".")
    if LINK_LIKE.search(plain):
        raise RoomError("Een naam kan geen webadres of e-mailadres zijn. Staat er een punt in de naam? "
                        "Zet er dan een spatie achter.", 400)
    return text


def has_letters_or_digits(text: str) -> bool:
    return any(unicodedata.category(char)[0] in "LN" for char in text)
