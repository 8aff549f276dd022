"""A stage is a series: the same three phones go from one conversation to the next with one tap each, as the same
people, and each vervolggesprek looks back on the afspraken and "na" tasks of the one before, marked together as
gedaan, loopt nog or niet gelukt; that review goes into the new verslag."""
import json

import pytest
from bs4 import BeautifulSoup

from tests.support.actions import agree, join, post_action, seat_three, state, text_of
from tests.support.app import csrf_from
from tests.support.stages import one_tap, start_follow_up
from webapp.extensions import db
from webapp.models import Record, Room

NAMES = {"stagedocent": "Marieke", "student": "Sanne", "praktijkopleider": "Kees"}


def talk_and_send(code, people, afspraak):
    """A short conversation: one afspraak, closing, everyone's Akkoord, sent."""
    assert post_action(people["stagedocent"], code, "/agreements",
                       {"what": afspraak, "who": ["student"], "when": "voor-volgend-gesprek"}).status_code == 200
    assert post_action(people["stagedocent"], code, "/close").status_code == 200
    for client in people.values():
        assert agree(client, code).status_code == 200
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200


def record_data(app, code) -> dict:
    with app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        return db.session.query(Record).filter_by(room_id=room.id).one().data


def series_of(app, code) -> int:
    with app.app_context():
        return db.session.query(Room).filter_by(code=code).one().series_id


def outcome_shown(client, code, kind, position) -> str | None:
    """Which of the three buttons this phone shows pressed for an afspraak or task of last time."""
    page = BeautifulSoup(client.get(f"/r/{code}").get_data(as_text=True), "html.parser")
    pressed = [button for button in page.select(f"#terugblik [id^=terugblik-{kind}-{position}-]")
               if button.get("aria-pressed") == "true"]
    assert len(pressed) <= 1
    return json.loads(pressed[0]["hx-vals"])["outcome"] if pressed else None


def mark(client, code, kind, position, outcome):
    return post_action(client, code, "/review", {"kind": kind, "position": str(position), "outcome": outcome})


def test_a_series_of_three_conversations_with_the_same_three_phones(app):
    first, people = seat_three(app)
    talk_and_send(first, people, "Sanne vraagt elke vrijdag om feedback.")

    # The student starts the vervolggesprek; the other two come in with one tap each, as themselves.
    second = start_follow_up(first, people, "student")
    for role in ("stagedocent", "praktijkopleider"):
        assert "Naar het vervolggesprek" in text_of(people[role].get(f"/r/{first}").get_data(as_text=True))
        response = one_tap(people[role], first, second)
        assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/r/{second}"
        page = people[role].get(f"/r/{second}").get_data(as_text=True)
        assert 'id="room"' in page and 'name="role"' not in page  # the room, no join form
    seated = state(people["student"], second)["participants"]
    assert sorted((p["name"], p["role"]) for p in seated) == sorted((n, r) for r, n in NAMES.items())
    assert all(p["arrived"] for p in seated)
    assert state(people["student"], second)["locked"]

    # The review: anyone marks, the last choice counts, every phone shows it.
    assert mark(people["praktijkopleider"], second, "afspraak", 0, "gedaan").status_code == 200
    assert all(outcome_shown(client, second, "afspraak", 0) == "gedaan" for client in people.values())
    assert mark(people["stagedocent"], second, "afspraak", 0, "loopt").status_code == 200
    assert all(outcome_shown(client, second, "afspraak", 0) == "loopt" for client in people.values())
    assert mark(people["student"], second, "taak", 0, "niet-gelukt").status_code == 200
    activity = state(people["student"], second)["activity"]
    assert activity.startswith("Sanne zette de taak “") and activity.endswith("” op niet gelukt.")

    # It goes into the new verslag: the draft while closing, and the sent record.
    talk_and_send(second, people, "Sanne oefent met de kassa.")
    review = record_data(app, second)["review"]
    assert review[0] == {"kind": "afspraak", "text": "Sanne vraagt elke vrijdag om feedback.", "who": "Sanne",
                         "outcome": "loopt"}
    tasks = [item for item in review if item["kind"] == "taak"]
    previous_tasks = [task for group in record_data(app, first)["tasks_after"] for task in group["tasks"]]
    assert [item["text"] for item in tasks] == previous_tasks
    assert tasks[0]["outcome"] == "niet-gelukt" and all(item["outcome"] is None for item in tasks[1:])
    record_page = text_of(people["praktijkopleider"].get(f"/r/{second}/record").get_data(as_text=True))
    assert "Terugblik op het vorige gesprek" in record_page
    assert "Sanne vraagt elke vrijdag om feedback. (afspraak, Sanne): loopt nog" in record_page

    # The third: the stagedocent starts it, the other two come in with one tap; it looks back on the second.
    third = start_follow_up(second, people, "stagedocent")
    for role in ("student", "praktijkopleider"):
        assert one_tap(people[role], second, third).status_code == 200
        assert state(people[role], third)["participants"] == state(people["stagedocent"], third)["participants"]
    page = text_of(people["student"].get(f"/r/{third}").get_data(as_text=True))
    assert "Sanne oefent met de kassa." in page and "Sanne vraagt elke vrijdag om feedback." not in page
    assert mark(people["student"], third, "afspraak", 0, "gedaan").status_code == 200
    talk_and_send(third, people, "Sanne rondt haar stage af.")
    assert record_data(app, third)["review"][0]["outcome"] == "gedaan"

    codes = (first, second, third)
    assert [state(people["student"], code)["stage_moment"] for code in codes] == ["start", "midden", "eind"]
    assert len({series_of(app, code) for code in codes}) == 1


