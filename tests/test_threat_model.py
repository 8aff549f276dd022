"""The threat model of docs/security.md, one test per thing someone CANNOT do, for what holds today.

Each test is named after its "cannot" and cited there as tests/test_threat_model.py::<name>. The tests check
outcomes (no room data in any answer, nothing changed, no address left), not status codes alone, so they
hold whichever 4xx a refusal uses. The three problems found while writing it (two leaks of an address, one
rate-limit bug) are at the end, fixed.
"""
import json
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.actions import agree, join, post_action, start_room, state
from tests.support.app import csrf_from
from tests.support.servers import free_port
from webapp.clock import utcnow
from webapp.domain import codes, outbox
from webapp.domain.rooms import MAX_PARTICIPANTS
from webapp.extensions import db, mail, socketio
from webapp.models import Agreement, OutboxMessage, Participant, Room

# Room B is the one under attack; room A is another room whose deelnemers try to reach into B.
B_NAMES = {"stagedocent": "Bregje", "student": "Bastiaan", "praktijkopleider": "Berend"}
A_NAMES = {"stagedocent": "Marieke", "student": "Sanne", "praktijkopleider": "Kees"}
B_AFSPRAAK = "Bastiaan oefent het kassagesprek met Berend."
B_NOTE = "Bastiaan was zenuwachtig bij de klant."
B_REMARK = "Bastiaan vond het gesprek spannend."
B_EMAIL = "bastiaan@leerling.example"
B_SECRETS = (*B_NAMES.values(), B_AFSPRAAK, B_NOTE, B_REMARK, B_EMAIL)
EMAILS = {"stagedocent": "bregje@school.example", "student": B_EMAIL, "praktijkopleider": "berend@bedrijf.example"}

# Everything a room action could take, so that a refusal is the only thing that stops it.
ANY_FORM = {"what": "Gekaapt", "who": "student", "when": "voor-volgend-gesprek", "rev": "1", "note": "Gekaapt",
            "email": "dief@example.nl", "remark": "Gekaapt", "force": "1", "locked": "0", "deck": "leren",
            "card": "leren-02", "phase": "leren", "item": "voor-0", "done": "1", "prepared": "1",
            "next_date": "", "next_time": ""}


def seat(app, names: dict) -> tuple[str, dict]:
    """A room with the three roles, each with their own browser; the stagedocent starts it."""
    people = {role: app.test_client() for role in ("stagedocent", "student", "praktijkopleider")}
    code = start_room(people["stagedocent"], names["stagedocent"], "stagedocent")
    for role in ("student", "praktijkopleider"):
        assert join(people[role], code, names[role], role).status_code == 303
    return code, people


def fill(code: str, people: dict, afspraak: str = B_AFSPRAAK, note: str = B_NOTE) -> None:
    """A conversation with something personal in it: a note on a discussed card, an afspraak, a tick."""
    assert post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-01"}).status_code == 200
    assert post_action(people["praktijkopleider"], code, "/cards/leren-01/note",
                       {"note": note, "rev": "0"}).status_code == 200
    assert post_action(people["student"], code, "/cards/discussed").status_code == 200
    assert post_action(people["stagedocent"], code, "/agreements",
                       {"what": afspraak, "who": ["student"], "when": "voor-volgend-gesprek"}).status_code == 200
    assert post_action(people["student"], code, "/checklist", {"item": "voor-0", "done": "1"}).status_code == 200


def close_and_agree(code: str, people: dict, emails: dict | None = None, remark: str = B_REMARK) -> None:
    assert post_action(people["stagedocent"], code, "/close").status_code == 200
    for role, address in (emails or {"student": B_EMAIL}).items():
        assert agree(people[role], code, address, remark if role == "student" else "").status_code == 200


def send(code: str, people: dict) -> None:
    assert post_action(people["stagedocent"], code, "/finalize", {"force": "1"}).status_code == 200


def room_b(app, stage: str) -> tuple[str, dict]:
    """Room B in a stage: 'open', 'closing' (the student's Akkoord and address given) or 'closed' (sent, the
    mail still queued with its address)."""
    code, people = seat(app, B_NAMES)
    fill(code, people)
    if stage in ("closing", "closed"):
        close_and_agree(code, people)
    if stage == "closed":
        send(code, people)
    return code, people


