"""A conversation planned ahead: everyone gets their own link, prepares at home, and one tap at the table starts
it for everyone with what each prepared."""
from datetime import date, datetime, timedelta

import pytest

from tests.support.actions import post_action, state, text_of
from tests.support.mail import deliver
from tests.support.stages import NEXT_WEEK, WELCOME_LINK, new_link, open_link, participant_ids, plan, planned_room
from webapp.domain.content import get_content
from webapp.extensions import db
from webapp.models import Participant, Room, Series


def test_planned_next_week_each_prepares_at_home_and_it_is_all_there_at_the_table(app, smtp):
    docent, student, opleider = app.test_client(), app.test_client(), app.test_client()
    code = planned_room(docent, **{"name-student": "Sanne", "email-student": "sanne@student.nl",
                                   "name-praktijkopleider": "Kees", "email-praktijkopleider": "kees@bakkerij.nl"})
    assert deliver(app)["sent"] == 2
    mails = {received.rcpt_tos[0]: received.message for received in smtp.recorder.wait_for(2)}
    links = {}
    for address, message in mails.items():
        body = message.get_body(("plain",)).get_content()
        assert "Uitnodiging stagegesprek Sanne op" in message["Subject"] and "Marieke nodigt je uit" in body
        links[address] = WELCOME_LINK.search(body).group(0)
        [calendar] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
        assert f"DTSTART:{NEXT_WEEK.replace('-', '')}T140000" in calendar.get_content()
    assert links["sanne@student.nl"] != links["kees@bakkerij.nl"]

    # At home, each opens their own link: it says who they are and when it is.
    welcome = text_of(student.get(links["sanne@student.nl"]).get_data(as_text=True))
    assert "Jij doet mee als student" in welcome and "om 14:00" in welcome
    assert open_link(student, links["sanne@student.nl"], "Sanne").status_code == 303
    assert open_link(opleider, links["kees@bakkerij.nl"], "Kees").status_code == 303
    assert state(student, code)["status"] == "planned"

    # They prepare: the student ticks a task and chooses a card; the praktijkopleider a card meant for them.
    with app.app_context():
        cards = get_content().cards
        for_student = next(c for c in cards if c.deck == "leren" and not c.private and not c.retired)
        for_opleider = next(c for c in cards if c.for_role == "praktijkopleider" and not c.retired)
    assert post_action(student, code, "/checklist", {"item": "voor-0", "done": "1"}).status_code == 200
    assert post_action(student, code, f"/cards/{for_student.id}/prepare", {"prepared": "1"}).status_code == 200
    assert post_action(opleider, code, f"/cards/{for_opleider.id}/prepare", {"prepared": "1"}).status_code == 200
    # The conversation itself waits for the table: nothing can be drawn yet.
    refused = post_action(student, code, "/cards/draw", {"deck": "leren"})
    assert refused.status_code == 409 and "nog niet begonnen" in refused.get_data(as_text=True)

    # At the table, one tap starts it for everyone, and what each prepared is there.
    assert post_action(docent, code, "/start").status_code == 200
    for client in (docent, student, opleider):
        page = text_of(client.get(f"/r/{code}").get_data(as_text=True))
        assert "Stap 1 van" in page
        assert for_student.question in page and for_opleider.question in page
    assert "1 van" in text_of(docent.get(f"/r/{code}").get_data(as_text=True))  # the student's ticked task


def test_without_addresses_the_planner_shares_each_link_by_hand_and_a_new_link_ends_the_old(app):
    docent, opleider, other = app.test_client(), app.test_client(), app.test_client()
    code = planned_room(docent)
    ids = participant_ids(app, code)
    page = text_of(docent.get(f"/r/{code}").get_data(as_text=True))
    assert "heeft de uitnodiging nog niet geopend" in page
    first = new_link(docent, code, ids["praktijkopleider"])
    second = new_link(docent, code, ids["praktijkopleider"])
    gone = other.get(first)
    assert gone.status_code == 404 and "Deze link werkt niet (meer)" in gone.get_data(as_text=True)
    assert open_link(opleider, second, "Kees").status_code == 303
    assert "Kees" in text_of(docent.get(f"/r/{code}").get_data(as_text=True))
    assert state(opleider, code)["status"] == "planned"  # this browser is in, as the praktijkopleider


def test_opening_a_link_without_saying_who_you_are_takes_nobodys_place(app):
    """Mail programs open links to check them: a GET must not bind anything."""
    docent, scanner, opleider = app.test_client(), app.test_client(), app.test_client()
    code = planned_room(docent)
    link = new_link(docent, code, participant_ids(app, code)["praktijkopleider"])
    def not_opened() -> int:
        return text_of(docent.get(f"/r/{code}").get_data(as_text=True)).count("heeft de uitnodiging nog niet geopend")

    assert scanner.get(link).status_code == 200
    assert scanner.get(f"/r/{code}/state.json").status_code == 404
    assert not_opened() == 2  # the student and the praktijkopleider
    assert open_link(opleider, link, "Kees").status_code == 303
    assert not_opened() == 1


