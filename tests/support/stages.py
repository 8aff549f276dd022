"""A stage's conversations as people make them over HTTP: planned ahead with a personal link for each, held and
sent, followed by the next with one tap; and Mijn gesprekken, where the stagedocent signs in with a link by mail
and sees every stage (also thirty of them, written straight into the database)."""
import email
import email.policy
import json
import re
import time
from datetime import date, timedelta
from pathlib import Path

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tests.support.actions import agree, join, post_action, start_room, text_of
from tests.support.app import csrf_from
from webapp.clock import utcnow
from webapp.domain import accounts
from webapp.extensions import db
from webapp.models import OutboxMessage, Participant, Record, Room, Series, SeriesMember
from webapp.models.room import Admission, RoomStatus

MARIEKE = "marieke@school.example"  # the stagedocent's address
SANNE = "sanne@student.example"
KEES = "kees@bakkerij.example"


# Planned ahead: each their own link -----------------------------------------------------------------------------------

NEXT_WEEK = (date.today() + timedelta(days=7)).isoformat()
WELCOME_LINK = re.compile(r"https?://[^/\s]+/r/[A-Z0-9]+/welkom/[A-Za-z0-9_-]+")  # a personal link to a place


def plan(client, **fields):
    """The planning form as a person fills it in: the stagedocent plans for next week at 14:00 by default."""
    data = {"role": "stagedocent", "date": NEXT_WEEK, "time": "14:00", "moment": "start",
            "name-stagedocent": "Marieke", "name-student": "", "email-student": "", "name-praktijkopleider": "",
            "email-praktijkopleider": "", "email-stagedocent": "", **fields}
    data["csrf_token"] = csrf_from(client.get("/plannen").get_data(as_text=True))
    return client.post("/plannen", data=data)


def planned_room(client, **fields) -> str:
    response = plan(client, **fields)
    assert response.status_code == 303, text_of(response.get_data(as_text=True))
    return response.location.split("/r/")[1].split("#")[0]


def new_link(client, code, participant_id) -> str:
    response = post_action(client, code, f"/participants/{participant_id}/link")
    assert response.status_code == 200, text_of(response.get_data(as_text=True))
    return WELCOME_LINK.search(response.get_data(as_text=True)).group(0)


def open_link(client, url, name):
    """Open one's own link and say 'dat ben ik'."""
    page = client.get(url)
    assert page.status_code == 200, text_of(page.get_data(as_text=True))
    return client.post(url, data={"name": name, "csrf_token": csrf_from(page.get_data(as_text=True))})


def participant_ids(app, code) -> dict[str, int]:
    with app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        return {p.role: p.id for p in room.participants}


def invitation_link(app, address) -> str:
    """The personal link in the newest invitation mail to this address."""
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(func.lower(OutboxMessage.recipient) == address.lower())
                                    .order_by(OutboxMessage.id.desc()))
        assert message is not None, f"no mail to {address}"
        return WELCOME_LINK.search(message.text_body).group(0)


# Held, sent, and the next one -----------------------------------------------------------------------------------------

def conversation(app, docent, student_name, docent_email, student_email, afspraken=("Vraag elke week om feedback.",)):
    """A whole conversation with this stagedocent's browser: three in, afspraken, closing, each Akkoord (with
    an address for the stagedocent and the student), sent. Returns the code and the student's browser."""
    student, opleider = app.test_client(), app.test_client()
    code = start_room(docent, "Marieke", "stagedocent")
    join(student, code, student_name, "student")
    join(opleider, code, "Kees", "praktijkopleider")
    for what in afspraken:
        post_action(docent, code, "/agreements", {"what": what, "who": ["student"], "when": "voor-volgend-gesprek"})
    assert post_action(docent, code, "/close").status_code == 200
    for client, address in ((docent, docent_email), (student, student_email), (opleider, "kees@bedrijf.example")):
        assert agree(client, code, address).status_code == 200
    assert post_action(docent, code, "/finalize").status_code == 200
    return code, student


def start_follow_up(code, people, by):
    response = post_action(people[by], code, "/follow-up")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.headers["HX-Redirect"].rsplit("/", 1)[-1]


def one_tap(client, old_code, new_code):
    """The button "Naar het vervolggesprek" on the previous conversation's screen, as htmx sends it."""
    page = BeautifulSoup(client.get(f"/r/{old_code}").get_data(as_text=True), "html.parser")
    button = page.find(id="knop-naar-vervolg")
    assert button is not None and button["hx-post"] == f"/r/{new_code}/verder"
    return client.post(button["hx-post"], headers={"X-CSRFToken": csrf_from(str(page)), "HX-Request": "true"})


# Mijn gesprekken ------------------------------------------------------------------------------------------------------

SIGN_IN_LINK = re.compile(r"https?://[^/\s]+/mijn-gesprekken/inloggen/[A-Za-z0-9_-]+")


def ask_link(client, address):
    page = client.get("/mijn-gesprekken/inloggen")
    assert page.status_code == 200
    return client.post("/mijn-gesprekken/inloggen",
                       data={"email": address, "csrf_token": csrf_from(page.get_data(as_text=True))})


def queued_link(app, address) -> str | None:
    """The sign-in link in the newest unsent mail to this address, read from the outbox."""
    with app.app_context():
        message = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.recipient == address, OutboxMessage.subject == accounts.SIGN_IN_SUBJECT,
            OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id.desc()))
        return SIGN_IN_LINK.search(message.text_body).group(0) if message else None