def ids_of(app, code: str) -> dict:
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == code))
        return {"participant_id": next(p.id for p in room.participants if p.role == "student"),
                "agreement_id": db.session.scalar(select(Agreement.id).where(Agreement.room_id == room.id))}


def routes(app, values: dict, only=None):
    """Every (method, endpoint, url) the app serves, read from its URL map, so a new route is walked too;
    the arguments in `values` (others get 1). `only(rule)` narrows the walk."""
    from flask import url_for

    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static" or (only and not only(rule)):
                continue
            url = url_for(rule.endpoint, **{name: values.get(name, 1) for name in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.endpoint, url


def is_for_guests(app, endpoint: str) -> bool:
    return getattr(app.view_functions[endpoint], "open_to_guests", False)


def found(body: bytes, secrets=B_SECRETS) -> list[str]:
    text = body.decode("utf-8", errors="ignore")
    return [secret for secret in secrets if secret in text]


def walk(app, browser, values: dict, only=None) -> list:
    """Every route as `browser`, as the room page sends actions (htmx, with this browser's own valid CSRF
    token, so authorization is what is tested); returns (method, endpoint, response)."""
    token = csrf_from(browser.get("/").get_data(as_text=True))
    answers = []
    for method, endpoint, url in routes(app, values, only):
        response = browser.open(url, method=method, data=ANY_FORM if method == "POST" else None,
                                headers={"X-CSRFToken": token, "HX-Request": "true"})
        answers.append((method, endpoint, response))
    return answers


def everything_in_the_database(app) -> dict[str, int]:
    """Rows per table, for every table the models define (workers are the servers, not people)."""
    with app.app_context():
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables if table.name != "worker"}


def session_of(app, client) -> dict:
    """The session cookie as the server reads it: Flask's signed (not encrypted) cookie, decoded."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def email_field(html: str) -> str | None:
    """The value the Akkoord form's address field comes pre-filled with ('' when empty, None if no field)."""
    tag = re.search(r'<input[^>]*name="email"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def connect(app, client, code):
    sio = socketio.test_client(app, flask_test_client=client)
    sio.emit("join", {"code": code, "version": 0})
    return sio


# --- Someone who knows the code but is not a deelnemer; a deelnemer of another room -----------------------


@pytest.mark.parametrize("stage", ["closing", "closed"])
@pytest.mark.parametrize("visitor", ["stranger", "deelnemer of another room"])
def test_no_route_gives_room_data_to_a_browser_that_is_not_in_the_room(app, stage, visitor):
    code, people = room_b(app, stage)
    before = state(people["stagedocent"], code)
    if visitor == "stranger":
        browser = app.test_client()
    else:
        a_code, a_people = seat(app, A_NAMES)
        browser = a_people["stagedocent"]  # the most a deelnemer can be, in their own room
    answers = walk(app, browser, {"code": code, **ids_of(app, code), "card_id": "leren-01", "phase_id": "leren",
                                  "deck_id": "leren"})
    assert len(answers) >= 35
    for method, endpoint, response in answers:
        assert found(response.data) == [], (method, endpoint)
        if endpoint.startswith("room.") and not is_for_guests(app, endpoint):
            assert 400 <= response.status_code < 500, (method, endpoint, response.status_code)
    assert state(people["stagedocent"], code) == before


def test_a_deelnemer_cannot_reach_another_rooms_afspraken_or_people_through_their_own_code(app):
    b_code, b_people = room_b(app, "open")
    b_ids = ids_of(app, b_code)
    before = state(b_people["stagedocent"], b_code)
    a_code, a_people = seat(app, A_NAMES)
    fill(a_code, a_people, afspraak="Sanne vraagt om feedback.", note="Sanne deed de kassa.")

    def takes_an_id(rule):
        return rule.endpoint.startswith("room.") and {"participant_id", "agreement_id"} & set(rule.arguments)

    for role in ("stagedocent", "student"):
        answers = walk(app, a_people[role], {"code": a_code, **b_ids}, only=takes_an_id)
        assert len(answers) >= 5
        for method, endpoint, response in answers:
            assert 400 <= response.status_code < 500, (role, endpoint, response.status_code)
            assert found(response.data) == [], (role, endpoint)
    assert state(b_people["stagedocent"], b_code) == before
    with app.app_context():
        afspraak = db.session.get(Agreement, b_ids["agreement_id"])
        assert (afspraak.what, afspraak.rev, afspraak.deleted_at) == (B_AFSPRAAK, 1, None)
        assert db.session.get(Participant, b_ids["participant_id"]).removed_at is None


@pytest.mark.parametrize("visitor", ["stranger", "deelnemer of another room"])
def test_the_socket_gives_no_room_updates_to_a_browser_that_is_not_in_the_room(app, visitor):
    code, people = room_b(app, "open")
    if visitor == "stranger":
        browser = app.test_client()
    else:
        _a_code, a_people = seat(app, A_NAMES)
        browser = a_people["student"]
    outsider = connect(app, browser, code)
    assert [event["name"] for event in outsider.get_received()] == ["denied"]
    insider = connect(app, people["student"], code)
    insider.get_received()
    post_action(people["stagedocent"], code, "/agreements",
                {"what": "Bastiaan belt Berend op maandag.", "who": ["student"], "when": "voor-volgend-gesprek"})
    assert any("Bastiaan belt Berend" in json.dumps(event["args"]) for event in insider.get_received())
    assert outsider.get_received() == []
    outsider.disconnect()
    insider.disconnect()


def test_a_locked_room_lets_nobody_new_in_with_the_code(app):
    code, people = room_b(app, "open")
    before = state(people["stagedocent"], code)
    newcomer = app.test_client()
    page = newcomer.get(f"/r/{code}")
    assert found(page.data) == []
    refused = join(newcomer, code, "Indringer", "stagedocent")
    assert refused.status_code == 403 and found(refused.data) == []
    assert newcomer.get(f"/r/{code}/state.json").status_code >= 400
    assert state(people["stagedocent"], code) == before


def test_a_forwarded_verslag_link_shows_the_verslag_read_only_and_no_place_in_the_room(app):
    """The mail carries the recipient's own link to the verslag (a signed token): whoever the mail is forwarded to
    can read it, as the recipient could, but gets no place in the room and nothing else of it."""
    from urllib.parse import urlparse

    code, _people = room_b(app, "closed")
    with app.app_context():
        outbox.deliver_due()
        [message] = app.extensions["mailman"].outbox
        link = re.search(r"https?://\S+/verslag/\S+", message.body).group(0)
    reader = app.test_client()
    path = urlparse(link).path
    assert code not in path
    assert reader.get(path).status_code == 200
    assert reader.get(f"/r/{code}/record").status_code == 404
    assert reader.get(f"/r/{code}/state.json").status_code == 404
    refused = join(reader, code, "Lezer", "praktijkopleider")  # a closed conversation takes nobody in
    assert refused.status_code == 403 and found(refused.data) == []


def test_a_page_on_another_site_cannot_open_the_socket(app):
    """Cross-site WebSocket hijacking: the Socket.IO handshake refuses another site's Origin."""
    handshake = "/socket.io/?EIO=4&transport=polling"
    client = app.test_client()
    assert client.get(handshake, headers={"Origin": "https://kwaadwillend.example"}).status_code == 400
    assert client.get(handshake, headers={"Origin": "http://localhost"}).status_code == 200


# --- A deelnemer, within their own room ---------------------------------------------------------------------


def test_no_deelnemer_sees_another_deelnemers_address(app):
    code, people = room_b(app, "open")
    assert post_action(people["stagedocent"], code, "/close").status_code == 200
    watching = {role: connect(app, people[role], code) for role in people}
    for phone in watching.values():
        phone.get_received()
    assert agree(people["student"], code, B_EMAIL).status_code == 200

    pushed = {role: json.dumps([e["args"] for e in phone.get_received()]) for role, phone in watching.items()}
    assert B_EMAIL in pushed["student"]  # their own Akkoord form, on their own phones
    assert B_EMAIL not in pushed["stagedocent"] and B_EMAIL not in pushed["praktijkopleider"]
    ids = {"code": code, **ids_of(app, code), "card_id": "leren-01", "phase_id": "leren", "deck_id": "leren"}
    for role in ("stagedocent", "praktijkopleider"):
        for method, endpoint, url in routes(app, ids, only=lambda rule: "GET" in rule.methods):
            if method == "GET":
                assert B_EMAIL not in people[role].get(url).get_data(as_text=True), (role, endpoint)
    send(code, people)
    status = people["stagedocent"].get(f"/r/{code}/mail").get_data(as_text=True)
    assert "Bastiaan" in status and "@" not in status  # names, never addresses
    for phone in watching.values():
        phone.disconnect()


def test_only_the_stagedocent_deletes_sends_removes_or_follows_the_mail(app):
    code, people = room_b(app, "closing")
    student_id = ids_of(app, code)["participant_id"]
    before = state(people["stagedocent"], code)
    for role in ("student", "praktijkopleider"):
        for path in ("/delete", "/finalize", f"/participants/{student_id}/remove", "/lock"):
            response = post_action(people[role], code, path, {"force": "1", "locked": "0"})
            assert response.status_code == 403, (role, path)
    assert state(people["stagedocent"], code) == before
    send(code, people)
    for role in ("student", "praktijkopleider"):
        assert people[role].get(f"/r/{code}/mail").status_code == 403
        assert post_action(people[role], code, "/mail/retry").status_code == 403


def test_text_typed_by_one_deelnemer_never_runs_as_script_on_another_phone(app):
    attack = "<script>alert(1)</script>"
    people = {role: app.test_client() for role in ("stagedocent", "student")}
    code = start_room(people["stagedocent"], "Bregje", "stagedocent")
    join(people["student"], code, "<img src=x onerror=alert(1)>", "student")
    post_action(people["student"], code, "/agreements",
                {"what": attack, "who": ["student"], "when": "voor-volgend-gesprek"})
    response = people["stagedocent"].get(f"/r/{code}")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    script_src = re.search(r"script-src ([^;]*)", response.headers["Content-Security-Policy"]).group(1)
    assert script_src.split() == ["'self'"]  # no inline script runs, even if one got through


# --- Someone with a stolen session cookie ------------------------------------------------------------------


def test_a_copied_cookie_stops_working_once_its_deelnemer_is_removed(app):
    code, people = room_b(app, "open")
    thief = app.test_client()
    thief.set_cookie("session", people["student"].get_cookie("session").value)
    assert state(thief, code)["agreements"][0]["what"] == B_AFSPRAAK  # NOT protected: a copy works ...
    student_id = ids_of(app, code)["participant_id"]
    assert post_action(people["stagedocent"], code, f"/participants/{student_id}/remove").status_code == 200
    assert thief.get(f"/r/{code}/state.json").status_code >= 400  # ... until the stagedocent removes them
    assert found(thief.get(f"/r/{code}").data, (B_AFSPRAAK, B_NOTE)) == []
    sio = connect(app, thief, code)
    assert [event["name"] for event in sio.get_received()] == ["denied"]


def test_a_copied_cookie_stops_working_once_the_conversation_is_deleted(app):
    code, people = room_b(app, "closed")
    thief = app.test_client()
    thief.set_cookie("session", people["student"].get_cookie("session").value)
    assert thief.get(f"/r/{code}/record").status_code == 200  # NOT protected: a copy works ...
    assert post_action(people["stagedocent"], code, "/delete").status_code == 200
    for path in ("", "/state.json", "/record", "/record.pdf"):  # ... until the room is gone
        response = thief.get(f"/r/{code}{path}")
        assert response.status_code == 404 and found(response.data) == [], path


def test_a_token_is_useless_without_the_servers_secret_key(app):
    """Someone who read the tokens (a database copy, say) cannot make a cookie the server accepts."""
    code, _people = room_b(app, "open")
    with app.app_context():
        token = db.session.scalar(select(Participant.token).where(Participant.name == "Bastiaan"))
    forger = Flask("forger")
    forger.secret_key = "not-the-servers-key"
    forged = forger.session_interface.get_signing_serializer(forger).dumps({"rooms": {code: token}})
    browser = app.test_client()
    browser.set_cookie("session", forged)
    assert browser.get(f"/r/{code}/state.json").status_code >= 400
    assert found(browser.get(f"/r/{code}").data) == []


def test_the_session_cookie_holds_no_address_or_name_after_an_akkoord(app):
    code, people = room_b(app, "closing")
    with app.app_context():
        tokens = {p.token for p in db.session.scalars(select(Participant))}
    for role, client in people.items():
        session = session_of(app, client)
        assert list(session["rooms"]) == [code] and set(session["rooms"].values()) <= tokens  # a token per room
        assert "@" not in json.dumps(session)
        assert [name for name in B_NAMES.values() if name in json.dumps(session)] == []


# --- Someone on the network ----------------------------------------------------------------------------------


def test_the_session_cookie_is_httponly_samesite_and_https_only_when_configured(app):
    def session_cookie(client) -> str:
        response = client.get("/")  # the start page's form puts a CSRF secret in the session
        return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))

    cookie = session_cookie(app.test_client())
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # NOT protected by default: HTTPS is the deployment's job
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in session_cookie(app.test_client())


