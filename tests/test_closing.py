"""Closing: the docent closes, all three agree, the docent sends; the verslag is frozen and the room read-only."""
import hashlib
import json
from datetime import date, timedelta

import pytest

from tests.support.actions import agree, post_action, seat_three, state, text_of
from tests.support.mail import EMAILS
from webapp.extensions import socketio


@pytest.fixture
def table(app):
    code, people = seat_three(app)
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-03"})
    post_action(people["praktijkopleider"], code, "/cards/leren-03/note", {"note": "Zelf de kassa gedaan.", "rev": "0"})
    post_action(people["student"], code, "/cards/discussed")
    post_action(people["stagedocent"], code, "/agreements",
                {"what": "Sanne vraagt elke vrijdag om feedback.", "who": ["student"], "when": "voor-volgend-gesprek"})
    return code, people


def agree_all(code, people):
    for role, client in people.items():
        response = agree(client, code, EMAILS[role])
        assert response.status_code == 200, response.get_data(as_text=True)


def test_only_the_docent_closes_and_then_every_phone_shows_the_draft(app, table):
    code, people = table
    listener = socketio.test_client(app, flask_test_client=people["praktijkopleider"])
    listener.emit("join", {"code": code, "version": 0})
    listener.get_received()
    assert post_action(people["student"], code, "/close").status_code == 403
    assert post_action(people["stagedocent"], code, "/close").status_code == 200
    assert state(people["student"], code)["status"] == "closing"
    draft = [e["args"][0] for e in listener.get_received() if e["name"] == "update"][-1]["fragments"]["verslag"]
    text = text_of(draft)
    for expected in ("Sanne vraagt elke vrijdag om feedback.", "Zelf de kassa gedaan.", "Marieke", "Kees",
                     "nog geen akkoord"):
        assert expected in text
    assert "@" not in draft  # nobody's address goes to the others
    listener.disconnect()


def test_the_akkoord_form_shows_an_address_only_to_its_owner(table):
    code, people = table
    post_action(people["stagedocent"], code, "/close")
    agree(people["student"], code, EMAILS["student"], "Fijn gesprek")
    assert EMAILS["student"] in people["student"].get(f"/r/{code}").get_data(as_text=True)
    assert EMAILS["student"] not in people["stagedocent"].get(f"/r/{code}").get_data(as_text=True)
    assert EMAILS["student"] not in json.dumps(state(people["stagedocent"], code))


def test_a_bad_address_gets_a_clear_message(table):
    code, people = table
    post_action(people["stagedocent"], code, "/close")
    response = agree(people["student"], code, "sanne at school")
    assert response.status_code == 400 and "e-mailadres klopt niet" in response.get_data(as_text=True)


def test_a_change_while_closing_resets_the_akkoord_given(table):
    code, people = table
    post_action(people["stagedocent"], code, "/close")
    agree_all(code, people)
    assert all(p["agreed"] for p in state(people["student"], code)["participants"])
    agreement = state(people["student"], code)["agreements"][0]
    response = post_action(people["praktijkopleider"], code, f"/agreements/{agreement['id']}",
                           {"what": "Sanne vraagt elke vrijdag om feedback aan Kees.", "who": ["student"],
                            "when": "voor-volgend-gesprek", "rev": agreement["rev"]})
    assert response.status_code == 200
    assert not any(p["agreed"] for p in state(people["student"], code)["participants"])
    page = text_of(people["student"].get(f"/r/{code}").get_data(as_text=True))
    assert page.count("nog geen akkoord op de nieuwe tekst") == 3
    assert "Het verslag is veranderd nadat je akkoord gaf" in page
    assert "Iedereen gaf akkoord" not in text_of(people["stagedocent"].get(f"/r/{code}").get_data(as_text=True))


def test_an_akkoord_on_a_draft_that_changed_meanwhile_is_refused(table):
    code, people = table
    post_action(people["stagedocent"], code, "/close")
    shown = state(people["student"], code)["verslag_version"]  # the draft on Sanne's phone
    agreement = state(people["student"], code)["agreements"][0]
    post_action(people["praktijkopleider"], code, f"/agreements/{agreement['id']}",
                {"what": "Sanne vraagt elke dag om feedback.", "who": ["student"], "when": "voor-volgend-gesprek",
                 "rev": agreement["rev"]})

    refused = post_action(people["student"], code, "/confirm", {"email": EMAILS["student"], "draft": shown})
    assert refused.status_code == 409
    answer = text_of(refused.get_data(as_text=True))
    assert "Het verslag is net veranderd" in answer
    assert "Sanne vraagt elke dag om feedback." in answer  # the new text is in view
    assert not any(p["agreed"] for p in state(people["student"], code)["participants"])

    assert agree(people["student"], code, EMAILS["student"]).status_code == 200
    for role in ("stagedocent", "praktijkopleider"):
        agree(people[role], code, EMAILS[role])
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200
    from io import BytesIO

    from pypdf import PdfReader

    version = state(people["student"], code)["verslag_version"]
    pdf = people["student"].get(f"/r/{code}/record.pdf").data
    assert version in " ".join(PdfReader(BytesIO(pdf)).pages[0].extract_text().split())  # in the small print


