"""Starting a conversation, joining it and who may come in, over HTTP."""
import re

from tests.support.actions import join, post_action, start_room, state
from tests.support.app import csrf_from
from webapp.domain import codes


def test_start_page_offers_to_start_or_join(client):
    html = client.get("/").get_data(as_text=True)
    assert "Start een gesprek" in html
    assert 'name="code"' in html


def test_starting_a_room_makes_the_creator_its_first_participant(client):
    code = start_room(client, "Sanne", "student")
    assert codes.normalize(code) == code
    page = client.get(f"/r/{code}").get_data(as_text=True)
    assert codes.display(code) in page
    assert "<svg" in page and "QR-code" in page  # join by camera
    body = state(client, code)
    assert body["status"] == "open"
    assert [(p["name"], p["role"]) for p in body["participants"]] == [("Sanne", "student")]


def test_codes_are_typable_and_unambiguous():
    generated = {codes.new_code() for _ in range(2000)}
    assert len(generated) == 2000
    assert all(not set(code) & set("0O1IL") for code in generated)
    assert len(codes.ALPHABET) ** codes.LENGTH >= 10**9
    assert codes.normalize(" k7mp-3xq9 ") == "K7MP3XQ9"
    assert codes.normalize("K7MP3XQ0") is None


def test_three_roles_join_and_each_sees_all_three(app):
    docent, student, opleider = app.test_client(), app.test_client(), app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    assert join(student, code, "Sanne", "student").status_code == 303
    assert join(opleider, code, "Kees", "praktijkopleider").status_code == 303
    for client in (docent, student, opleider):
        names = {(p["name"], p["role"]) for p in state(client, code)["participants"]}
        assert names == {("Marieke", "stagedocent"), ("Sanne", "student"), ("Kees", "praktijkopleider")}
        assert state(client, code)["locked"] is True


def test_coming_back_is_the_same_participant(app):
    student = app.test_client()
    code = start_room(student)
    for _ in range(3):
        assert "Je doet mee als" in student.get(f"/r/{code}").get_data(as_text=True)
    assert len(state(student, code)["participants"]) == 1


def test_a_typed_code_leads_to_the_room(client):
    code = start_room(client)
    response = client.get(f"/join?code={codes.display(code).lower()}")
    assert response.status_code == 302 and response.location.endswith(f"/r/{code}")


def test_a_malformed_code_gets_a_clear_dutch_message(client):
    response = client.get("/join?code=hallo")
    assert response.status_code == 400
    assert "8 tekens" in response.get_data(as_text=True)


def test_an_unknown_code_gets_a_clear_dutch_message(client):
    response = client.get("/r/ABCDEFGH")
    assert response.status_code == 404
    assert "Deze gesprekscode kennen we niet" in response.get_data(as_text=True)


def test_an_expired_room_says_so(app, client):
    from webapp.clock import utcnow
    from webapp.extensions import db
    from webapp.models import Room

    code = start_room(client)
    with app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        room.expires_at = utcnow()
        db.session.commit()
    response = app.test_client().get(f"/r/{code}")
    assert response.status_code == 410
    assert "verlopen" in response.get_data(as_text=True)


def test_names_are_limited_and_escaped(app):
    creator = app.test_client()
    code = start_room(creator, "Marieke", "stagedocent")
    too_long = join(app.test_client(), code, "x" * 41, "student")
    assert too_long.status_code == 400
    assert "te lang" in too_long.get_data(as_text=True)
    assert join(app.test_client(), code, "  ", "student").status_code == 400
    assert join(app.test_client(), code, "Sanne", "directeur").status_code == 400

    attacker = app.test_client()
    assert join(attacker, code, "<script>x()</script>", "student").status_code == 303
    page = creator.get(f"/r/{code}").get_data(as_text=True)
    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page


def test_a_rejected_form_keeps_what_was_typed(app):
    creator = app.test_client()
    code = start_room(creator, "Marieke", "stagedocent")
    response = join(app.test_client(), code, "Sanne", "")
    assert response.status_code == 400
    assert 'value="Sanne"' in response.get_data(as_text=True)


def test_posts_without_csrf_token_are_refused(app):
    client = app.test_client()
    response = client.post("/rooms", data={"name": "Sanne", "role": "student"})
    assert response.status_code == 400
    assert "Laad de pagina opnieuw" in response.get_data(as_text=True)


def test_a_flood_of_wrong_codes_is_stopped(app):
    app.config["JOIN_RATE_LIMIT"] = "5 per minute"
    client = app.test_client()
    statuses = [client.get(f"/r/ABCDEFG{c}").status_code for c in "23456789"]
    assert statuses[:5] == [404] * 5
    assert statuses[-1] == 429
    assert "Te veel pogingen" in client.get("/r/ABCDEFGH").get_data(as_text=True)


