"""The server checks every action against the permission table (`PERMISSIONS`, webapp/domain/roles.py): for every
row, each role it names does the action in a room whose status the row allows, and it happens; every other role
is refused with a 403 and the row's own Dutch words, and nothing changes. The rows are read from the table, so a
new row is tried without anyone adding it to a list; what is written here is only how to try one (its route, and
what must be there first), and a row without that fails."""
import html
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.support.actions import agree, post_action, seat_three, start_room, state, text_of
from tests.support.app import csrf_from
from tests.support.stages import NEXT_WEEK, new_link, one_tap, open_link, participant_ids, planned_room
from webapp.domain.content import get_content
from webapp.domain.meeting import cards_for, preparing_checklist
from webapp.domain.roles import (
    CLOSED,
    CLOSING,
    OPEN,
    PERMISSIONS,
    PLANNED,
    PRAKTIJKOPLEIDER,
    ROLES,
    STAGEDOCENT,
    STUDENT,
    may,
)

NAMES = {STUDENT: "Sanne", STAGEDOCENT: "Marieke", PRAKTIJKOPLEIDER: "Kees"}


class Conversation:
    """A conversation in a status, with each person's browser. Planned ahead, only the stagedocent who planned
    it is in at first and each other person comes in with their own link when they first act; otherwise all three
    are in (closing: the stagedocent started closing; closed: all three agreed and the verslag is sent)."""

    def __init__(self, app, status):
        self.app = app
        docent = app.test_client()
        if status == PLANNED:
            self.code = planned_room(docent, **{"name-student": NAMES[STUDENT],
                                                "name-praktijkopleider": NAMES[PRAKTIJKOPLEIDER]})
            self.people = {STAGEDOCENT: docent}
            return
        self.code, self.people = seat_three(app)
        if status in (CLOSING, CLOSED):
            assert self.post(STAGEDOCENT, "/close").status_code == 200
        if status == CLOSED:
            for client in self.people.values():
                assert agree(client, self.code).status_code == 200
            assert self.post(STAGEDOCENT, "/finalize").status_code == 200

    def browser(self, role):
        """This person's browser, in the room: someone planned for comes in with their own link first."""
        if role not in self.people:
            link = new_link(self.people[STAGEDOCENT], self.code, self.place_of(role))
            self.people[role] = self.app.test_client()
            assert open_link(self.people[role], link, NAMES[role]).status_code == 303
        return self.people[role]

    def post(self, role, path, data=None):
        return post_action(self.browser(role), self.code, path, data)

    def state(self) -> dict:
        return state(self.people[STAGEDOCENT], self.code)

    def place_of(self, role) -> int:
        return participant_ids(self.app, self.code)[role]

    def someone_elses_place(self, role) -> int:
        """Another person's place, one that nobody has taken up yet if there is one."""
        others = [other for other in ROLES if other != role]
        return self.place_of(next((other for other in others if other not in self.people), others[0]))

    def card_for(self, role) -> str:
        """A Begeleiden card for the table that this role may take; the student's when the role takes none."""
        owner = role if may(role, "draw_card") else STUDENT
        with self.app.app_context():
            return cards_for(owner, get_content().deck("begeleiden"))[0].id

    def checklist_item(self, role) -> str:
        with self.app.app_context():
            return preparing_checklist(role)[0][0]


# What must be there before a row can be tried, by (or for) the role that tries it.

def card_on_the_table(conversation: Conversation, role) -> None:
    owner = role if may(role, "draw_card") else STUDENT
    card = conversation.card_for(role)
    assert conversation.post(owner, "/cards/draw", {"deck": "begeleiden", "card": card}).status_code == 200


def everyone_agreed(conversation: Conversation, role) -> None:
    for person in ROLES:
        assert agree(conversation.browser(person), conversation.code).status_code == 200


