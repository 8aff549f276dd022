"""A seat is one person, and a stage is decided by its seats (issue 18): a role comes from the seat or the
membership, never from a form; membership of a stage comes from proof and ends with the seat; a personal link
binds one browser, and only the person or the stagedocent makes a new one for a place someone holds."""
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.support.actions import agree, join, post_action, state, text_of
from tests.support.app import csrf_from
from tests.support.stages import (
    MARIEKE,
    SANNE,
    WELCOME_LINK,
    ask_link,
    conversation,
    invitation_link,
    new_link,
    open_link,
    participant_ids,
    planned_room,
    queued_link,
    signed_in,
    stages_of,
)
from webapp.extensions import db, socketio
from webapp.models import OutboxMessage, Participant, Room

LATER = (date.today() + timedelta(days=40)).isoformat()


def seat_of(app, client, code) -> Participant | None:
    """The place this browser holds in the room, as its cookie says."""
    with client.session_transaction() as cookie:
        token = cookie.get("rooms", {}).get(code)
    with app.app_context():
        return db.session.scalar(select(Participant).join(Room).where(Room.code == code, Participant.token == token))


def series_id_of(app, code) -> int:
    with app.app_context():
        return db.session.scalar(select(Room.series_id).where(Room.code == code))


def rooms_in_series(app, series_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Room).where(Room.series_id == series_id))


def plan_next(client, series_id, **fields):
    """The planning form of a stage's next conversation, from Mijn gesprekken."""
    form = client.get(f"/plannen?serie={series_id}").get_data(as_text=True)
    data = {"serie": series_id, "date": LATER, "time": "10:00", "moment": "midden", "name-stagedocent": "Marieke",
            "name-student": "Sanne", "name-praktijkopleider": "Kees", "csrf_token": csrf_from(form), **fields}
    return client.post("/plannen", data=data)


def code_of(response) -> str:
    assert response.status_code == 303, text_of(response.get_data(as_text=True))
    return response.location.split("/r/")[1].split("#")[0]


def test_planning_in_a_stage_takes_the_role_from_the_stage_not_from_the_form(app):
    """Sanne, the student, signs in and plans the next conversation saying she is the stagedocent: she gets her
    own place, the student's, and cannot end the stage."""
    marieke = app.test_client()
    first, _ = conversation(app, marieke, "Sanne", MARIEKE, SANNE)
    series_id = series_id_of(app, first)
    laptop = signed_in(app, app.test_client(), SANNE)
    form = text_of(laptop.get(f"/plannen?serie={series_id}").get_data(as_text=True))
    assert "Jij bent de student in deze stage." in form and "Wie ben jij?" not in form

    code = code_of(plan_next(laptop, series_id, role="stagedocent", **{"name-student": "Sanne"}))
    assert seat_of(app, laptop, code).role == "student"
    refused = post_action(laptop, code, "/delete-series")
    assert refused.status_code == 403 and rooms_in_series(app, series_id) == 2


def test_a_student_cannot_mail_herself_the_stagedocents_place_in_the_next_conversation(app):
    marieke = app.test_client()
    first, _ = conversation(app, marieke, "Sanne", MARIEKE, SANNE)
    series_id = series_id_of(app, first)
    laptop = signed_in(app, app.test_client(), SANNE)

    own = plan_next(laptop, series_id, **{"email-stagedocent": "sanne.prive@student.example"})
    said = text_of(own.get_data(as_text=True))
    assert own.status_code == 400 and "Dit is niet het adres dat Marieke in deze stage gebruikt" in said
    assert 'value="sanne.prive@student.example"' in own.get_data(as_text=True)  # kept, to correct

    code = code_of(plan_next(laptop, series_id, **{"email-stagedocent": "Marieke@School.example"}))
    assert WELCOME_LINK.search(invitation_link(app, "Marieke@School.example"))  # her own address: she gets her link
    # The place is Marieke's: Sanne makes no link for it; Marieke's phone comes in with one tap.
    docent_place = participant_ids(app, code)["stagedocent"]
    refused = post_action(laptop, code, f"/participants/{docent_place}/link")
    assert refused.status_code == 403 and "Alleen Marieke zelf of de stagedocent" in refused.get_data(as_text=True)
    assert post_action(marieke, code, "/verder").status_code in (200, 303)
    assert seat_of(app, marieke, code).role == "stagedocent"


def test_an_address_typed_for_someone_else_is_no_membership_until_they_take_up_their_link(app):
    student = app.test_client()
    code = planned_room(student, role="student", **{"name-student": "Sanne", "name-stagedocent": "",
                                                    "email-stagedocent": MARIEKE})
    ask_link(app.test_client(), MARIEKE)
    assert queued_link(app, MARIEKE) is None  # Sanne typed it: that proves nothing of Marieke's

    assert open_link(app.test_client(), invitation_link(app, MARIEKE), "Marieke").status_code == 303
    overview = text_of(stages_of(signed_in(app, app.test_client(), MARIEKE)))
    assert "Stage van Sanne" in overview and "Jij bent hier de stagedocent." in overview
    assert code in overview or "gepland" in overview


