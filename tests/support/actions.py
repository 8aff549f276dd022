"""Small helpers for tests that act as people in a room."""
import re

from itsdangerous import URLSafeTimedSerializer

from tests.support.app import csrf_from
from webapp.extensions import socketio


def start_room(client, name="Sanne", role="student") -> str:
    """Start a conversation with this client; returns the room code."""
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/rooms", data={"name": name, "role": role, "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.location.rsplit("/", 1)[-1]


def join(client, code, name, role):
    token = csrf_from(client.get(f"/r/{code}").get_data(as_text=True))
    return client.post(f"/r/{code}/join", data={"name": name, "role": role, "csrf_token": token})


def room_csrf(client, code) -> str:
    """The CSRF token the room page would carry for this browser: signed from the session's own token as
    Flask-WTF signs it, so an action does not load the whole page first; a browser without one loads the page."""
    with client.session_transaction() as session:
        raw = session.get("csrf_token")
    if raw is None:
        return csrf_from(client.get(f"/r/{code}").get_data(as_text=True))
    return URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token").dumps(raw)


def post_action(client, code, path, data=None, htmx=True):
    """An action as the room page sends it: htmx with the CSRF header."""
    headers = {"X-CSRFToken": room_csrf(client, code)}
    if htmx:
        headers["HX-Request"] = "true"
    return client.post(f"/r/{code}{path}", data=data or {}, headers=headers)


def state(client, code) -> dict:
    response = client.get(f"/r/{code}/state.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def seat_three(app):
    """A room with a stagedocent, a student and a praktijkopleider, each with their own browser."""
    people = {"stagedocent": app.test_client(), "student": app.test_client(), "praktijkopleider": app.test_client()}
    code = start_room(people["stagedocent"], "Marieke", "stagedocent")
    join(people["student"], code, "Sanne", "student")
    join(people["praktijkopleider"], code, "Kees", "praktijkopleider")
    return code, people


def seated_with_phones(app):
    """Three people at the table, each phone on the socket and up to date, with afspraken, a card marked to
    discuss and a ticked checklist: every region has something to show. Disconnect the phones afterwards."""
    code, people = seat_three(app)
    phones = {}
    for role, client in people.items():
        phones[role] = socketio.test_client(app, flask_test_client=client)
        phones[role].emit("join", {"code": code, "version": state(client, code)["version"]})
    for n in range(3):
        post_action(people["praktijkopleider"], code, "/agreements",
                    {"what": f"Afspraak {n}", "who": "student", "when": "voor-volgend-gesprek"})
    post_action(people["student"], code, "/cards/leren-05/prepare", {"prepared": "1"})
    post_action(people["student"], code, "/checklist", {"item": "voor-0", "done": "1"})
    return code, people, phones


def hang_up(phones) -> None:
    for phone in phones.values():
        if phone.is_connected():
            phone.disconnect()


def agree(client, code, email="", remark=""):
    """Akkoord, as the form sends it: with the version of the draft this phone shows."""
    return post_action(client, code, "/confirm", {"email": email, "remark": remark,
                                                   "draft": state(client, code)["verslag_version"]})


def client_at(app, address):
    """A browser at another client address (the rate limits count per client address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client