def test_another_site_cannot_make_a_deelnemers_browser_act(app):
    code, people = room_b(app, "open")
    before = state(people["student"], code)
    other_session = csrf_from(app.test_client().get("/").get_data(as_text=True))
    form = {"what": "Vervalst", "who": "student", "when": "voor-volgend-gesprek"}
    for headers in ({}, {"X-CSRFToken": other_session}):
        response = people["student"].post(f"/r/{code}/agreements", data=form, headers=headers)
        assert response.status_code == 400
    assert state(people["student"], code) == before


# --- The next user of a shared school device -----------------------------------------------------------------


def test_on_a_shared_device_the_next_person_finds_no_address_after_sending(app):
    device, docent = app.test_client(), app.test_client()  # one school laptop, and the stagedocent's phone
    code = start_room(docent, "Bregje", "stagedocent")
    assert join(device, code, "Bastiaan", "student").status_code == 303
    assert post_action(docent, code, "/close").status_code == 200
    assert agree(device, code, B_EMAIL).status_code == 200
    assert email_field(device.get(f"/r/{code}").get_data(as_text=True)) == B_EMAIL  # his own, while closing
    send(code, {"stagedocent": docent})

    # Noor uses the laptop next. What it still opens of Bastiaan's conversation holds no address ...
    for path in ("", "/state.json", "/record"):
        assert B_EMAIL not in device.get(f"/r/{code}{path}").get_data(as_text=True), path
    assert "@" not in json.dumps(session_of(app, device))
    # ... and in her own conversation her Akkoord form starts empty.
    fenna = app.test_client()
    other = start_room(fenna, "Fenna", "stagedocent")
    assert join(device, other, "Noor", "student").status_code == 303
    assert post_action(fenna, other, "/close").status_code == 200
    page = device.get(f"/r/{other}").get_data(as_text=True)
    assert email_field(page) == ""
    assert B_EMAIL not in page