def in_the_follow_up(conversation: Conversation, role) -> None:
    """The conversation is sent, the stagedocent started the vervolggesprek there and the others came along
    with one tap: it looks back on the one before."""
    assert conversation.post(STAGEDOCENT, "/close").status_code == 200
    everyone_agreed(conversation, role)
    assert conversation.post(STAGEDOCENT, "/finalize").status_code == 200
    sent = conversation.code
    conversation.code = conversation.post(STAGEDOCENT, "/follow-up").headers["HX-Redirect"].rsplit("/", 1)[-1]
    for person in (STUDENT, PRAKTIJKOPLEIDER):
        assert one_tap(conversation.people[person], sent, conversation.code).status_code == 200


def nothing(conversation: Conversation, role) -> None:
    pass


def given(value):
    return value if callable(value) else lambda _conversation, _role: value


@dataclass
class Attempt:
    """How to try a row: the route (with what it sends), in which status (the first of open, closing, planned and
    closed that the row allows, unless named), and what must be there first."""

    path: str | Callable
    data: dict | Callable | None = None
    status: str | None = None
    prepare: Callable = nothing
    method: str = "POST"

    def status_for(self, action) -> str:
        statuses = PERMISSIONS[action].statuses
        return self.status or next(status for status in (OPEN, CLOSING, PLANNED, CLOSED) if status in statuses)

    def send(self, conversation: Conversation, role):
        path, data = given(self.path)(conversation, role), given(self.data)(conversation, role)
        if self.method == "GET":
            return conversation.browser(role).get(f"/r/{conversation.code}{path}", headers={"HX-Request": "true"})
        return conversation.post(role, path, data)


ATTEMPTS = {
    "plan_meeting": Attempt("/plan", {"date": NEXT_WEEK, "time": "15:30"}),
    "start_meeting": Attempt("/start"),
    "set_moment": Attempt("/moment", {"moment": "midden"}),
    # A link for someone else's place: the student makes one only for a place nobody has taken up yet.
    "share_link": Attempt(lambda c, role: f"/participants/{c.someone_elses_place(role)}/link", status=PLANNED),
    "lock_room": Attempt("/lock", {"locked": "0"}),
    "remove_participant": Attempt(lambda c, role: f"/participants/{c.place_of(PRAKTIJKOPLEIDER)}/remove"),
    "delete_room": Attempt("/delete"),
    "delete_series": Attempt("/delete-series"),
    "move_phase": Attempt("/phase", {"phase": "leren"}),
    "draw_card": Attempt("/cards/draw", {"deck": "begeleiden"}),
    "return_card": Attempt("/cards/return", prepare=card_on_the_table),
    "prepare_card": Attempt(lambda c, role: f"/cards/{c.card_for(role)}/prepare", {"prepared": "1"}),
    "mark_discussed": Attempt("/cards/discussed", prepare=card_on_the_table),
    "suggest_card": Attempt("/cards/suggest", lambda c, role: {"card": c.card_for(STUDENT)}),
    "tick_checklist": Attempt("/checklist", lambda c, role: {"item": c.checklist_item(role), "done": "1"}),
    "write_note": Attempt(lambda c, role: f"/cards/{c.card_for(role)}/note",
                          {"note": "Zelf de kassa gedaan.", "rev": "0"}, prepare=card_on_the_table),
    "edit_agreements": Attempt("/agreements", {"what": "Sanne vraagt elke vrijdag om feedback.", "who": ["student"],
                                               "when": "voor-volgend-gesprek"}),
    "close_room": Attempt("/close"),
    "reopen_room": Attempt("/reopen"),
    "plan_next": Attempt("/next-meeting", {"next_date": NEXT_WEEK, "next_time": "14:30"}),
    "give_consent": Attempt("/confirm", lambda c, role: {"email": "", "draft": c.state()["verslag_version"]}),
    "send_record": Attempt("/finalize", prepare=everyone_agreed),
    "follow_mail": Attempt("/mail", method="GET"),
    "revoke_record_links": Attempt("/record-links/revoke"),
    "start_follow_up": Attempt("/follow-up"),
    "review": Attempt("/review", {"kind": "taak", "position": "0", "outcome": "gedaan"}, prepare=in_the_follow_up),
}


