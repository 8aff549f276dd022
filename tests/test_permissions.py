"""The server checks every action for the role and the room: forbidden ones get 403 and change nothing."""
import pytest

from tests.conftest import csrf_from
from tests.helpers import post_action, seat_three, start_room, state
from webapp.extensions import db
from webapp.models import Room

# (path, data) per action; the card actions need a card on the table first.
ACTIONS = {
    "draw": ("/cards/draw", {"deck": "leren"}),
    "pick": ("/cards/draw", {"deck": "leren", "card": "leren-04"}),
    "return": ("/cards/return", {}),
    "discussed": ("/cards/discussed", {}),
    "prepare": ("/cards/leren-07/prepare", {"prepared": "1"}),
    "phase": ("/phase", {"phase": "leren"}),
    "lock": ("/lock", {"locked": "0"}),
}

FORBIDDEN = {
    "praktijkopleider": ["draw", "pick", "return", "discussed", "prepare", "phase", "lock"],
    "stagedocent": ["draw", "pick", "return", "prepare"],
    "student": ["lock"],
}


@pytest.fixture
def table(app):
    code, people = seat_three(app)
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-01"})
    return code, people


@pytest.mark.parametrize("role, action", [(r, a) for r, actions in FORBIDDEN.items() for a in actions])
def test_forbidden_actions_get_403_and_leave_the_version(table, role, action):
    code, people = table
    before = state(people["student"], code)
    path, data = ACTIONS[action]
    response = post_action(people[role], code, path, data)
    assert response.status_code == 403
    assert "Alleen de" in response.get_data(as_text=True)
    after = state(people["student"], code)
    assert after == before


def test_removing_someone_is_for_the_docent_only(table):
    code, people = table
    kees = next(p for p in state(people["student"], code)["participants"] if p["name"] == "Kees")
    version = state(people["student"], code)["version"]
    assert post_action(people["student"], code, f"/participants/{kees['id']}/remove").status_code == 403
    assert state(people["student"], code)["version"] == version


def test_a_participant_of_one_room_cannot_act_in_another(app, table):
    code, people = table
    other = app.test_client()
    other_code = start_room(other, "Piet", "student")
    version = state(other, other_code)["version"]
    response = people["student"].post(f"/r/{other_code}/cards/draw", data={"deck": "leren"},
                                      headers={"X-CSRFToken": "x", "HX-Request": "true"})
    assert response.status_code == 400  # a token from another session is refused before anything else
    token_page = people["student"].get(f"/r/{code}").get_data(as_text=True)
    from tests.conftest import csrf_from
    response = people["student"].post(f"/r/{other_code}/cards/draw", data={"deck": "leren"},
                                      headers={"X-CSRFToken": csrf_from(token_page), "HX-Request": "true"})
    assert response.status_code == 404
    assert state(other, other_code)["version"] == version


def test_another_rooms_agreement_cannot_be_touched(app, table):
    code, people = table
    post_action(people["student"], code, "/agreements", {"what": "Mijn afspraak", "who": ["student"],
                                                       "when": "voor-volgend-gesprek"})
    agreement = state(people["student"], code)["agreements"][0]
    other = app.test_client()
    other_code = start_room(other, "Piet", "student")
    response = post_action(other, other_code, f"/agreements/{agreement['id']}",
                           {"what": "Gekaapt", "who": ["student"], "when": "voor-volgend-gesprek", "rev": "1"})
    assert response.status_code == 404
    assert state(people["student"], code)["agreements"][0]["what"] == "Mijn afspraak"


@pytest.mark.parametrize("action", list(ACTIONS) + ["agreement", "note", "checklist"])
def test_nothing_changes_a_closed_room(app, table, action):
    code, people = table
    with app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        room.status = "closed"
        db.session.commit()
    before = state(people["student"], code)
    path, data = {
        "agreement": ("/agreements", {"what": "Nog iets", "who": ["student"], "when": "voor-volgend-gesprek"}),
        "note": ("/cards/leren-01/note", {"note": "Nog iets", "rev": "0"}),
        "checklist": ("/checklist", {"item": "voor-0", "done": "1"}),
    }.get(action, ACTIONS.get(action))
    role = "stagedocent" if action == "lock" else "student"
    response = post_action(people[role], code, path, data)
    assert response.status_code == 403
    assert "afgerond" in response.get_data(as_text=True)
    assert state(people["student"], code) == before


# Values for the other parts of a room route's address, so every route can be reached.
ROUTE_VALUES = {"participant_id": 1, "agreement_id": 1, "card_id": "leren-01", "phase_id": "leren",
                "deck_id": "leren", "secret": "not-anyones-link"}


def room_routes(app):
    """Every (method, path, view) under /r/<code>, read from the app's URL map, so a new route is walked too."""
    from flask import url_for

    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("room."):
                values = {name: ROUTE_VALUES.get(name) for name in rule.arguments if name != "code"}
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    yield method, rule.endpoint, lambda code, e=rule.endpoint, v=values: url_for(e, code=code, **v)


def test_every_room_route_refuses_a_browser_that_is_not_in_the_room(app):
    code, people = seat_three(app)
    before = state(people["student"], code)
    stranger = app.test_client()
    token = csrf_from(stranger.get("/").get_data(as_text=True))
    walked = 0
    for method, endpoint, path in room_routes(app):
        response = stranger.open(path(code), method=method, headers={"X-CSRFToken": token, "HX-Request": "true"})
        if endpoint in ("room.show", "room.join"):  # the join form and joining itself
            assert response.status_code in (200, 400), endpoint
        elif endpoint == "room.welcome":  # someone's own link, here a wrong one
            assert response.status_code == 404 and "Deze link werkt niet" in response.get_data(as_text=True)
        else:
            assert response.status_code == 404, (endpoint, response.status_code)
            assert "je doet er niet aan mee" in response.get_data(as_text=True)
        walked += 1
    assert walked >= 30
    assert state(people["student"], code) == before


def test_an_unknown_code_and_a_room_that_is_not_yours_get_the_same_answer(app):
    """No oracle: outside the join form, nothing tells a stranger whether a code exists."""
    code, _people = seat_three(app)
    client = app.test_client()
    token = csrf_from(client.get("/").get_data(as_text=True))
    for method, endpoint, path in room_routes(app):
        if endpoint in ("room.show", "room.join"):
            continue
        answers = [client.open(path(tried), method=method, headers={"X-CSRFToken": token, "HX-Request": "true"})
                   for tried in ("ABCDEFGH", code)]
        assert [a.status_code for a in answers] == [404, 404], endpoint
        assert answers[0].get_data() == answers[1].get_data(), endpoint