def test_someone_taken_out_loses_the_stage_in_mijn_gesprekken(app):
    """Marieke mistyped Sanne's address: a stranger gets the mail, takes the place, and for now the stage is in
    their Mijn gesprekken. Marieke takes them out: the stage is gone from it."""
    marieke, stranger = app.test_client(), app.test_client()
    typo = "sane@student.example"
    code = planned_room(marieke, **{"name-student": "Sanne", "email-student": typo})
    assert open_link(stranger, invitation_link(app, typo), "Sane").status_code == 303
    laptop = signed_in(app, app.test_client(), typo)
    assert "Stage van Sane" in text_of(stages_of(laptop))

    removed = post_action(marieke, code, f"/participants/{participant_ids(app, code)['student']}/remove")
    assert removed.status_code == 200
    assert "Stage van Sane" not in text_of(stages_of(laptop))
    ask_link(app.test_client(), typo)
    with app.app_context():
        asked = db.session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.recipient == typo, OutboxMessage.kind == "sign_in")).all()
    assert len(asked) == 1  # the one before the removal; none after


def test_a_link_binds_one_browser_and_the_one_before_is_told(app):
    marieke, kees_phone, forwarded = app.test_client(), app.test_client(), app.test_client()
    code = planned_room(marieke, **{"email-praktijkopleider": "kees@bedrijf.example"})
    link = invitation_link(app, "kees@bedrijf.example")
    assert open_link(kees_phone, link, "Kees").status_code == 303
    listener = socketio.test_client(app, flask_test_client=kees_phone)
    listener.emit("join", {"code": code, "version": 0})
    listener.get_received()

    assert post_action(marieke, code, "/start").status_code == 200
    assert post_action(marieke, code, "/close").status_code == 200
    assert agree(kees_phone, code, "kees.thuis@example.nl").status_code == 200

    assert open_link(forwarded, link, "Kees").status_code == 303  # the same link, in a second browser
    assert not listener.is_connected()  # its socket is closed, after the word to reload
    assert state(forwarded, code)["status"] == "closing"
    assert "kees.thuis@example.nl" not in forwarded.get(f"/r/{code}").get_data(as_text=True)
    assert [p["agreed"] for p in state(marieke, code)["participants"] if p["role"] == "praktijkopleider"] == [False]
    assert kees_phone.get(f"/r/{code}/state.json").status_code == 404
    told = text_of(kees_phone.get(f"/r/{code}").get_data(as_text=True))
    assert "Jouw plek in dit gesprek is op een ander apparaat geopend" in told


def test_only_the_person_or_the_stagedocent_makes_a_new_link_for_a_place_someone_holds(app):
    """Sanne cannot take Kees's place with a link of her own making; a link the stagedocent makes hands the place
    over without his address or his Akkoord."""
    marieke, sanne, kees, laptop = (app.test_client() for _ in range(4))
    code = planned_room(marieke, **{"email-praktijkopleider": "kees@bedrijf.example"})
    ids = participant_ids(app, code)
    open_link(sanne, new_link(marieke, code, ids["student"]), "Sanne")
    open_link(kees, invitation_link(app, "kees@bedrijf.example"), "Kees")
    refused = post_action(sanne, code, f"/participants/{ids['praktijkopleider']}/link")
    assert refused.status_code == 403 and "Alleen Kees zelf of de stagedocent" in refused.get_data(as_text=True)
    assert "Nieuwe link voor Kees" not in sanne.get(f"/r/{code}").get_data(as_text=True)
    assert "Nieuwe link voor Kees" in marieke.get(f"/r/{code}").get_data(as_text=True)

    assert post_action(marieke, code, "/start").status_code == 200
    assert post_action(marieke, code, "/close").status_code == 200
    assert agree(kees, code, "kees@bedrijf.example").status_code == 200
    handed = new_link(marieke, code, ids["praktijkopleider"])
    assert open_link(laptop, handed, "Kees").status_code == 303
    form = laptop.get(f"/r/{code}").get_data(as_text=True)
    assert "kees@bedrijf.example" not in form
    assert [p["agreed"] for p in state(marieke, code)["participants"] if p["role"] == "praktijkopleider"] == [False]


def test_someone_let_in_beyond_the_three_cannot_end_the_stage(app):
    marieke, student, opleider, second = (app.test_client() for _ in range(4))
    first, _ = conversation(app, marieke, "Sanne", MARIEKE, SANNE)
    assert post_action(marieke, first, "/follow-up").status_code == 200
    with app.app_context():
        code = db.session.scalar(select(Room.code).where(Room.previous_room_id.is_not(None)))
    assert post_action(marieke, code, "/lock", {"locked": "0"}).status_code == 200
    assert join(second, code, "Joost", "stagedocent").status_code == 303
    assert seat_of(app, second, code).extra

    refused = post_action(second, code, "/delete-series")
    assert refused.status_code == 403 and "hele stage begeleidt" in refused.get_data(as_text=True)
    assert rooms_in_series(app, series_id_of(app, first)) == 2
    assert post_action(second, code, "/close").status_code == 200  # in this conversation Joost is a stagedocent
    assert agree(second, code, "joost@school.example").status_code == 200
    ask_link(app.test_client(), "joost@school.example")
    assert queued_link(app, "joost@school.example") is None  # no membership from a seat let in beyond the three


def test_planning_without_the_stagedocents_address_still_lets_the_stagedocent_in(app):
    sanne, marieke = app.test_client(), app.test_client()
    code = planned_room(sanne, role="student", **{"name-student": "Sanne", "name-stagedocent": ""})
    link = new_link(sanne, code, participant_ids(app, code)["stagedocent"])  # to forward by hand
    assert open_link(marieke, link, "Marieke").status_code == 303
    assert seat_of(app, marieke, code).role == "stagedocent"
