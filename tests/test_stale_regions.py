"""A change to one conversation of a series that shows in the others: a conversation joins the series (planned
from Mijn gesprekken, or a vervolggesprek) or leaves it (deleted). Their screens show how many conversations
the series has, the link to the next one and the look back on the one before; every phone in each of them
shows what a fresh load shows afterwards, as tests/test_sync.py holds for a change within one conversation."""
from datetime import date, timedelta

from sqlalchemy import select

from tests.support.actions import post_action
from tests.support.app import csrf_from
from tests.support.phones import Phone, what_differs
from tests.support.stages import MARIEKE, conversation, one_tap, signed_in, start_follow_up
from webapp.extensions import db
from webapp.models import Room


def a_series_of_two(app):
    """Marieke's first conversation with Sanne, sent, and its vervolggesprek, open, with both of them in it.
    Returns both codes and their browsers."""
    docent = app.test_client()
    first, student = conversation(app, docent, "Sanne", MARIEKE, "sanne@student.example")
    second = start_follow_up(first, {"stagedocent": docent}, "stagedocent")
    assert one_tap(student, first, second).status_code == 200
    return first, second, docent, student


def plan_next_from_mijn_gesprekken(app, code) -> str:
    """Marieke signs in on her laptop and plans the series' next conversation from there."""
    laptop = signed_in(app, app.test_client(), MARIEKE)
    with app.app_context():
        series_id = db.session.scalar(select(Room.series_id).where(Room.code == code))
    form = laptop.get(f"/plannen?serie={series_id}").get_data(as_text=True)
    response = laptop.post("/plannen", data={
        "serie": series_id, "role": "stagedocent", "date": (date.today() + timedelta(days=40)).isoformat(),
        "time": "10:00", "moment": "eind", "name-stagedocent": "Marieke", "name-student": "Sanne",
        "name-praktijkopleider": "Kees", "csrf_token": csrf_from(form)})
    assert response.status_code == 303
    return response.location.split("/r/")[1].split("#")[0]


def test_a_conversation_planned_from_mijn_gesprekken_shows_in_every_conversation_of_the_series(app):
    first, second, docent, student = a_series_of_two(app)
    phones = [Phone(app, docent, first, "Marieke", "stagedocent"), Phone(app, docent, second, "Marieke", "stagedocent"),
              Phone(app, student, second, "Sanne", "student")]
    plan_next_from_mijn_gesprekken(app, second)
    assert what_differs(*phones) == []
    assert all("alle 3 gesprekken" in phone.text("deelnemers") for phone in phones if phone.role == "stagedocent")


def test_a_sent_conversation_shows_the_planned_next_one_at_once(app):
    docent = app.test_client()
    code, student = conversation(app, docent, "Sanne", MARIEKE, "sanne@student.example")
    phones = [Phone(app, docent, code, "Marieke", "stagedocent"), Phone(app, student, code, "Sanne", "student")]
    plan_next_from_mijn_gesprekken(app, code)
    assert what_differs(*phones) == []
    assert all("Het volgende gesprek is" in phone.text("verslag") for phone in phones)


def test_a_vervolggesprek_shows_in_every_conversation_of_the_series(app):
    first, second, docent, _student = a_series_of_two(app)
    first_phone = Phone(app, docent, first, "Marieke", "stagedocent")
    assert post_action(docent, second, "/close").status_code == 200
    assert post_action(docent, second, "/finalize", {"force": "1"}).status_code == 200  # Kees is not in yet
    start_follow_up(second, {"stagedocent": docent}, "stagedocent")
    assert what_differs(first_phone) == []
    assert "alle 3 gesprekken" in first_phone.text("deelnemers")


def test_deleting_a_conversation_updates_the_vervolggesprek_that_looked_back_on_it(app):
    first, second, docent, student = a_series_of_two(app)
    phones = [Phone(app, docent, second, "Marieke", "stagedocent"), Phone(app, student, second, "Sanne", "student")]
    assert all("Vraag elke week om feedback." in phone.text("terugblik") for phone in phones)
    assert post_action(docent, first, "/delete").status_code == 200
    assert what_differs(*phones) == []
    assert not any("Vraag elke week om feedback." in phone.text() for phone in phones)


def test_deleting_a_vervolggesprek_updates_the_conversation_before_it(app):
    first, second, docent, student = a_series_of_two(app)
    phones = [Phone(app, docent, first, "Marieke", "stagedocent"), Phone(app, student, first, "Sanne", "student")]
    assert all("Het volgende gesprek is" in phone.text("verslag") for phone in phones)
    assert post_action(docent, second, "/delete").status_code == 200
    assert what_differs(*phones) == []
    assert not any("Het volgende gesprek is" in phone.text("verslag") for phone in phones)