def test_every_row_of_the_permission_table_is_tried_here():
    assert sorted(set(PERMISSIONS) - set(ATTEMPTS)) == [], "say in ATTEMPTS how to try these rows"
    assert sorted(set(ATTEMPTS) - set(PERMISSIONS)) == [], "these are no longer rows of PERMISSIONS"


def said(response) -> str:
    """What the answer says, as text."""
    return html.unescape(text_of(response.get_data(as_text=True)))


@pytest.mark.parametrize("action", PERMISSIONS)
def test_each_role_the_row_names_may_do_it_and_every_other_is_refused_in_its_words(app, action):
    """Each role the row names, in a conversation of its own; every other role first, in the first of those (the
    stagedocent's when the row names it: planned ahead, the others take up their places as they come in, and the
    stagedocent's actions hold for any place)."""
    rule, attempt = PERMISSIONS[action], ATTEMPTS[action]
    forbidden = [role for role in ROLES if role not in rule.roles]
    problems = []
    for role in sorted(rule.roles, key=(STAGEDOCENT, STUDENT, PRAKTIJKOPLEIDER).index):
        conversation = Conversation(app, attempt.status_for(action))
        attempt.prepare(conversation, role)
        for other in forbidden:
            conversation.browser(other)
            before = conversation.state()
            response = attempt.send(conversation, other)
            if response.status_code != 403 or rule.refusal not in said(response):
                problems.append(f"the {other} may not {action}, and was answered {response.status_code} "
                                f"{said(response)[:300]}")
            if conversation.state() != before:
                problems.append(f"the {other} may not {action}, and the room changed")
        forbidden = []
        response = attempt.send(conversation, role)
        if response.status_code >= 400:
            problems.append(f"the {role} may {action}, and was answered {response.status_code} {said(response)[:300]}")
    assert not problems, "\n".join(problems)


def test_nothing_changes_a_closed_room(app):
    """Every row that a sent conversation does not allow: someone who may do it otherwise is refused, and the
    room stays as it was."""
    conversation = Conversation(app, CLOSED)
    before = conversation.state()
    refused = []
    for action, rule in PERMISSIONS.items():
        if CLOSED in rule.statuses:
            continue
        role = STAGEDOCENT if STAGEDOCENT in rule.roles else next(role for role in ROLES if role in rule.roles)
        response = ATTEMPTS[action].send(conversation, role)
        refused.append((action, response.status_code, "afgerond" in response.get_data(as_text=True)))
    assert [answer for answer in refused if answer[1:] != (403, True)] == []
    assert len(refused) >= 20
    assert conversation.state() == before


def test_a_participant_of_one_room_cannot_act_in_another(app):
    code, people = seat_three(app)
    other = app.test_client()
    other_code = start_room(other, "Piet", "student")
    version = state(other, other_code)["version"]
    response = people["student"].post(f"/r/{other_code}/cards/draw", data={"deck": "leren"},
                                      headers={"X-CSRFToken": "x", "HX-Request": "true"})
    assert response.status_code == 400  # a token from another session is refused before anything else
    token_page = people["student"].get(f"/r/{code}").get_data(as_text=True)
    response = people["student"].post(f"/r/{other_code}/cards/draw", data={"deck": "leren"},
                                      headers={"X-CSRFToken": csrf_from(token_page), "HX-Request": "true"})
    assert response.status_code == 404
    assert state(other, other_code)["version"] == version


def test_another_rooms_agreement_cannot_be_touched(app):
    code, people = seat_three(app)
    post_action(people["student"], code, "/agreements", {"what": "Mijn afspraak", "who": ["student"],
                                                       "when": "voor-volgend-gesprek"})
    agreement = state(people["student"], code)["agreements"][0]
    other = app.test_client()
    other_code = start_room(other, "Piet", "student")
    response = post_action(other, other_code, f"/agreements/{agreement['id']}",
                           {"what": "Gekaapt", "who": ["student"], "when": "voor-volgend-gesprek", "rev": "1"})
    assert response.status_code == 404
    assert state(people["student"], code)["agreements"][0]["what"] == "Mijn afspraak"


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
