"""A change while closing takes the Akkoorden back and the draft marks what changed since the text everyone had
agreed to, line by line, in words and with struck and new text (issue 19); once everyone who had agreed agreed
again, and in the sent verslag, its mail and its PDF, nothing is marked."""
from datetime import date, timedelta
from io import BytesIO

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from tests.support.actions import agree, post_action, seat_three, state, text_of
from webapp.domain import outbox
from webapp.domain.dates import dutch_date
from webapp.extensions import db, socketio
from webapp.models import OutboxMessage, Room

FEEDBACK = "Sanne vraagt elke vrijdag om feedback."
KASSA = "Sanne oefent met de kassa."
MARKS = ("Nieuw:", "Was:", "Nu:", "Weggehaald:", "<del>", "<ins>")


@pytest.fixture
def closing(app):
    """Three at the table with two afspraken and a card with a note; Marieke starts closing."""
    code, people = seat_three(app)
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-03"})
    post_action(people["praktijkopleider"], code, "/cards/leren-03/note", {"note": "Zelf de kassa gedaan.", "rev": "0"})
    post_action(people["student"], code, "/cards/discussed")
    for what in (FEEDBACK, KASSA):
        post_action(people["stagedocent"], code, "/agreements",
                    {"what": what, "who": ["student"], "when": "voor-volgend-gesprek"})
    assert post_action(people["stagedocent"], code, "/close").status_code == 200
    return code, people


def draft(client, code) -> BeautifulSoup:
    """The draft verslag as this phone's fresh load shows it."""
    page = BeautifulSoup(client.get(f"/r/{code}").get_data(as_text=True), "html.parser")
    return page.find(id="verslag").find(class_="concept")


def afspraak(client, code, n: int) -> dict:
    return state(client, code)["agreements"][n]


def edit(client, code, n, what, who=("student",)):
    a = afspraak(client, code, n)
    response = post_action(client, code, f"/agreements/{a['id']}",
                           {"what": what, "who": list(who), "when": "voor-volgend-gesprek", "rev": a["rev"]})
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_changed_afspraak_shows_its_old_text_struck_and_its_new_text_on_every_phone(app, closing):
    code, people = closing
    listener = socketio.test_client(app, flask_test_client=people["student"])
    listener.emit("join", {"code": code, "version": state(people["student"], code)["version"]})
    agree(people["student"], code)
    agree(people["stagedocent"], code)
    listener.get_received()

    edit(people["praktijkopleider"], code, 0, "Sanne vraagt elke vrijdag aan Kees om feedback.")

    assert not any(p["agreed"] for p in state(people["student"], code)["participants"])
    for client in people.values():
        shown = draft(client, code)
        assert [text_of(str(d)) for d in shown.find_all("del")] == [f"{FEEDBACK} Wie: Sanne · Wanneer: Voor het "
                                                                    "volgende gesprek"]
        assert "Sanne vraagt elke vrijdag aan Kees om feedback." in text_of(str(shown.find("ins")))
        assert f"Was: {FEEDBACK}" in text_of(str(shown))
        assert "Nu: Sanne vraagt elke vrijdag aan Kees" in text_of(str(shown))
        assert shown.find(string=lambda s: KASSA in s).find_parent("del") is None  # unchanged: not marked
    pushed = [e["args"][0] for e in listener.get_received() if e["name"] == "update"][-1]["fragments"]["verslag"]
    assert f"<del><strong>{FEEDBACK}</strong>" in pushed  # the push marks it as a fresh load does
    listener.disconnect()


def test_after_everyone_agreed_again_nothing_is_marked(closing):
    code, people = closing
    agree(people["student"], code)
    edit(people["praktijkopleider"], code, 0, "Sanne vraagt elke maandag om feedback.")
    assert "<del>" in str(draft(people["stagedocent"], code))
    for client in people.values():
        assert agree(client, code).status_code == 200
    for client in people.values():
        shown = str(draft(client, code))
        assert not any(mark in shown for mark in MARKS)


def test_the_marks_stay_until_everyone_who_had_agreed_agreed_again(closing):
    """Sanne agrees to the new text first; Marieke, who agreed to the old one, still sees what changed."""
    code, people = closing
    agree(people["student"], code)
    agree(people["stagedocent"], code)
    edit(people["praktijkopleider"], code, 0, "Sanne vraagt elke maandag om feedback.")

    agree(people["student"], code)
    for client in people.values():
        assert f"Was: {FEEDBACK}" in text_of(str(draft(client, code)))
    agree(people["stagedocent"], code)
    for client in people.values():
        assert not any(mark in str(draft(client, code)) for mark in MARKS)