# --- Retention and deletion -----------------------------------------------------------------------------------


def test_addresses_are_gone_from_deelnemers_at_sending_and_from_the_outbox_once_sent(app):
    code, people = seat(app, B_NAMES)
    fill(code, people)
    close_and_agree(code, people, EMAILS)
    send(code, people)
    with app.app_context():
        assert db.session.scalars(select(Participant.email).where(Participant.email.isnot(None))).all() == []
        assert sorted(db.session.scalars(select(OutboxMessage.recipient))) == sorted(EMAILS.values())
        assert outbox.deliver_due()["sent"] == 3
        rows = db.session.scalars(select(OutboxMessage)).all()
        assert {(r.recipient, r.subject, r.text_body, r.html_body, r.attachments) for r in rows} == \
               {("", "", "", None, "[]")}
        assert all(r.sent_at for r in rows)


def test_each_mail_carries_exactly_one_address(app):
    code, people = seat(app, B_NAMES)
    close_and_agree(code, people, EMAILS)
    send(code, people)
    with app.app_context():
        outbox.deliver_due()
        sent = app.extensions["mailman"].outbox
        assert sorted(address for message in sent for address in message.to) == sorted(EMAILS.values())
        for message in sent:
            [recipient] = message.to
            raw = message.message().as_string()
            assert [a for a in EMAILS.values() if a != recipient and a in raw] == []
            assert not message.cc and not message.bcc