def test_a_second_tap_or_another_phone_of_the_same_person_changes_nothing(app):
    first, people = seat_three(app)
    talk_and_send(first, people, "Sanne vraagt elke vrijdag om feedback.")
    second = start_follow_up(first, people, "stagedocent")
    assert one_tap(people["stagedocent"], first, second).status_code == 200  # the starter is in already
    assert one_tap(people["student"], first, second).status_code == 200
    version = state(people["student"], second)["version"]
    assert one_tap(people["student"], first, second).status_code == 200
    assert state(people["student"], second)["version"] == version
    assert len(state(people["student"], second)["participants"]) == 3


def test_without_javascript_the_link_offers_the_same_one_tap(app):
    first, people = seat_three(app)
    talk_and_send(first, people, "Sanne vraagt elke vrijdag om feedback.")
    second = start_follow_up(first, people, "student")
    page = people["praktijkopleider"].get(f"/r/{second}").get_data(as_text=True)
    assert "Ga verder als Kees" in text_of(page) and 'name="role"' not in page
    response = people["praktijkopleider"].post(f"/r/{second}/verder", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303 and response.location.endswith(f"/r/{second}")
    assert 'id="room"' in people["praktijkopleider"].get(f"/r/{second}").get_data(as_text=True)


def test_a_stranger_is_refused_the_one_tap_and_the_code_lets_nobody_in(app):
    first, people = seat_three(app)
    talk_and_send(first, people, "Sanne vraagt elke vrijdag om feedback.")
    second = start_follow_up(first, people, "student")
    before = state(people["student"], second)
    stranger = app.test_client()
    refused = post_action(stranger, second, "/verder")
    assert refused.status_code == 404 and "je doet er niet aan mee" in refused.get_data(as_text=True)
    unknown = post_action(stranger, "ABCDEFGH", "/verder")
    assert unknown.status_code == 404 and unknown.get_data() == refused.get_data()
    assert join(stranger, second, "Piet", "praktijkopleider").status_code == 403
    assert "Ga verder als" not in text_of(stranger.get(f"/r/{second}").get_data(as_text=True))
    assert state(people["student"], second) == before


def test_someone_taken_out_of_the_previous_conversation_is_not_carried_over(app):
    first, people = seat_three(app)
    kees = next(p["id"] for p in state(people["stagedocent"], first)["participants"] if p["name"] == "Kees")
    assert post_action(people["stagedocent"], first, f"/participants/{kees}/remove").status_code == 200
    talk_and_send(first, {role: people[role] for role in ("stagedocent", "student")}, "Sanne maakt opdracht 2.")
    second = start_follow_up(first, people, "student")
    assert [p["name"] for p in state(people["student"], second)["participants"]] == ["Sanne", "Marieke"]
    refused = post_action(people["praktijkopleider"], second, "/verder")
    assert refused.status_code == 404 and "je doet er niet aan mee" in refused.get_data(as_text=True)
    assert [p["name"] for p in state(people["student"], second)["participants"]] == ["Sanne", "Marieke"]


@pytest.fixture
def follow_up(app):
    first, people = seat_three(app)
    talk_and_send(first, people, "Sanne vraagt elke vrijdag om feedback.")
    second = start_follow_up(first, people, "student")
    for role in ("stagedocent", "praktijkopleider"):
        one_tap(people[role], first, second)
    return second, people


@pytest.mark.parametrize("fields, message", [
    ({"kind": "kaartje", "position": "0", "outcome": "gedaan"}, "een afspraak of een taak"),
    ({"kind": "afspraak", "position": "0", "outcome": "misschien"}, "gedaan, loopt nog of niet gelukt"),
    ({"outcome": "gedaan", "kind": "afspraak"}, "staat niet in het vorige verslag"),
    ({"kind": "afspraak", "position": "1", "outcome": "gedaan"}, "staat niet in het vorige verslag"),
    ({"kind": "taak", "position": "999", "outcome": "gedaan"}, "staat niet in het vorige verslag"),
    ({"kind": "afspraak", "position": "-1", "outcome": "gedaan"}, "staat niet in het vorige verslag"),
    ({"kind": "afspraak", "position": "１", "outcome": "gedaan"}, "staat niet in het vorige verslag"),
])
def test_a_bad_review_gets_a_clear_message_and_changes_nothing(follow_up, fields, message):
    second, people = follow_up
    before = state(people["student"], second)
    response = post_action(people["student"], second, "/review", fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert state(people["student"], second) == before


def test_only_a_vervolggesprek_looks_back_and_only_while_it_is_open(app, follow_up):
    second, people = follow_up
    code, others = seat_three(app)
    assert mark(others["student"], code, "afspraak", 0, "gedaan").status_code == 400
    assert 'id="terugblik" class="panel terugblik" hidden' in others["student"].get(f"/r/{code}").get_data(as_text=True)
    post_action(people["stagedocent"], second, "/close")
    assert mark(people["student"], second, "afspraak", 0, "gedaan").status_code == 409
    page = BeautifulSoup(people["student"].get(f"/r/{second}").get_data(as_text=True), "html.parser")
    assert not page.select("#terugblik button") and "Hoe ging het: nog niet besproken" in page.get_text(" ")
