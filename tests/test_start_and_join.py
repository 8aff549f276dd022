"""Start and join like a quiz app (issue 19, item 2), over HTTP: a wrong code answered on the start page with the
code kept, and the join form that names who holds each role while the room fills. The browser side (in view at
360 x 740, focus, 200 % text, axe) is tests/e2e/test_start_and_join.py."""
import re

from tests.support.actions import join, post_action, start_room, text_of
from tests.support.app import csrf_from
from webapp.clock import utcnow
from webapp.domain import codes
from webapp.extensions import db
from webapp.models import Room


def _code_field(html: str) -> str:
    return re.search(r'<input id="code"[^>]*>', html).group(0)


def _role(html: str, role: str) -> str:
    """The label of one role's radio button on the join form, as text, with whether it can be chosen."""
    label = re.search(rf'<label class="choice[^"]*">\s*<input type="radio" name="role" value="{role}"[^>]*>.*?</label>',
                      html, re.S).group(0)
    return ("disabled " if re.search(r"<input[^>]*\bdisabled\b", label) else "") + text_of(label)


def test_a_wrong_code_is_answered_under_the_code_field_with_the_code_kept(client):
    response = client.get("/join?code=abcd-efgh")
    html = response.get_data(as_text=True)
    assert response.status_code == 404  # the start page itself, not a page of its own
    field = _code_field(html)
    assert 'value="abcd-efgh"' in field and 'aria-invalid="true"' in field and "autofocus" in field
    assert 'aria-describedby="code-error"' in field
    message = re.search(r'<p class="melding fout" role="alert" id="code-error">(.*?)</p>', html, re.S).group(1)
    assert message == "Deze gesprekscode kennen we niet. Kijk de code goed na."
    assert html.index('id="code"') < html.index('id="code-error"')  # under the field
    assert "Start een gesprek" in html  # the rest of the start page is there


def test_a_malformed_code_is_kept_too(client):
    response = client.get("/join?code=hallo")
    assert response.status_code == 400 and 'value="hallo"' in _code_field(response.get_data(as_text=True))


def test_the_start_page_says_of_a_code_what_its_address_says_and_no_more(app, client):
    """Unknown, expired or real: the answer under the field is the message /r/<code> gives (the join form is
    already how a real code differs from an unknown one); a real code goes to the room, as before."""
    real, old = start_room(app.test_client()), start_room(app.test_client())
    with app.app_context():
        db.session.query(Room).filter_by(code=old).one().expires_at = utcnow()
        db.session.commit()
    for code, status in (("ABCDEFGH", 404), (old, 410)):
        typed = codes.display(code).lower()
        on_start = client.get(f"/join?code={typed}")
        at_address = client.get(f"/r/{code}")
        assert on_start.status_code == at_address.status_code == status
        said = re.search(r'id="code-error">(.*?)</p>', on_start.get_data(as_text=True), re.S).group(1)
        assert said in at_address.get_data(as_text=True)
        assert f'value="{typed}"' in _code_field(on_start.get_data(as_text=True))
    response = client.get(f"/join?code={codes.display(real).lower()}")
    assert response.status_code == 302 and response.location.endswith(f"/r/{real}")


def test_a_wrong_code_on_the_start_page_uses_one_try_of_the_one_budget(app):
    app.config["JOIN_RATE_LIMIT"] = "3 per minute"
    real = start_room(app.test_client())
    guesser = app.test_client()
    assert guesser.get("/join?code=ABCDEFGH").status_code == 404
    assert guesser.get("/join?code=ABCDEFG2").status_code == 404
    assert guesser.get(f"/join?code={real}").status_code == 302  # a real code is no failure,
    assert guesser.get(f"/r/{real}").status_code == 200  # and neither is its join form
    assert guesser.get("/r/ABCDEFG3").status_code == 404  # the third failure, on another way in
    assert guesser.get(f"/join?code={real}").status_code == 429
    assert guesser.get("/join?code=ABCDEFG4").status_code == 429


def test_the_join_form_focuses_the_name_and_marks_the_roles_taken_while_the_room_fills(app):
    docent, student, opleider, newcomer = (app.test_client() for _ in range(4))
    code = start_room(docent, "Marieke", "stagedocent")
    html = newcomer.get(f"/r/{code}").get_data(as_text=True)
    assert re.search(r'<input id="join-name"[^>]*\bautofocus\b', html)
    assert _role(html, "stagedocent") == "disabled Stagedocent al bezet: Marieke"
    assert _role(html, "student") == "Student"
    assert _role(html, "praktijkopleider") == "Praktijkopleider"

    # A second praktijkopleider may still come in while the room fills: named, not taken.
    assert join(opleider, code, "Kees", "praktijkopleider").status_code == 303
    html = newcomer.get(f"/r/{code}").get_data(as_text=True)
    assert _role(html, "praktijkopleider") == "Praktijkopleider Kees is er al"
    assert _role(html, "student") == "Student"

    join(student, code, "Sanne", "student")  # the three are in: the room locks
    full = newcomer.get(f"/r/{code}").get_data(as_text=True)
    assert "Dit gesprek is vol" in full
    assert not {"Marieke", "Sanne", "Kees"} & set(text_of(full).split())  # a full room names nobody


def test_once_the_docent_lets_one_more_in_every_role_is_open(app):
    docent, newcomer = app.test_client(), app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    join(app.test_client(), code, "Sanne", "student")
    join(app.test_client(), code, "Kees", "praktijkopleider")
    assert post_action(docent, code, "/lock", {"locked": "0"}).status_code == 200
    html = newcomer.get(f"/r/{code}").get_data(as_text=True)
    assert _role(html, "stagedocent") == "Stagedocent Marieke is er al"
    assert _role(html, "student") == "Student Sanne is er al"


def test_out_of_code_tries_the_start_page_answers_under_the_code_field_with_the_code_kept(app):
    """The budget for trying codes, used up: the same start page as for a wrong code, with the message under the
    field and the code as typed, not a page of its own."""
    app.config["JOIN_RATE_LIMIT"] = "2 per minute"
    guesser = app.test_client()
    for typed in ("abcd-efgh", "abcd-efg2"):
        assert guesser.get(f"/join?code={typed}").status_code == 404
    response = guesser.get("/join?code=abcd-efg3")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    field = _code_field(html)
    assert 'value="abcd-efg3"' in field and 'aria-invalid="true"' in field and "autofocus" in field
    assert 'aria-describedby="code-error"' in field
    message = re.search(r'<p class="melding fout" role="alert" id="code-error">(.*?)</p>', html, re.S).group(1)
    assert re.fullmatch(r"Te veel pogingen\. Probeer het over (een minuut|\d minuten) opnieuw\.", message), message
    assert html.index('id="code"') < html.index('id="code-error"')
    assert "Start een gesprek" in html


def test_out_of_starts_the_start_form_says_so_with_the_name_kept(app):
    app.config["CREATE_RATE_LIMIT"] = "1 per hour"
    client = app.test_client()
    start_room(client)
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/rooms", data={"name": "Sanne", "role": "student", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert re.search(r'<details id="nu-starten" open>', html)
    message = re.search(r'id="start-error">(.*?)</p>', html, re.S).group(1)
    assert re.fullmatch(r"Te veel pogingen\. Probeer het over (een uur|\d+ minuten) opnieuw\.", message), message
    assert re.search(r'<input id="start-name"[^>]*value="Sanne"', html)