def test_deleting_a_conversation_leaves_no_row_of_it(app):
    code, people = room_b(app, "closed")  # with the verslag stored and its mail still queued
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert post_action(people["stagedocent"], code, "/delete").status_code == 200
    assert everything_in_the_database(app) == {name: 0 for name in everything_in_the_database(app)}


def test_a_conversation_past_retention_is_purged_with_every_row(app, runner):
    code, _people = room_b(app, "closed")
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == code))
        room.expires_at = utcnow()
        db.session.commit()
    with app.app_context():  # `flask purge` gets one from the flask command; the test runner does not
        result = runner.invoke(args=["purge"])
    assert "1 verlopen gesprek" in result.output, result.output
    assert set(everything_in_the_database(app).values()) == {0}


def test_the_purge_command_renders_what_it_changes_as_a_request_would(app, runner):
    """A vervolggesprek looked back on the conversation purged: `flask purge` changes it (its look back is gone), so
    its phones are sent their new screens, rendered at commit with the app's own links, outside any request."""
    code, people = room_b(app, "closed")
    assert post_action(people["stagedocent"], code, "/follow-up").status_code == 200
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == code))
        follow_up = db.session.scalar(select(Room).where(Room.previous_room_id == room.id))
        before = follow_up.version
        follow_up.expires_at, room.expires_at = utcnow() + timedelta(days=1), utcnow()
        db.session.commit()
        follow_up_id = follow_up.id
    with app.app_context():
        result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and "1 verlopen gesprek" in result.output, result.output
    with app.app_context():
        follow_up = db.session.get(Room, follow_up_id)
        assert follow_up.previous_room_id is None and follow_up.version > before