def test_participants_reloading_their_room_are_not_limited(app):
    app.config["JOIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    code = start_room(client)
    assert all(client.get(f"/r/{code}").status_code == 200 for _ in range(10))


def test_a_full_room_turns_a_fourth_person_away_until_the_docent_opens_it(app):
    docent, student, opleider, fourth = (app.test_client() for _ in range(4))
    code = start_room(docent, "Marieke", "stagedocent")
    join(student, code, "Sanne", "student")
    join(opleider, code, "Kees", "praktijkopleider")

    page = fourth.get(f"/r/{code}").get_data(as_text=True)
    assert "Dit gesprek is vol" in page
    refused = join(fourth, code, "Piet", "praktijkopleider")
    assert refused.status_code == 403

    assert post_action(student, code, "/lock", {"locked": "0"}).status_code == 403
    assert state(docent, code)["locked"] is True
    assert post_action(docent, code, "/lock", {"locked": "0"}).status_code == 200
    assert join(fourth, code, "Piet", "praktijkopleider").status_code == 303
    assert len(state(docent, code)["participants"]) == 4


def test_the_docent_removes_a_participant_who_then_cannot_act(app):
    docent, student = app.test_client(), app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    join(student, code, "Sanne", "student")
    sanne = next(p for p in state(docent, code)["participants"] if p["name"] == "Sanne")

    assert post_action(student, code, f"/participants/{sanne['id']}/remove").status_code == 403
    response = post_action(docent, code, f"/participants/{sanne['id']}/remove")
    assert response.status_code == 200
    assert f'data-participant-id="{sanne["id"]}"' not in response.get_data(as_text=True)
    assert [p["name"] for p in state(docent, code)["participants"]] == ["Marieke"]
    assert student.get(f"/r/{code}/state.json").status_code == 404
    assert "uit dit gesprek gehaald" in student.get(f"/r/{code}").get_data(as_text=True)


def test_state_json_is_for_participants_only(app):
    owner = app.test_client()
    code = start_room(owner)
    response = app.test_client().get(f"/r/{code}/state.json")
    assert response.status_code == 404
    assert "je doet er niet aan mee" in response.get_json()["error"]


def test_htmx_errors_come_back_as_a_message_fragment(app):
    docent, student = app.test_client(), app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    join(student, code, "Sanne", "student")
    response = post_action(student, code, "/lock", {"locked": "1"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert 'hx-target="#meldingen"' in html and "Alleen de stagedocent" in html


def test_every_action_raises_the_version(app):
    docent, student, opleider = app.test_client(), app.test_client(), app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    before = state(docent, code)["version"]
    join(student, code, "Sanne", "student")
    join(opleider, code, "Kees", "praktijkopleider")
    after_joins = state(docent, code)["version"]
    assert after_joins == before + 2
    response = post_action(docent, code, "/lock", {"locked": "0"})
    assert int(response.headers["X-Room-Version"]) == after_joins + 1 == state(docent, code)["version"]


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unknown_pages_and_methods_answer_in_dutch(client):
    assert "bestaat niet" in client.get("/nergens").get_data(as_text=True)
    response = client.get("/rooms")
    assert response.status_code == 405
    assert re.search(r"Dit kan zo niet", response.get_data(as_text=True))


def test_the_browser_is_told_to_run_only_our_own_scripts(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_starting_rooms_is_limited_per_address(app):
    app.config["CREATE_RATE_LIMIT"] = "3 per hour"
    client = app.test_client()
    for _ in range(3):
        start_room(client)
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/rooms", data={"name": "Sanne", "role": "student", "csrf_token": token})
    assert response.status_code == 429


def test_the_docent_deletes_the_conversation_and_every_phone_leaves(app):
    from tests.support.actions import seat_three
    from webapp.extensions import socketio

    code, people = seat_three(app)
    student_phone = socketio.test_client(app, flask_test_client=people["student"])
    student_phone.emit("join", {"code": code, "version": 0})
    post_action(people["student"], code, "/agreements", {"what": "Iets", "who": ["student"],
                                                          "when": "voor-volgend-gesprek"})
    assert post_action(people["student"], code, "/delete").status_code == 403
    response = post_action(people["stagedocent"], code, "/delete")
    assert response.headers["HX-Redirect"] == "/?verwijderd=1"
    assert "deleted" in [event["name"] for event in student_phone.get_received()]
    assert people["student"].get(f"/r/{code}/state.json").status_code == 404
    assert "Het gesprek is verwijderd" in people["stagedocent"].get("/?verwijderd=1").get_data(as_text=True)


def test_an_open_room_still_takes_at_most_eight_people(app):
    from webapp.domain.rooms import MAX_PARTICIPANTS

    docent = app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    join(app.test_client(), code, "Sanne", "student")
    join(app.test_client(), code, "Kees", "praktijkopleider")
    for n in range(MAX_PARTICIPANTS - 3):
        post_action(docent, code, "/lock", {"locked": "0"})  # one more person, then it locks again
        assert join(app.test_client(), code, f"Gast {n}", "praktijkopleider").status_code == 303
    post_action(docent, code, "/lock", {"locked": "0"})
    refused = join(app.test_client(), code, "Nog een", "praktijkopleider")
    assert refused.status_code == 403 and "vol" in refused.get_data(as_text=True)


def test_behind_a_trusted_proxy_limits_count_the_real_client(app):
    from webapp import create_app

    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1, "JOIN_ADDRESS_LIMIT": "2 per minute"})
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.2"):  # a new browser each time: only the address counts
        response = proxied.test_client().get("/r/ABCDEFGH", headers={"X-Forwarded-For": address})
        assert response.status_code == 404  # a third guess from one address would be 429
    assert proxied.test_client().get("/r/ABCDEFGH", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 429
