"""One origin for every link (webapp/origin.py): every absolute URL the app makes starts with PUBLIC_URL, whatever
Host or X-Forwarded-Host a request names, and a request for a Host the app does not know is refused with a Dutch
400 before anything else happens, so nobody can have the school's mail carry a link to their own site."""
import base64
import json
import re
from io import BytesIO

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from tests.support.actions import agree, post_action, seat_three, start_room, text_of
from tests.support.app import app_on_fresh_database, csrf_from
from tests.support.stages import NEXT_WEEK, conversation, planned_room
from webapp import origin
from webapp.config import Config, trusted_hosts
from webapp.domain import outbox
from webapp.extensions import db
from webapp.models import OutboxMessage, Participant, Room
from webapp.presentation.invite import qr_svg

PUBLIC = "https://stagegesprek.example"
DOCENT = "marieke@school.example"
URL = re.compile(r"https?://[^\s\"'<>)\]]+")
# How a client reaches the app: straight (the test client's Host, localhost, which TRUSTED_HOSTS names besides
# PUBLIC_URL's), or through one proxy that names another trusted host in X-Forwarded-Host.
STRAIGHT = {"settings": {}, "environ": {}}
BEHIND_A_PROXY = {"settings": {"TRUSTED_PROXIES": 1},
                  "environ": {"HTTP_X_FORWARDED_HOST": "127.0.0.1:8443", "HTTP_X_FORWARDED_PROTO": "https",
                              "HTTP_REFERER": "https://127.0.0.1:8443/"}}  # on https, CSRF wants a Referer
WAYS_IN = pytest.mark.parametrize("public_app", [STRAIGHT, BEHIND_A_PROXY], indirect=True,
                                  ids=["straight", "behind-a-proxy"])


@pytest.fixture
def public_app(tmp_path, request):
    """The app at PUBLIC, which also answers for localhost and 127.0.0.1 (TRUSTED_HOSTS)."""
    way_in = getattr(request, "param", STRAIGHT)
    with app_on_fresh_database(tmp_path, PUBLIC_URL=PUBLIC,
                               TRUSTED_HOSTS=trusted_hosts(PUBLIC, "localhost,127.0.0.1", local=False),
                               **way_in["settings"]) as app:
        app.test_client_class = _client_class(way_in["environ"])
        yield app


def _client_class(environ):
    class Client(FlaskClient):  # every request of every client of this app comes in the same way
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.environ_base.update(environ)
    return Client


def urls_in_outbox(app) -> dict[str, list[str]]:
    """Every http(s) URL in every queued mail, per mail: its text, its HTML and each attachment (an .ics unfolded,
    a PDF's text and link annotations)."""
    found = {}
    with app.app_context():
        for message in db.session.query(OutboxMessage).order_by(OutboxMessage.id):
            texts = [message.text_body, message.html_body or ""]
            for attachment in json.loads(message.attachments):
                if attachment.get("base64"):
                    texts.extend(_pdf_texts(base64.b64decode(attachment["content"])))
                else:
                    texts.append(attachment["content"].replace("\r\n ", ""))  # an .ics folds lines at 75 octets
            found[f"{message.kind} #{message.id}: {message.subject}"] = [u for t in texts for u in URL.findall(t)]
    return found


def _pdf_texts(data: bytes) -> list[str]:
    reader = PdfReader(BytesIO(data))
    links = [str(annotation.get_object().get("/A", {}).get("/URI", "")) for page in reader.pages
             for annotation in page.get("/Annots", []) or []]
    return [page.extract_text() for page in reader.pages] + links


def plan_with_invitees(client) -> str:
    return planned_room(client, **{"name-student": "Sanne", "email-student": "sanne@student.example",
                                   "name-praktijkopleider": "Kees", "email-praktijkopleider": "kees@bedrijf.example"})


def send_verslag_with_next_meeting(app) -> str:
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/agreements",
                {"what": "Sanne vraagt elke vrijdag om feedback.", "who": ["student"], "when": "voor-volgend-gesprek"})
    post_action(people["stagedocent"], code, "/close")
    post_action(people["stagedocent"], code, "/next-meeting", {"next_date": NEXT_WEEK, "next_time": "10:00"})
    for role, client in people.items():
        assert agree(client, code, f"{role}@school.example").status_code == 200
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200
    return code


def ask_sign_in(client, address, headers=None):
    page = client.get("/mijn-gesprekken/inloggen", headers=headers).get_data(as_text=True)
    token = csrf_from(page) if "csrf_token" in page else ""  # a refused page has no form
    return client.post("/mijn-gesprekken/inloggen", data={"email": address, "csrf_token": token}, headers=headers)


def sign_in_mails(app) -> list[str]:
    with app.app_context():
        return [m.text_body for m in db.session.query(OutboxMessage).filter_by(kind=outbox.SIGN_IN)]