def test_added_removed_and_changed_lines_are_each_marked(app, closing):
    """A new afspraak, the next conversation's date, a card's note and who was there; then, after an Akkoord, an
    afspraak taken away (the one after it moved up, unchanged: not marked)."""
    code, people = closing
    agree(people["student"], code)
    docent = people["stagedocent"]
    first = date.today() + timedelta(days=14)
    post_action(docent, code, "/next-meeting", {"next_date": first.isoformat(), "next_time": "14:30"})
    agree(people["student"], code)  # the text with the date is the one agreed to

    post_action(people["student"], code, "/agreements",
                {"what": "Kees laat Sanne meelopen.", "who": ["praktijkopleider"], "when": "bij-volgend-gesprek"})
    second = date.today() + timedelta(days=21)
    post_action(docent, code, "/next-meeting", {"next_date": second.isoformat(), "next_time": "10:00"})
    post_action(people["praktijkopleider"], code, "/cards/leren-03/note",
                {"note": "Zelf de kassa en de retouren gedaan.", "rev": "1"})
    with app.app_context():
        kees = next(p for p in db.session.query(Room).filter_by(code=code).one().participants if p.name == "Kees")
        kees_id = kees.id
    assert post_action(docent, code, f"/participants/{kees_id}/remove").status_code == 200

    shown = text_of(str(draft(docent, code)))
    assert "Wat veranderde na het laatste akkoord, staat erbij" in shown
    assert "Nieuw: Kees laat Sanne meelopen. Wie: Praktijkopleider · Wanneer: Bij het volgende gesprek" in shown
    assert f"Afspraken {FEEDBACK} Wie: Sanne · Wanneer: Voor het volgende gesprek {KASSA}" in shown  # as they were
    assert (f"Volgend gesprek Was: {dutch_date(first)} om 14:30 uur Nu: {dutch_date(second)} om 10:00 uur"
            in shown)
    assert "Was: Zelf de kassa gedaan. Nu: Zelf de kassa en de retouren gedaan." in shown
    assert "Weggehaald: Kees, praktijkopleider" in shown

    agree(people["student"], code)
    feedback = afspraak(docent, code, 0)
    post_action(docent, code, f"/agreements/{feedback['id']}/delete", {"rev": feedback["rev"]})
    shown = text_of(str(draft(docent, code)))
    assert (f"Afspraken {KASSA} Wie: Sanne · Wanneer: Voor het volgende gesprek Kees laat Sanne meelopen. "
            f"Wie: Praktijkopleider · Wanneer: Bij het volgende gesprek Weggehaald: {FEEDBACK} Wie: Sanne") in shown
    assert not any(mark in shown for mark in ("Nieuw:", "Was:"))


def test_closing_anew_marks_nothing_from_the_draft_before(closing):
    code, people = closing
    agree(people["student"], code)
    edit(people["praktijkopleider"], code, 0, "Sanne vraagt elke maandag om feedback.")
    assert "<del>" in str(draft(people["student"], code))
    post_action(people["stagedocent"], code, "/reopen")
    post_action(people["stagedocent"], code, "/close")
    assert not any(mark in str(draft(people["student"], code)) for mark in MARKS)


def test_the_sent_verslag_its_mail_and_its_pdf_mark_nothing(app, closing):
    """Sent right after a change took the Akkoorden back: the draft marked it, the verslag does not."""
    code, people = closing
    for client in people.values():
        agree(client, code, "iemand@example.nl")
    edit(people["praktijkopleider"], code, 0, "Sanne vraagt elke maandag om feedback.")
    assert "<del>" in str(draft(people["student"], code))
    assert post_action(people["stagedocent"], code, "/finalize", {"force": "1"}).status_code == 200

    record = people["student"].get(f"/r/{code}/record").get_data(as_text=True)
    assert "Sanne vraagt elke maandag om feedback." in record
    assert not any(mark in record for mark in MARKS) and FEEDBACK not in record
    pdf = " ".join(page.extract_text() for page in PdfReader(
        BytesIO(people["student"].get(f"/r/{code}/record.pdf").data)).pages)
    assert FEEDBACK not in " ".join(pdf.split()) and "Was:" not in pdf
    with app.app_context():
        mails = db.session.query(OutboxMessage).filter_by(kind=outbox.VERSLAG).all()
        assert mails and all(FEEDBACK not in m.html_body + m.text_body and "<del>" not in m.html_body
                             for m in mails)
        assert db.session.query(Room).filter_by(code=code).one().agreed_text is None  # kept no longer than needed
