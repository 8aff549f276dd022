"""Afspraken: everyone writes them, nobody's text is silently lost, and a delete can be undone."""
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup

from tests.support.actions import post_action, seat_three, state, text_of
from webapp.extensions import socketio


@pytest.fixture
def table(app):
    return seat_three(app)


def add(client, code, what="Sanne vraagt elke vrijdag om feedback.", who=("student",), when="voor-volgend-gesprek"):
    return post_action(client, code, "/agreements", {"what": what, "who": list(who), "when": when})


def test_everyone_can_add_an_afspraak_and_all_see_it(app, table):
    code, people = table
    listener = socketio.test_client(app, flask_test_client=people["student"])
    listener.emit("join", {"code": code, "version": 0})
    listener.get_received()
    day = (date.today() + timedelta(days=14)).isoformat()
    for role, client in people.items():
        response = add(client, code, what=f"Afspraak van de {role}", who=("student", "praktijkopleider"), when=day)
        assert response.status_code == 200, response.get_data(as_text=True)
    agreements = state(people["student"], code)["agreements"]
    assert [a["what"] for a in agreements] == [f"Afspraak van de {r}" for r in people]
    assert all(a["rev"] == 1 and a["who"] == ["student", "praktijkopleider"] and a["when"] == day for a in agreements)
    last = [e for e in listener.get_received() if e["name"] == "update"][-1]["args"][0]
    assert "Afspraak van de praktijkopleider" in last["fragments"]["afspraken"]
    listener.disconnect()


def test_the_form_offers_a_date_or_the_next_conversation(table):
    code, people = table
    day = (date.today() + timedelta(days=7)).isoformat()
    response = post_action(people["student"], code, "/agreements",
                           {"what": "Stage-opdracht 2 af", "who": ["student"], "when": "datum", "when_date": day})
    assert response.status_code == 200
    assert state(people["student"], code)["agreements"][0]["when"] == day
    add(people["student"], code, when="bij-volgend-gesprek")
    page = text_of(people["student"].get(f"/r/{code}").get_data(as_text=True))
    assert "Wanneer: Bij het volgende gesprek" in page