@WAYS_IN
def test_every_link_in_every_mail_and_on_the_room_page_starts_with_public_url(public_app):
    app = public_app
    docent = app.test_client()
    conversation(app, docent, "Sanne", DOCENT, "sanne@student.example")  # the verslag: three mails with PDF
    send_verslag_with_next_meeting(app)  # three more, each with an .ics for the vervolggesprek
    planned = plan_with_invitees(docent)  # two invitations, each with an .ics
    assert ask_sign_in(app.test_client(), DOCENT).status_code == 200  # a member's address: a sign-in link

    mails = urls_in_outbox(app)
    assert {name.split(" ")[0] for name in mails} == {"verslag", "invitation", "sign_in"}, list(mails)
    for name, urls in mails.items():
        assert urls, f"{name}: no link at all"
        assert [url for url in urls if not url.startswith(PUBLIC + "/")] == [], name

    # The room page: the invitation link and its QR code; and the personal link made to share by hand.
    open_room = app.test_client()
    code = start_room(open_room, "Marieke", "stagedocent")
    page = open_room.get(f"/r/{code}").get_data(as_text=True)
    expected = f"{PUBLIC}/r/{code}"
    assert f'href="{expected}"' in page and str(qr_svg(expected)) in page
    assert [url for url in URL.findall(page) if not url.startswith(PUBLIC + "/")] == []
    with app.app_context():
        student_id = db.session.query(Participant.id).join(Room).filter(
            Room.code == planned, Participant.role == "student").scalar()
    shared = post_action(docent, planned, f"/participants/{student_id}/link").get_data(as_text=True)
    assert re.search(rf"{re.escape(PUBLIC)}/r/{planned}/welkom/[\w-]+", shared), text_of(shared)
    assert [url for url in URL.findall(shared) if not url.startswith(PUBLIC + "/")] == []


@WAYS_IN
def test_a_sign_in_link_asked_for_with_another_host_is_refused_and_queues_no_mail(public_app):
    app = public_app
    conversation(app, app.test_client(), "Sanne", DOCENT, "sanne@student.example")  # DOCENT is a member
    # Straight in, the attacker names their own Host; through the proxy, that Host arrives as X-Forwarded-Host.
    evil = {"X-Forwarded-Host" if app.config["TRUSTED_PROXIES"] else "Host": "evil.example"}
    answer = ask_sign_in(app.test_client(), DOCENT, evil)
    assert answer.status_code == 400
    assert origin.UNKNOWN_HOST in text_of(answer.get_data(as_text=True))
    assert sign_in_mails(app) == []
    # The owner asks through the real address and gets her link, on PUBLIC_URL.
    assert ask_sign_in(app.test_client(), DOCENT).status_code == 200
    [mail] = sign_in_mails(app)
    assert [url.startswith(f"{PUBLIC}/mijn-gesprekken/inloggen/") for url in URL.findall(mail)] == [True]


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}, {"Accept": "application/json"}],
                         ids=["page", "htmx", "json"])
def test_an_unknown_host_gets_a_dutch_400_on_every_kind_of_request(client, headers):
    for method, path in (("GET", "/"), ("GET", "/r/ABCD-EFGH/state.json"), ("POST", "/rooms"),
                         ("GET", "/mijn-gesprekken/inloggen"), ("GET", "/static/app.css")):
        answer = client.open(path, method=method, headers={"Host": "evil.example", **headers})
        assert answer.status_code == 400, (method, path)
        assert origin.UNKNOWN_HOST in answer.get_data(as_text=True), (method, path)
    assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200  # the port is not the host


def test_without_settings_links_go_to_localhost_and_the_app_answers_for_this_machine(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    for name in ("PUBLIC_URL", "TRUSTED_HOSTS", "PORT"):
        monkeypatch.delenv(name, raising=False)
    config = Config(str(tmp_path))
    assert (config.PUBLIC_URL, config.TRUSTED_HOSTS) == ("http://localhost:5000", ["localhost", "127.0.0.1"])

    monkeypatch.setenv("PUBLIC_URL", "https://Stagegesprek.School.nl/")
    monkeypatch.setenv("TRUSTED_HOSTS", "intern.school.nl, ")
    config = Config(str(tmp_path))
    assert (config.PUBLIC_URL, config.TRUSTED_HOSTS) == \
        ("https://stagegesprek.school.nl", ["stagegesprek.school.nl", "intern.school.nl"])

    for wrong in ("stagegesprek.school.nl", "https://school.nl/stagegesprek", "ftp://school.nl"):
        monkeypatch.setenv("PUBLIC_URL", wrong)
        with pytest.raises(ValueError, match="PUBLIC_URL"):
            Config(str(tmp_path))
