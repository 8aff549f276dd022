"""Roles with rules, and input that cannot hide or fake anything: the findings of the security review,
each as the behaviour that now holds."""
from datetime import date

import pytest
from sqlalchemy import update

from tests.support.actions import join, post_action, seat_three, start_room, state
from webapp.clock import utcnow
from webapp.domain import meeting, rooms
from webapp.domain.refusals import RoomError
from webapp.domain.verslag import subject
from webapp.extensions import db
from webapp.models import Participant, Room


def names(client, code):
    return [(p["name"], p["role"]) for p in state(client, code)["participants"]]


def test_a_conversation_has_one_stagedocent_and_one_student_unless_the_docent_lets_one_more_in(app):
    docent, student = app.test_client(), app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    second_docent = join(app.test_client(), code, "Ghost", "stagedocent")
    assert second_docent.status_code == 409 and "Er is al een stagedocent" in second_docent.get_data(as_text=True)
    assert join(student, code, "Sanne", "student").status_code == 303
    assert join(app.test_client(), code, "Sem", "student").status_code == 409
    assert join(app.test_client(), code, "Kees", "praktijkopleider").status_code == 303
    assert state(docent, code)["locked"]

    post_action(docent, code, "/lock", {"locked": "0"})  # the docent lets one more in
    assert join(app.test_client(), code, "Sem", "student").status_code == 303
    assert state(docent, code)["locked"], "opening the room admits one person, then it locks again"
    assert join(app.test_client(), code, "Ilse", "praktijkopleider").status_code == 403
    assert names(docent, code) == [("Marieke", "stagedocent"), ("Sanne", "student"), ("Kees", "praktijkopleider"),
                                   ("Sem", "student")]


def test_nobody_takes_the_stagedocent_out(app):
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/lock", {"locked": "0"})
    second = app.test_client()
    assert join(second, code, "Ghost", "stagedocent").status_code == 303  # let in on purpose
    marieke = next(p for p in state(second, code)["participants"] if p["name"] == "Marieke")
    refused = post_action(second, code, f"/participants/{marieke['id']}/remove")
    assert refused.status_code == 403
    assert ("Marieke", "stagedocent") in names(second, code)


def test_a_removed_person_comes_back_only_when_the_docent_lets_them(app):
    code, people = seat_three(app)
    kees = next(p for p in state(people["stagedocent"], code)["participants"] if p["name"] == "Kees")
    post_action(people["stagedocent"], code, f"/participants/{kees['id']}/remove")
    post_action(people["stagedocent"], code, "/lock", {"locked": "0"})  # opened for someone else
    refused = join(people["praktijkopleider"], code, "Kees", "student")
    assert refused.status_code == 403 and "uit dit gesprek gehaald" in refused.get_data(as_text=True)
    assert "Kees" not in [name for name, _ in names(people["stagedocent"], code)]

    assert post_action(people["student"], code, f"/participants/{kees['id']}/readmit").status_code == 403
    assert post_action(people["stagedocent"], code, f"/participants/{kees['id']}/readmit").status_code == 200
    assert state(people["praktijkopleider"], code)["participants"][2]["name"] == "Kees"  # the same deelnemer


def test_a_change_from_someone_taken_out_while_it_was_on_its_way_changes_nothing(app):
    code, people = seat_three(app)
    with app.app_context():
        room = rooms.find_room(code)
        sanne = next(p for p in room.participants if p.name == "Sanne")  # her phase change has just arrived
        with db.engine.begin() as meanwhile:  # the stagedocent takes her out first (a change: the version rises)
            meanwhile.execute(update(Participant).where(Participant.id == sanne.id).values(removed_at=utcnow()))
            meanwhile.execute(update(Room).where(Room.id == room.id).values(version=Room.version + 1))
        with pytest.raises(RoomError) as refused:
            meeting.set_phase(room, sanne, "leren")
        assert refused.value.status == 403 and "uit dit gesprek gehaald" in refused.value.message
    assert state(people["stagedocent"], code)["phase"] != "leren"