def test_who_may_make_whose_link(app):
    docent, student, opleider = app.test_client(), app.test_client(), app.test_client()
    code = planned_room(docent)
    ids = participant_ids(app, code)
    open_link(student, new_link(docent, code, ids["student"]), "Sanne")
    open_link(opleider, new_link(student, code, ids["praktijkopleider"]), "Kees")
    refused = post_action(student, code, f"/participants/{ids['stagedocent']}/link")  # Marieke's: she holds it
    assert refused.status_code == 403 and "Alleen Marieke zelf of de stagedocent" in refused.get_data(as_text=True)
    assert post_action(opleider, code, f"/participants/{ids['student']}/link").status_code == 403
    own = new_link(opleider, code, ids["praktijkopleider"])  # for their laptop at home
    assert app.test_client().get(own).status_code == 200


def test_a_code_is_no_way_into_a_planned_conversation(app):
    docent, stranger = app.test_client(), app.test_client()
    code = planned_room(docent)
    page = stranger.get(f"/r/{code}").get_data(as_text=True)
    assert "Iedereen heeft een eigen link" in page and 'name="role"' not in page
    wrong = stranger.get(f"/r/{code}/welkom/nietdegoedelink")
    assert wrong.status_code == 404 and "Deze link werkt niet (meer)" in wrong.get_data(as_text=True)


def test_only_the_student_or_the_stagedocent_start_the_conversation(app):
    docent, opleider = app.test_client(), app.test_client()
    code = planned_room(docent)
    open_link(opleider, new_link(docent, code, participant_ids(app, code)["praktijkopleider"]), "Kees")
    refused = post_action(opleider, code, "/start")
    assert refused.status_code == 403 and "Alleen de student of de stagedocent" in refused.get_data(as_text=True)
    assert post_action(docent, code, "/start").status_code == 200
    again = post_action(docent, code, "/start")
    assert again.status_code == 409 and "al begonnen" in again.get_data(as_text=True)


def test_a_planned_conversation_is_kept_until_after_its_date(app):
    far = (date.today() + timedelta(days=app.config["RETENTION_DAYS"] + 20)).isoformat()
    docent = app.test_client()
    code = planned_room(docent, date=far, time="09:30")
    with app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        assert room.planned_for == datetime.fromisoformat(f"{far}T09:30")
        assert room.expires_at >= room.planned_for + timedelta(days=app.config["RETENTION_DAYS"])
    later = (date.today() + timedelta(days=3)).isoformat()
    assert post_action(docent, code, "/plan", {"date": later, "time": "11:00"}).status_code == 200
    assert f"DTSTART:{later.replace('-', '')}T110000" in docent.get(f"/r/{code}/gesprek.ics").get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"role": "praktijkopleider"}, "de student of de stagedocent plant het gesprek"),
    ({"name-stagedocent": " "}, "Vul je voornaam in"),
    ({"date": ""}, "Kies de datum van het gesprek"),
    ({"date": (date.today() - timedelta(days=1)).isoformat()}, "niet in het verleden"),
    ({"date": "8-12-2026"}, "Kies een geldige datum"),
    ({"email-student": "sanne@"}, "Dit e-mailadres klopt niet"),
    ({"moment": "ergens"}, "begin, in het midden of aan het eind"),
    ({"workplace": "Garage " * 12}, "De naam van het bedrijf is te lang. Gebruik hoogstens 80 tekens."),
    ({"workplace": "garage-devries.example"}, "Een naam kan geen webadres of e-mailadres zijn."),
])
def test_a_planning_form_with_a_mistake_says_what_to_fix_and_keeps_what_was_typed(client, fields, message):
    response = plan(client, **{"name-praktijkopleider": "Kees", **fields})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert 'value="Kees"' in page


def test_where_the_stage_is_is_kept_for_the_stage_cleaned_and_optional(app):
    for typed, kept in (("  Garage\u200b De\tVries ", "Garage De Vries"), ("", None), (" - ", None)):
        code = planned_room(app.test_client(), workplace=typed)
        with app.app_context():
            room = db.session.query(Room).filter_by(code=code).one()
            assert db.session.get(Series, room.series_id).workplace == kept, typed


def test_the_planned_screen_opens_on_the_preparation_with_the_date_and_the_role(app):
    docent = app.test_client()
    code = planned_room(docent)
    page = text_of(docent.get(f"/r/{code}").get_data(as_text=True))
    assert "Gepland:" in page and "Het gesprek is op" in page and "Jij bent de stagedocent" in page
    with app.app_context():
        # A first conversation does not ask to reread the afspraken of a previous one.
        assert "vorige gesprek" not in " ".join(
            t.text for t in get_content().moments[0].tasks_for("stagedocent", follow_up=False))
        assert db.session.query(Participant).count() == 3