def test_a_conversation_past_retention_shows_nothing_even_before_the_purge(app):
    code, people = room_b(app, "closed")
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == code))
        room.expires_at = utcnow()
        db.session.commit()
    for path in ("", "/state.json", "/record", "/record.pdf"):
        response = people["student"].get(f"/r/{code}{path}")
        assert 400 <= response.status_code < 500 and found(response.data) == [], path


def test_the_conversation_and_the_cookie_last_retention_days(app):
    client = app.test_client()
    code = start_room(client)
    days = app.config["RETENTION_DAYS"]
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == code))
        assert room.expires_at - room.created_at == timedelta(days=days)
    assert app.permanent_session_lifetime == timedelta(days=days)
    assert client.get_cookie("session").expires is not None


# --- Someone guessing codes -------------------------------------------------------------------------------------


def test_codes_come_from_a_space_of_31_to_the_8th(app):
    assert len(set(codes.ALPHABET)) == 31 and codes.LENGTH == 8
    assert len(codes.ALPHABET) ** codes.LENGTH > 8.5e11
    fresh = {codes.new_code() for _ in range(2000)}
    assert len(fresh) == 2000 and all(codes.normalize(code) == code for code in fresh)


def test_guessing_codes_is_one_small_budget_for_every_way_in(app):
    app.config["JOIN_RATE_LIMIT"] = "4 per minute"
    owner = app.test_client()
    code = start_room(owner, "Bregje", "stagedocent")
    guesser = app.test_client()
    assert guesser.get("/join?code=XX").status_code == 400  # malformed
    assert guesser.get("/r/ABCDEFGH").status_code == 404  # unknown
    assert guesser.get("/r/ABCDEFGH/state.json").status_code >= 400
    assert guesser.get(f"/r/{code}/state.json").status_code >= 400  # real, but not theirs
    hit = guesser.get(f"/r/{code}")  # the budget is spent: even the right code opens nothing now
    assert hit.status_code == 429 and "Doe mee" not in hit.get_data(as_text=True)
    assert guesser.get(f"/join?code={code}").status_code == 429


# --- An abusive client flooding the server ------------------------------------------------------------------


def test_a_request_over_64_kb_is_refused_and_stores_nothing(app):
    code, people = room_b(app, "open")
    before = state(people["student"], code)
    response = post_action(people["student"], code, "/agreements",
                           {"what": "x" * 70_000, "who": ["student"], "when": "voor-volgend-gesprek"})
    assert response.status_code == 413
    assert state(people["student"], code) == before


def test_starting_conversations_is_limited_per_address(app):
    app.config["CREATE_RATE_LIMIT"] = "3 per hour"
    client = app.test_client()
    for _ in range(3):
        start_room(client)
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/rooms", data={"name": "Nog een", "role": "student", "csrf_token": token}).status_code == 429
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Room)) == 3