def test_who_is_in_a_room_is_written_only_with_a_change_of_the_room(app):
    """A change trusts the people it read with the seat when nobody changed the room before its lock (the version
    moved by one); so a write of someone's row that does not raise the version is refused before it is written."""
    code, people = seat_three(app)
    with app.app_context():
        sanne = next(p for p in rooms.find_room(code).participants if p.name == "Sanne")
        sanne.remark = "Buiten rooms.change() om"
        with pytest.raises(RuntimeError, match="without rooms.change"):
            db.session.commit()
        db.session.rollback()
    with app.app_context():
        assert next(p for p in rooms.find_room(code).participants if p.name == "Sanne").remark == ""


def test_names_and_texts_lose_what_cannot_be_seen(app):
    client = app.test_client()
    code = start_room(client, "Sa\u200bnne\u202e\x00\x07\x1b", "student")
    assert names(client, code) == [("Sanne", "student")]
    for invisible in ("\u200b\u200d", "\u202e", "\x00\x07"):
        response = join(app.test_client(), code, invisible, "praktijkopleider")
        assert response.status_code == 400 and "Vul je voornaam in" in response.get_data(as_text=True)
    added = post_action(client, code, "/agreements", {"what": "Elke\u202e week\x1b feedback\u200b", "who": ["student"],
                                                      "when": "voor-volgend-gesprek"})
    assert added.status_code == 200
    assert state(client, code)["agreements"][0]["what"] == "Elke week feedback"
    data = {"participants": [{"name": "Sanne", "role": "student"}], "date": date.today().isoformat()}
    assert all(ord(char) >= 32 for char in subject(data))


def test_ids_and_dates_out_of_range_get_a_dutch_4xx(app):
    code, people = seat_three(app)
    for path in (f"/agreements/{2 ** 70}", f"/agreements/{2 ** 70}/delete", f"/agreements/{2 ** 70}/restore",
                 f"/participants/{2 ** 70}/remove"):
        response = post_action(people["stagedocent"], code, path, {"rev": "1"})
        assert response.status_code == 404, path
    post_action(people["stagedocent"], code, "/close")
    for day in ("9999-12-31", "0001-01-01"):
        response = post_action(people["stagedocent"], code, "/next-meeting", {"next_date": day})
        assert response.status_code == 400
    assert post_action(people["stagedocent"], code, "/finalize", {"force": "1"}).status_code == 200


def test_a_school_network_does_not_lock_out_its_own_people(app):
    """Many wrong codes from one address (a school) hold back the browsers that made them, not the others."""
    app.config.update(JOIN_RATE_LIMIT="5 per minute", JOIN_ADDRESS_LIMIT="200 per minute")
    docent = app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    classmates = [app.test_client() for _ in range(6)]
    for classmate in classmates:  # 30 wrong codes in all, more than any one browser may try
        statuses = [classmate.get(f"/r/ABCDEFG{c}").status_code for c in "23456"]
        assert statuses == [404] * 5
    assert classmates[0].get("/r/ABCDEFGH").status_code == 429  # a sixth try by the same browser
    newcomer = app.test_client()
    assert newcomer.get(f"/r/{code}").status_code == 200  # the right code, behind the same address
    assert join(newcomer, code, "Sanne", "student").status_code == 303
    assert all(docent.get(f"/r/{code}").status_code == 200 for _ in range(10))  # a deelnemer's own room


def test_guessing_with_fresh_browsers_runs_into_the_address_budget(app):
    app.config.update(JOIN_RATE_LIMIT="5 per minute", JOIN_ADDRESS_LIMIT="8 per minute")
    statuses = [app.test_client().get(f"/r/ABCDEFG{c}").status_code for c in "23456789"]
    assert statuses == [404] * 8
    assert app.test_client().get("/r/ABCDEFGH").status_code == 429