def test_sending_before_everyone_agreed_needs_the_warning(table):
    code, people = table
    post_action(people["stagedocent"], code, "/close")
    agree(people["student"], code, EMAILS["student"])
    refused = post_action(people["stagedocent"], code, "/finalize")
    assert refused.status_code == 409
    assert "Nog niet iedereen gaf akkoord: Marieke, Kees" in refused.get_data(as_text=True)
    assert state(people["student"], code)["status"] == "closing"
    assert post_action(people["stagedocent"], code, "/finalize", {"force": "1"}).status_code == 200
    record = text_of(people["student"].get(f"/r/{code}/record").get_data(as_text=True))
    assert "Sanne, student: akkoord" in record
    assert "Kees, praktijkopleider: niet akkoord gegeven" in record


def test_the_sent_verslag_is_frozen_with_its_hash_and_the_room_is_read_only(app, table):
    code, people = table
    post_action(people["stagedocent"], code, "/close")
    next_day = (date.today() + timedelta(days=21)).isoformat()
    planned = post_action(people["stagedocent"], code, "/next-meeting", {"next_date": next_day, "next_time": "14:30"})
    assert planned.status_code == 200
    agree_all(code, people)
    assert post_action(people["student"], code, "/finalize").status_code == 403
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200
    assert state(people["student"], code)["status"] == "closed"

    page = people["praktijkopleider"].get(f"/r/{code}/record").get_data(as_text=True)
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Record
        record = db.session.query(Record).one()
        assert record.content_hash == hashlib.sha256(record.body.encode()).hexdigest()
        assert record.content_hash not in page  # out of sight: in the PDF's small print (below)
    assert "14:30" in page and "Sanne vraagt elke vrijdag om feedback." in page
    assert app.test_client().get(f"/r/{code}/record").status_code == 404

    for role, path, data in [
        ("praktijkopleider", "/agreements", {"what": "Nog een", "who": ["student"], "when": "voor-volgend-gesprek"}),
        ("stagedocent", "/close", {}), ("stagedocent", "/finalize", {"force": "1"}),
        ("student", "/confirm", {"email": EMAILS["student"]}), ("stagedocent", "/reopen", {}),
        ("stagedocent", "/next-meeting", {"next_date": next_day}),
    ]:
        response = post_action(people[role], code, path, data)
        assert response.status_code in (403, 409), (path, response.status_code)
        assert "afgerond" in response.get_data(as_text=True)
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Record
        assert db.session.query(Record).one().body == record.body


def test_the_record_waits_until_it_is_sent(table):
    code, people = table
    response = people["student"].get(f"/r/{code}/record")
    assert response.status_code == 409 and "nog geen verslag" in response.get_data(as_text=True)


def test_a_vervolggesprek_opens_with_the_previous_afspraken_and_links_back(app, table):
    code, people = table
    post_action(people["stagedocent"], code, "/close")
    agree_all(code, people)
    post_action(people["stagedocent"], code, "/finalize")
    assert post_action(people["praktijkopleider"], code, "/follow-up").status_code == 403
    response = post_action(people["student"], code, "/follow-up")
    new_code = response.headers["HX-Redirect"].rsplit("/", 1)[-1]
    assert new_code != code
    page = people["student"].get(f"/r/{new_code}").get_data(as_text=True)
    text = text_of(page)
    assert "Terugblik" in text and "Sanne vraagt elke vrijdag om feedback." in text
    assert f'href="/r/{code}/record"' in page
    assert state(people["student"], new_code)["status"] == "open"
    assert [state(people["student"], c)["stage_moment"] for c in (code, new_code)] == ["start", "midden"]
    # the others find the new room from the old one, and join it
    old = people["praktijkopleider"].get(f"/r/{code}").get_data(as_text=True)
    assert f'href="/r/{new_code}"' in old
    again = post_action(people["student"], code, "/follow-up")  # one next conversation: the same one again
    assert again.status_code == 200 and again.headers["HX-Redirect"] == f"/r/{new_code}"


def test_the_verslag_downloads_as_a_pdf_for_participants_only(app, table):
    from io import BytesIO

    from pypdf import PdfReader

    code, people = table
    post_action(people["stagedocent"], code, "/close")
    agree_all(code, people)
    post_action(people["stagedocent"], code, "/finalize")
    response = people["student"].get(f"/r/{code}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    assert len(reader.pages) == 1
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4, in points
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Sanne vraagt elke vrijdag om feedback." in text and "Zelf de kassa gedaan." in text
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Record
        assert db.session.query(Record).one().content_hash in text.replace(" ", "")
    assert app.test_client().get(f"/r/{code}/record.pdf").status_code == 404
