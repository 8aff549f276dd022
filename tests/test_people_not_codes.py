"""People, not codes (issue 19, item 5, outside the room's live regions): who does an afspraak by name in the verslag,
its mail and its PDF; no version, hash or card id in people's sight (the version and the hash in the PDF's small
print and the record's data); the mail status one line per person, for the verslag only."""
from io import BytesIO

from pypdf import PdfReader

from tests.support.actions import agree, join, post_action, seat_three, start_room, state, text_of
from tests.support.stages import new_link, open_link, participant_ids, planned_room
from webapp.domain import outbox
from webapp.extensions import db
from webapp.models import OutboxMessage, Record, Room

AFSPRAAK = "Sanne vraagt elke vrijdag om feedback."
EMAILS = {"stagedocent": "marieke@school.example", "student": "sanne@student.example",
          "praktijkopleider": "kees@bakkerij.example"}


def _send(code, people, agreement_for=("student", "praktijkopleider")):
    post_action(people["stagedocent"], code, "/agreements",
                {"what": AFSPRAAK, "who": list(agreement_for), "when": "voor-volgend-gesprek"})
    assert post_action(people["stagedocent"], code, "/close").status_code == 200
    for role, client in people.items():
        assert agree(client, code, EMAILS[role]).status_code == 200
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200


def _pdf_text(client, code) -> str:
    response = client.get(f"/r/{code}/record.pdf")
    assert response.status_code == 200
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(response.data)).pages)


def test_the_verslag_its_mail_and_its_pdf_say_who_by_name(app):
    code, people = seat_three(app)
    _send(code, people)
    page = text_of(people["student"].get(f"/r/{code}/record").get_data(as_text=True))
    assert f"{AFSPRAAK} Wie: Sanne, Kees" in page
    assert "Wie: Student" not in page
    with app.app_context():
        mails = db.session.query(OutboxMessage).filter_by(kind=outbox.VERSLAG).all()
        assert len(mails) == 3
        for message in mails:
            assert "Wie: Sanne, Kees." in message.text_body
            assert "Wie: Sanne, Kees" in text_of(message.html_body)
    assert "Wie: Sanne, Kees" in _pdf_text(people["student"], code)


def test_an_afspraak_for_a_role_nobody_holds_says_the_role(app):
    docent, student = app.test_client(), app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    join(student, code, "Sanne", "student")
    post_action(docent, code, "/agreements", {"what": AFSPRAAK, "who": ["student", "praktijkopleider"],
                                              "when": "voor-volgend-gesprek"})
    post_action(docent, code, "/close")
    draft = text_of(docent.get(f"/r/{code}").get_data(as_text=True))
    assert "Wie: Sanne, Praktijkopleider" in draft


def test_no_version_hash_or_card_id_in_sight_but_the_pdf_keeps_them_in_small_print(app):
    code, people = seat_three(app)
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-03"})
    room_page = people["student"].get(f"/r/{code}").get_data(as_text=True)
    assert ">leren-03<" not in room_page  # the card on the table, without its id
    assert ">leren-03<" not in app.test_client().get("/kaarten").get_data(as_text=True)
    assert ">leren-03<" in app.test_client().get("/kaarten/print").get_data(as_text=True)  # to sort paper cards

    post_action(people["student"], code, "/cards/discussed")
    post_action(people["stagedocent"], code, "/close")
    version = state(people["student"], code)["verslag_version"]
    assert version not in people["student"].get(f"/r/{code}").get_data(as_text=True).replace(
        f'value="{version}"', "")  # only the Akkoord form carries it, unseen
    for role, client in people.items():
        agree(client, code, EMAILS[role])
    post_action(people["stagedocent"], code, "/finalize")
    with app.app_context():
        record = db.session.query(Record).one()
        content_hash = record.content_hash
        assert record.data["version"] == version  # kept in the record's data
        mails = db.session.query(OutboxMessage).filter_by(kind=outbox.VERSLAG).all()
        assert all(content_hash not in m.text_body + m.html_body and version not in m.text_body + m.html_body
                   for m in mails)
    page = people["student"].get(f"/r/{code}/record").get_data(as_text=True)
    assert content_hash not in page and f"Versie {version}" not in page
    small_print = _pdf_text(people["student"], code).replace(" ", "")
    assert content_hash in small_print and version in small_print


def test_the_mail_status_is_one_line_per_person_for_the_verslag_only(app):
    """A planned conversation mailed each person an invitation first; after sending, the status is about the
    verslag: each name once."""
    docent, student, opleider = app.test_client(), app.test_client(), app.test_client()
    code = planned_room(docent, **{"name-student": "Sanne", "email-student": EMAILS["student"],
                                   "name-praktijkopleider": "Kees",
                                   "email-praktijkopleider": EMAILS["praktijkopleider"]})
    ids = participant_ids(app, code)
    open_link(student, new_link(docent, code, ids["student"]), "Sanne")
    open_link(opleider, new_link(docent, code, ids["praktijkopleider"]), "Kees")
    assert post_action(docent, code, "/start").status_code == 200
    people = {"stagedocent": docent, "student": student, "praktijkopleider": opleider}
    _send(code, people)
    with app.app_context():
        room_id = db.session.query(Room).filter_by(code=code).one().id
        kinds = [m.kind for m in db.session.query(OutboxMessage).filter_by(room_id=room_id)]
    assert kinds.count(outbox.INVITATION) == 2 and kinds.count(outbox.VERSLAG) == 3
    status = text_of(docent.get(f"/r/{code}/mail").get_data(as_text=True))
    for name in ("Marieke", "Sanne", "Kees"):
        assert status.count(f"{name}:") == 1, status