@pytest.mark.parametrize("fields, message", [
    ({"what": "", "who": ["student"], "when": "voor-volgend-gesprek"}, "Schrijf op wat jullie afspreken"),
    ({"what": "x" * 501, "who": ["student"], "when": "voor-volgend-gesprek"}, "te lang"),
    ({"what": "Iets", "who": [], "when": "voor-volgend-gesprek"}, "Kies wie het doet"),
    ({"what": "Iets", "who": ["directeur"], "when": "voor-volgend-gesprek"}, "Kies wie het doet"),
    ({"what": "Iets", "who": ["student"], "when": "morgen"}, "Kies wanneer"),
    ({"what": "Iets", "who": ["student"], "when": "2199-01-01"}, "te ver weg"),
])
def test_bad_input_gets_a_clear_message_and_changes_nothing(table, fields, message):
    code, people = table
    version = state(people["student"], code)["version"]
    response = post_action(people["student"], code, "/agreements", fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert state(people["student"], code)["version"] == version


def test_an_edit_on_an_old_rev_is_refused_with_both_texts(table):
    code, people = table
    add(people["student"], code, what="Elke week een gesprek van tien minuten.")
    agreement = state(people["student"], code)["agreements"][0]
    first = post_action(people["praktijkopleider"], code, f"/agreements/{agreement['id']}",
                        {"what": "Elke maandag een gesprek van tien minuten.", "who": ["student", "praktijkopleider"],
                         "when": "voor-volgend-gesprek", "rev": agreement["rev"]})
    assert first.status_code == 200
    second = post_action(people["stagedocent"], code, f"/agreements/{agreement['id']}",
                         {"what": "Elke week een gesprek van een kwartier.", "who": ["student"],
                          "when": "voor-volgend-gesprek", "rev": agreement["rev"]})
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Elke maandag een gesprek van tien minuten." in html
    assert "Elke week een gesprek van een kwartier." in html
    assert 'name="rev" value="2"' in html  # saving the merged text again is based on what is stored now
    stored = state(people["student"], code)["agreements"][0]
    assert stored["what"] == "Elke maandag een gesprek van tien minuten." and stored["rev"] == 2


def test_an_edit_of_a_deleted_afspraak_keeps_the_typed_text(table):
    code, people = table
    add(people["student"], code)
    agreement = state(people["student"], code)["agreements"][0]
    post_action(people["praktijkopleider"], code, f"/agreements/{agreement['id']}/delete")
    response = post_action(people["stagedocent"], code, f"/agreements/{agreement['id']}",
                           {"what": "Mijn nieuwe tekst", "who": ["student"], "when": "voor-volgend-gesprek",
                            "rev": agreement["rev"]})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Mijn nieuwe tekst" in html and "Kees heeft deze afspraak net weggehaald" in html


def test_a_delete_can_be_undone_for_a_short_while(app, table):
    code, people = table
    add(people["student"], code, what="Oefenen met de kassa.")
    agreement = state(people["student"], code)["agreements"][0]
    response = post_action(people["praktijkopleider"], code, f"/agreements/{agreement['id']}/delete",
                           {"rev": agreement["rev"]})
    assert response.status_code == 200
    assert "Kees haalde weg" in response.get_data(as_text=True) and "Zet terug" in response.get_data(as_text=True)
    assert state(people["student"], code)["agreements"] == []
    assert post_action(people["student"], code, f"/agreements/{agreement['id']}/restore").status_code == 200
    assert [a["what"] for a in state(people["student"], code)["agreements"]] == ["Oefenen met de kassa."]

    post_action(people["student"], code, f"/agreements/{agreement['id']}/delete")
    with app.app_context():
        from webapp.extensions import db
        from webapp.models import Agreement
        stored = db.session.get(Agreement, agreement["id"])
        stored.deleted_at -= timedelta(minutes=5)
        db.session.commit()
    late = post_action(people["student"], code, f"/agreements/{agreement['id']}/restore")
    assert late.status_code == 409 and "Terugzetten kan niet meer" in late.get_data(as_text=True)


def test_agreements_are_escaped_in_page_and_json(table):
    code, people = table
    evil = '<script>alert("x")</script>'
    add(people["student"], code, what=evil)
    page = people["stagedocent"].get(f"/r/{code}").get_data(as_text=True)
    assert evil not in page and "&lt;script&gt;" in page
    assert state(people["stagedocent"], code)["agreements"][0]["what"] == evil  # JSON keeps the text, as data


def test_someone_typing_is_shown_to_the_others(app, table):
    code, people = table
    phones = {}
    for role in ("student", "stagedocent"):
        phones[role] = socketio.test_client(app, flask_test_client=people[role])
        phones[role].emit("join", {"code": code, "version": 0})
        phones[role].get_received()
    phones["student"].emit("typing", {"key": "nieuw"})
    typing = [e["args"][0] for e in phones["stagedocent"].get_received() if e["name"] == "typing"]
    assert typing == [{"key": "nieuw", "name": "Sanne"}]
    phones["student"].emit("typing", {"key": "<b>"})
    assert phones["stagedocent"].get_received() == []
    stranger = socketio.test_client(app)
    stranger.emit("typing", {"key": "nieuw"})
    assert phones["stagedocent"].get_received() == []


def test_a_room_holds_at_most_a_hundred_afspraken(app, table):
    from webapp.domain.agreements import MAX_AGREEMENTS
    from webapp.extensions import db
    from webapp.models import Agreement, Room

    code, people = table
    with app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        db.session.add_all(Agreement(room_id=room.id, what=f"Afspraak {n}", who="student",
                                     when="voor-volgend-gesprek") for n in range(MAX_AGREEMENTS))
        db.session.commit()
    response = add(people["student"], code)
    assert response.status_code == 409 and "Haal er eerst een weg" in response.get_data(as_text=True)


def test_a_refused_edit_or_delete_says_who_changed_the_afspraak_by_name(app, table):
    code, people = table
    add(people["student"], code, what="Elke week een gesprek van tien minuten.")
    agreement = state(people["student"], code)["agreements"][0]
    post_action(people["praktijkopleider"], code, f"/agreements/{agreement['id']}",
                {"what": "Elke maandag een gesprek van tien minuten.", "who": ["student", "praktijkopleider"],
                 "when": "voor-volgend-gesprek", "rev": agreement["rev"]})
    stale = post_action(people["stagedocent"], code, f"/agreements/{agreement['id']}",
                        {"what": "Elke week een gesprek van een kwartier.", "who": ["student"],
                         "when": "voor-volgend-gesprek", "rev": agreement["rev"]})
    assert stale.status_code == 409
    conflict = text_of(stale.get_data(as_text=True))
    assert "Kees heeft deze afspraak net veranderd. Kijk naar beide versies." in conflict
    assert "Nu opgeslagen Elke maandag een gesprek van tien minuten. Wie: Sanne, Kees" in conflict
    assert "Jouw tekst Elke week een gesprek van een kwartier. Wie: Sanne ·" in conflict
    assert "Iemand anders" not in conflict and "Wie: Student" not in conflict

    refused = post_action(people["student"], code, f"/agreements/{agreement['id']}/delete", {"rev": agreement["rev"]})
    assert refused.status_code == 409
    assert "Kees heeft deze afspraak net veranderd. Wil je hem nog steeds weghalen?" in text_of(
        refused.get_data(as_text=True))


def test_the_afspraken_say_who_by_name_and_follow_who_comes_in(app):
    """Who does an afspraak: the names of who hold its roles, the role while nobody does; the form offers each
    role by name. When Kees comes in, every phone's afspraken say Kees."""
    from tests.support.actions import join, start_room

    docent, student, opleider = app.test_client(), app.test_client(), app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    join(student, code, "Sanne", "student")
    add(docent, code, who=("student", "praktijkopleider"))
    region = text_of(str(BeautifulSoup(student.get(f"/r/{code}").get_data(as_text=True), "html.parser")
                         .find(id="afspraken")))
    assert "Wie: Sanne, Praktijkopleider" in region
    assert "Sanne student" in region and "Marieke stagedocent" in region and "Kees" not in region
    listener = socketio.test_client(app, flask_test_client=student)
    listener.emit("join", {"code": code, "version": state(student, code)["version"]})
    listener.get_received()

    join(opleider, code, "Kees", "praktijkopleider")
    pushed = text_of([e["args"][0] for e in listener.get_received() if e["name"] == "update"][-1]
                     ["fragments"]["afspraken"])
    assert "Wie: Sanne, Kees" in pushed and "Kees praktijkopleider" in pushed
    listener.disconnect()