def test_typed_text_has_a_length_cap_everywhere(app):
    code, people = seat(app, B_NAMES)
    assert join(app.test_client(), code, "N" * 41, "praktijkopleider").status_code == 400
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-01"})
    before = state(people["student"], code)
    for path, form in (("/agreements", {"what": "a" * 501, "who": ["student"], "when": "voor-volgend-gesprek"}),
                       ("/cards/leren-01/note", {"note": "n" * 1001, "rev": "0"})):
        assert post_action(people["student"], code, path, form).status_code == 400, path
    assert state(people["student"], code) == before
    post_action(people["stagedocent"], code, "/close")
    draft = state(people["student"], code)["verslag_version"]
    for form in ({"remark": "r" * 501}, {"email": "a" * 250 + "@x.nl"}):
        response = post_action(people["student"], code, "/confirm", {"draft": draft, **form})
        assert response.status_code == 400, form
    with app.app_context():
        student = db.session.scalar(select(Participant).where(Participant.name == "Bastiaan"))
        assert student.agreed_at is None and student.email is None


def test_a_room_never_holds_more_than_eight_people(app):
    code, people = seat(app, B_NAMES)
    for n in range(MAX_PARTICIPANTS + 2):  # the stagedocent lets one more in, again and again
        post_action(people["stagedocent"], code, "/lock", {"locked": "0"})
        join(app.test_client(), code, f"Gast {n}", "praktijkopleider")
    assert len(state(people["stagedocent"], code)["participants"]) == MAX_PARTICIPANTS


# --- Found while writing docs/security.md, and fixed ------------------------------------------------------


def test_a_removed_deelnemers_address_does_not_outlive_the_sending(app):
    code, people = seat(app, B_NAMES)
    close_and_agree(code, people, {"praktijkopleider": EMAILS["praktijkopleider"]})
    berend = next(p["id"] for p in state(people["stagedocent"], code)["participants"] if p["name"] == "Berend")
    assert post_action(people["stagedocent"], code, f"/participants/{berend}/remove").status_code == 200
    send(code, people)
    with app.app_context():
        assert db.session.scalars(select(Participant.email).where(Participant.email.isnot(None))).all() == []


def test_a_refused_address_does_not_stay_in_the_outbox_error_after_sending(app):
    from tests.support.smtp import Recorder, SMTPServer

    class GreylistOnce(Recorder):
        """Refuses every recipient once with a temporary 450, as greylisting servers do; then accepts."""

        refused = False

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if not self.refused:
                self.refused = True
                return "450 4.2.0 Greylisted, try again later"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    server = SMTPServer(free_port())
    server.recorder = GreylistOnce()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    mail.init_app(app)
    server.start()
    try:
        with app.app_context():
            outbox.enqueue(kind=outbox.VERSLAG, recipient=B_EMAIL, subject="Verslag", text_body="Het verslag.")
            db.session.commit()
            assert outbox.deliver_due()["failed"] == 1
            assert outbox.deliver_due(now=utcnow() + timedelta(minutes=1))["sent"] == 1
            message = db.session.scalar(select(OutboxMessage))
            assert message.sent_at and message.recipient == ""
            assert B_EMAIL not in (message.last_error or "")
    finally:
        server.stop()



def test_a_guesser_does_not_lock_out_the_deelnemers_behind_the_same_address(app):
    """A browser holding a token for the room in the address is never held back by the failures of others
    behind the same address (a school's one NAT address)."""
    app.config.update(JOIN_RATE_LIMIT="2 per minute", JOIN_ADDRESS_LIMIT="3 per minute")
    owner = app.test_client()
    code = start_room(owner, "Bregje", "stagedocent")
    for wrong in ("ABCDEFGH", "ABCDEFGJ", "ABCDEFGK", "ABCDEFGM"):
        app.test_client().get(f"/r/{wrong}")  # a guesser who throws the cookie away after every try
    # (the test client is 127.0.0.1 for everyone: one school behind one address)
    assert owner.get(f"/r/{code}").status_code == 200
    assert owner.get(f"/r/{code}/state.json").status_code == 200