def use_link(client, url):
    """Open the link (a page with a button) and press the button."""
    page = client.get(url)
    if page.status_code != 200:
        return page
    return client.post(url, data={"csrf_token": csrf_from(page.get_data(as_text=True))})


def signed_in(app, client, address):
    assert ask_link(client, address).status_code == 200
    response = use_link(client, queued_link(app, address))
    assert response.status_code == 303 and response.location.endswith("/mijn-gesprekken"), response.status_code
    return client


def sign_in_link(mail_dir: Path, address: str, timeout: float = 30) -> str:
    """The link in the sign-in mail a live server's sender wrote to a file (MAIL_BACKEND=file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in mail_dir.glob("*.eml") if mail_dir.exists() else ():
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["Subject"] == accounts.SIGN_IN_SUBJECT and message["To"] == address:
                return SIGN_IN_LINK.search(message.get_body(("plain",)).get_content()).group(0)
        time.sleep(0.3)
    raise AssertionError(f"no sign-in mail to {address} in {mail_dir}")


def stages_of(client) -> str:
    """The overview and every stage it links to, as one HTML text: all a signed-in person can read there."""
    html = client.get("/mijn-gesprekken").get_data(as_text=True)
    paths = re.findall(r'href="(/mijn-gesprekken/stage/\d+)"', html)
    return "\n".join([html, *(client.get(path).get_data(as_text=True) for path in paths)])


def rows(html: str) -> list[str]:
    """The stages in the overview's table, one text per row."""
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)][1:]  # the header row is not a stage


# The stages of one stagedocent ----------------------------------------------------------------------------------------

GARAGE = "Garage De Vries"
# Where the stages of make_stages are: Kees's two at his bakery, the others each somewhere of their own.
WORKPLACES = ("Kapsalon Noor", "Garage De Vries", "Hotel Zeezicht", "Zorgcentrum De Linde", "Drukkerij Smit")


def make_stages(app, count: int, first: int = 0) -> None:
    """`count` stages of Marieke's, straight into the database: a begin conversation held 20 days ago with its
    verslag (one afspraak), and for every other one the midden conversation planned in 5 days. Kees is the
    praktijkopleider of the first two of all, at his bakery; the others have their own, elsewhere."""
    now = utcnow()
    with app.app_context():
        for n in range(first, first + count):
            series = Series(created_at=now, touched_at=now, keep_until=now + timedelta(days=5),
                            workplace="Bakkerij Kok" if n < 2 else WORKPLACES[n % len(WORKPLACES)])
            db.session.add(series)
            db.session.flush()
            held = now - timedelta(days=20)
            begin = Room(code=f"B{n:07d}".replace("0", "A").replace("1", "B"), created_at=held, started_at=held,
                         expires_at=now + timedelta(days=30), series_id=series.id, status=RoomStatus.CLOSED,
                         admission=Admission.LOCKED, stage_moment="start")
            student = f"Student{chr(65 + n % 26)}{n}"
            for role, name in (("student", student), ("stagedocent", "Marieke"),
                               ("praktijkopleider", "Kees" if n < 2 else f"Opleider{n}")):
                begin.participants.append(Participant(name=name, role=role, token=f"t{n}-{role}", arrived_at=held))
            db.session.add(begin)
            db.session.flush()
            body = {"agreements": [{"what": f"Afspraak van {student}", "who": "Student", "when": "later"}],
                    "date": held.date().isoformat(), "participants": []}
            db.session.add(Record(room_id=begin.id, body=json.dumps(body), content_hash="x" * 64))
            if n % 2:
                db.session.add(Room(code=f"M{n:07d}".replace("0", "A").replace("1", "B"), created_at=now,
                                    expires_at=now + timedelta(days=30), series_id=series.id,
                                    status=RoomStatus.PLANNED, admission=Admission.LOCKED, stage_moment="midden",
                                    planned_for=now + timedelta(days=5), previous_room_id=begin.id))
            db.session.add(SeriesMember(series_id=series.id, role="stagedocent", name="Marieke",
                                        email_key=accounts.email_key(MARIEKE)))
            if n < 2:
                db.session.add(SeriesMember(series_id=series.id, role="praktijkopleider", name="Kees",
                                            email_key=accounts.email_key(KEES)))
        db.session.commit()


def planned_at_the_garage(app, docent) -> str:
    """Marieke plans Sanne's first conversation at Garage De Vries, with her own address and Sanne's; Kees only
    by name."""
    return planned_room(docent, workplace=GARAGE, **{"email-stagedocent": MARIEKE, "name-student": "Sanne",
                                                     "email-student": SANNE, "name-praktijkopleider": "Kees"})


def held_and_sent(app, docent, code, next_day: str | None = None):
    """Sanne takes up her link; they hold the conversation (Kees does not come) and send it, with the next date
    when given. Returns Sanne's browser."""
    sanne = app.test_client()
    assert open_link(sanne, invitation_link(app, SANNE), "Sanne").status_code == 303
    assert post_action(docent, code, "/start").status_code == 200
    assert post_action(docent, code, "/close").status_code == 200
    if next_day:
        assert post_action(docent, code, "/next-meeting", {"next_date": next_day, "next_time": "10:00"}
                           ).status_code == 200
    assert agree(docent, code, MARIEKE).status_code == 200
    assert agree(sanne, code, SANNE).status_code == 200
    assert post_action(docent, code, "/finalize", {"force": "1"}).status_code == 200
    return sanne
