"""What one change costs, counted exactly: the SQL statements of the whole request, the live regions it renders,
and what each phone is sent. A change that adds work (a statement, a render, a region pushed that did not change)
fails here; the time it takes is measured in bench/change_cost.py, never asserted.

The counts are those of a room at the table with three phones on the socket, afspraken, a card marked to
discuss, a ticked checklist and a card on the table (the `table` fixture); bench/RESULTS.md ("Half the cost of a
change") has them before and after issue 21.
"""
import re
from collections import Counter
from dataclasses import dataclass

import pytest
from flask.signals import template_rendered
from flask_limiter.util import get_qualified_name
from sqlalchemy import event, select

from tests.support.actions import hang_up, post_action, room_csrf, seat_three, seated_with_phones, state
from webapp import identity
from webapp.extensions import db, limiter, socketio
from webapp.models import Participant, Room
from webapp.presentation.regions import ALL, Renderer


@dataclass
class Cost:
    statements: list[str]  # every SQL statement of the request, in order
    after_commit: int  # how many of them came after the COMMIT
    rendered: Counter  # live region -> how often it was rendered
    pushed: dict[str, dict]  # role -> the one `update` its phone got; the acting phone's is its answer
    answer: object  # the acting phone's HTTP answer


@pytest.fixture
def table(app):
    """Three phones on the socket in a room where every region has something to show (helpers), in the first
    cards step with the student's card on the table."""
    code, people, phones = seated_with_phones(app)
    post_action(people["student"], code, "/phase", {"phase": "leren"})
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-05"})
    for phone in phones.values():
        phone.get_received()
    yield code, people, phones
    hang_up(phones)


def change(app, table, role: str, path: str, data: dict) -> Cost:
    """One action as app.js sends it (the page's CSRF token taken before, the phone's socket named), and what it
    cost. The acting phone gets the change once: in its answer, not on its socket."""
    code, people, phones = table
    token = room_csrf(people[role], code)
    socket_id = socketio.server.manager.sid_from_eio_sid(phones[role].eio_sid, "/")
    statements, commits, rendered = [], [], Counter()
    with app.app_context():
        engine = db.engine

    def statement(_conn, _cursor, sql, *_args):
        statements.append(" ".join(sql.split()))

    def commit(_conn):
        commits.append(len(statements))

    def render(_sender, template, **_extra):
        if template.name.startswith("regions/"):
            rendered[template.name.removeprefix("regions/").removesuffix(".html")] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    template_rendered.connect(render, app)
    try:
        answer = people[role].post(f"/r/{code}{path}", data=data,
                                   headers={"X-CSRFToken": token, "HX-Request": "true", "X-Socket-Id": socket_id})
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
        template_rendered.disconnect(render, app)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    pushed = {}
    for other, phone in phones.items():
        updates = [event["args"][0] for event in phone.get_received() if event["name"] == "update"]
        if other == role:
            assert updates == [], "the acting phone got its change on its socket as well"
            pushed[role] = {"version": int(answer.headers["X-Room-Version"]), "fragments": live_parts(answer)}
        else:
            [pushed[other]] = updates
    return Cost(statements, len(statements) - commits[-1], rendered, pushed, answer)


def live_parts(answer) -> dict[str, str]:
    """The live regions in an htmx answer (its own pieces, such as the notices, left out)."""
    found = re.findall(r'<hx-partial hx-target="#([\w-]+)" hx-swap="outerMorph">(.*?)</hx-partial>',
                       answer.get_data(as_text=True), re.DOTALL)
    return {region: html for region, html in found if region in ALL}


def fresh_regions(app, code: str) -> dict[str, dict[str, str]]:
    """Every region of every deelnemer's screen as a fresh load renders it now, by role."""
    with app.app_context(), app.test_request_context():
        room = db.session.scalar(select(Room).where(Room.code == code))
        renderer = Renderer(room)
        return {person.role: renderer.screen_of(person) for person in room.active_participants}


def assert_pushed_exactly(app, code: str, cost: Cost, regions: dict[str, set[str]]) -> None:
    """Each phone got one update with exactly these regions, byte for byte as a fresh load shows them: nothing
    else, nothing twice, so its bytes are exactly theirs."""
    screens = fresh_regions(app, code)
    for role, update in cost.pushed.items():
        assert set(update["fragments"]) == regions[role], role
        version = int(cost.answer.headers["X-Room-Version"])  # the version the acting phone's answer shows
        assert update == {"version": version,
                          "fragments": {region: screens[role][region] for region in regions[role]}}, role


def assert_one_pass(cost: Cost) -> None:
    """Nothing is read again after the commit, and the session cookie is not signed again for an action."""
    assert cost.after_commit == 0, cost.statements[-cost.after_commit:]
    assert "Set-Cookie" not in cost.answer.headers


# Every change starts with the room and everyone in it, the acting deelnemer among them (one statement), and the
# version raised (the row comes back with the UPDATE; nobody changed the room in between, so nobody is read again:
# test_room_rules has the change that comes second); it ends with the room's row written once: the columns the
# change set and the digests of what each phone was sent. Nothing else is read twice.
FRAME = ("SELECT room.id", "UPDATE room SET version=")
ROOM_WRITTEN = re.compile(r"UPDATE room SET (?:\w+=\?, )*pushed=\? WHERE room.id = \?$")


def assert_framed(cost: Cost, statements: int, room_columns: tuple[str, ...] = ("activity",)) -> None:
    assert [sql[:len(start)] for sql, start in zip(cost.statements, FRAME)] == list(FRAME)
    assert ROOM_WRITTEN.match(cost.statements[-1]), cost.statements[-1]
    assert cost.statements[-1].startswith(f"UPDATE room SET {'=?, '.join(room_columns)}=?, pushed=?")
    assert len(cost.statements) == statements, "\n".join(cost.statements)


def test_what_a_phase_change_costs(app, table):
    code, _people, _phones = table
    cost = change(app, table, "student", "/phase", {"phase": "begeleiden"})
    # Besides the frame: the cards of the room (a cards step's panel says which were discussed); the phase, when
    # it started and the activity line are written with the digests.
    assert_framed(cost, 4, ("phase", "phase_started_at", "activity"))
    assert cost.statements[2].startswith("SELECT room_card.")
    # The top bar is the same for every role; the card panel and the step are each role's own.
    assert cost.rendered == {"fase": 1, "kaartje": 3, "stap": 3}
    # The card on the table is the same in the next cards step: rendered, compared, not sent.
    assert_pushed_exactly(app, code, cost, {role: {"fase", "stap"} for role in cost.pushed})
    assert_one_pass(cost)


def test_what_a_note_costs(app, table):
    code, people, _phones = table
    card = state(people["stagedocent"], code)["current_card"]["id"]
    cost = change(app, table, "stagedocent", f"/cards/{card}/note", {"note": "Wat we bespraken.", "rev": "0"})
    # Besides the frame: the note to write (with its revision), the note, the room's cards.
    assert_framed(cost, 6)
    assert cost.rendered == {"kaartje": 3, "stap": 3, "besproken": 1}
    assert_pushed_exactly(app, code, cost, {role: {"kaartje", "stap"} for role in cost.pushed})
    assert_one_pass(cost)


def test_what_an_afspraak_costs(app, table):
    code, _people, _phones = table
    cost = change(app, table, "praktijkopleider", "/agreements",
                  {"what": "Sanne vraagt feedback.", "who": "student", "when": "voor-volgend-gesprek"})
    # Besides the frame: the afspraken there are (at most 100), the new one; for the screens the afspraken with those
    # just taken away, the checklists and who is online (the tabs count what is left to prepare and who is there).
    assert_framed(cost, 8)
    # The afspraken once for all three (ROLE_BY), the step (the activity line) per role, the tabs' counts once.
    assert cost.rendered == {"afspraken": 1, "stap": 3, "tabs": 1}
    assert_pushed_exactly(app, code, cost, {role: {"afspraken", "stap", "tabs"} for role in cost.pushed})
    assert_one_pass(cost)


def test_the_acting_phone_gets_its_change_once_and_every_other_phone_as_before(app, table):
    """Sanne acts on her phone (its socket named); her laptop, Kees and Marieke get the push, her phone only its
    answer. A socket named that is not hers (Kees's), or an answer that does not carry the change (a plain form's
    redirect), takes nothing from anyone's push."""
    code, people, phones = table
    laptop = socketio.test_client(app, flask_test_client=people["student"])
    laptop.emit("join", {"code": code, "version": state(people["student"], code)["version"]})
    laptop.get_received()

    def updates(phone):
        return [event["args"][0] for event in phone.get_received() if event["name"] == "update"]

    def act(phase, socket_of, htmx=True):
        headers = {"X-CSRFToken": room_csrf(people["student"], code),
                   "X-Socket-Id": socketio.server.manager.sid_from_eio_sid(socket_of.eio_sid, "/")}
        if htmx:
            headers["HX-Request"] = "true"
        return people["student"].post(f"/r/{code}/phase", data={"phase": phase}, headers=headers)

    answer = act("begeleiden", phones["student"])
    assert updates(phones["student"]) == []
    [pushed] = updates(laptop)
    assert pushed["version"] == int(answer.headers["X-Room-Version"]) and live_parts(answer) == pushed["fragments"]
    assert all(len(updates(phones[role])) == 1 for role in ("stagedocent", "praktijkopleider"))

    act("leren", phones["praktijkopleider"])  # Kees's socket, named from Sanne's seat
    assert len(updates(phones["praktijkopleider"])) == 1 and len(updates(phones["student"])) == 1
    assert act("kennismaken", phones["student"], htmx=False).status_code == 303
    assert len(updates(phones["student"])) == 1 and len(updates(laptop)) == 2
    laptop.disconnect()


# The request around a change --------------------------------------------------------------------------------

def test_the_session_cookie_is_signed_again_only_when_it_changed_or_is_an_hour_old(app, monkeypatch):
    code, people = seat_three(app)
    student = people["student"]
    answer = post_action(student, code, "/phase", {"phase": "leren"})
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    later = identity.clock() + identity.RENEW_SECONDS
    monkeypatch.setattr(identity, "clock", lambda: later)
    renewed = [cookie for cookie in post_action(student, code, "/phase", {"phase": "kennismaken"}).headers
               .getlist("Set-Cookie") if cookie.startswith("session=")]
    assert len(renewed) == 1 and "Expires=" in renewed[0]  # RETENTION_DAYS from now again
    with app.app_context():
        token = db.session.scalar(select(Participant.token).where(Participant.name == "Sanne"))
    with student.session_transaction() as session:
        assert session["rooms"] == {code: token}  # the same seat, signed anew


def test_a_seated_phone_is_served_without_asking_whether_the_process_is_busy(app, monkeypatch):
    """Admission control counts the seated sockets of the whole process; a seated phone would be served anyway."""
    code, people = seat_three(app)
    monkeypatch.setattr("webapp.admission.busy", lambda: pytest.fail("a seated phone asked whether it is busy"))
    assert post_action(people["student"], code, "/phase", {"phase": "leren"}).status_code == 200


def test_a_seated_phone_skips_the_limiter_whose_only_limits_on_the_room_are_the_code_budgets(app):
    """limits._seated_here lets a seated browser's request under /r/<code> past the limiter altogether. That is the
    same as the code budgets' own exemption only while those two are all the limits there: a limit added to a
    room's route, to the blueprint or to every route would be skipped too, so this fails first."""
    manager = limiter.limit_manager
    room_views = {endpoint: view for endpoint, view in app.view_functions.items() if endpoint.startswith("room.")}
    assert len(room_views) > 30
    with app.app_context():
        assert {limit.scope for limit in manager.blueprint_limits(app, "room")} == {"code-tries-browser",
                                                                                    "code-tries-address"}
        assert manager.default_limits == [] and manager.application_limits == []
        assert [endpoint for endpoint, view in room_views.items()
                if manager.decorated_limits(get_qualified_name(view))] == []


def test_an_answer_too_small_to_gain_from_compression_is_sent_as_it_is(app):
    """Brotli and gzip would save a few bytes of an answer under COMPRESS_MIN_SIZE (500), less than the headers they
    add, for a compressor's CPU; a change's answer (the regions that changed) is larger and compressed."""
    code, people = seat_three(app)
    browser = {"Accept-Encoding": "gzip, deflate, br, zstd", "HX-Request": "true"}
    small = people["student"].get(f"/r/{code}/fasen/nu", headers=browser)
    assert small.status_code == 200 and len(small.data) < app.config["COMPRESS_MIN_SIZE"]
    assert small.headers.get("Content-Encoding") is None
    headers = {**browser, "X-CSRFToken": room_csrf(people["student"], code)}
    answer = people["student"].post(f"/r/{code}/phase", data={"phase": "leren"}, headers=headers)
    assert answer.headers.get("Content-Encoding") == "br"
