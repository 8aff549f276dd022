"""Mijn gesprekken: the student and the stagedocent sign in with a one-time link by mail and see their own series,
with nothing of it for anyone else. The conversations are made the way people make them: over HTTP."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.support.actions import client_at, post_action, state, text_of
from tests.support.app import csrf_from
from tests.support.mail import deliver
from tests.support.stages import (
    MARIEKE,
    SIGN_IN_LINK,
    ask_link,
    conversation,
    open_link,
    planned_room,
    queued_link,
    signed_in,
    stages_of,
    use_link,
)
from webapp.domain import accounts
from webapp.extensions import db
from webapp.models import OutboxMessage, Review, Room, SeriesMember, SignIn

SAME_ANSWER = "Als dit adres bij een gesprek hoort, krijg je zo een mail met een link."


def sign_in_mails(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.subject == accounts.SIGN_IN_SUBJECT)).all())


@pytest.fixture
def two_docents(app):
    """Marieke has a conversation with Sanne; Joost, another stagedocent, has one with Ahmed."""
    marieke, joost = app.test_client(), app.test_client()
    sanne_code, sanne_phone = conversation(app, marieke, "Sanne", MARIEKE, "sanne@student.example",
                                           ("Sanne vraagt elke vrijdag om feedback.",))
    ahmed_code, _ = conversation(app, joost, "Ahmed", "joost@school.example", "ahmed@student.example",
                                 ("Ahmed oefent het telefoongesprek.",))
    return {"marieke": marieke, "joost": joost, "sanne": sanne_code, "ahmed": ahmed_code, "sanne_phone": sanne_phone}


def test_a_sign_in_link_works_once_and_shows_only_that_persons_series(app, smtp, two_docents):
    deliver(app)  # the verslagen
    laptop = app.test_client()  # where the mail is read: not the phone that took part
    asked = ask_link(laptop, MARIEKE)
    assert asked.status_code == 200 and SAME_ANSWER in text_of(asked.get_data(as_text=True))
    assert deliver(app)["sent"] == 1
    [received] = [r for r in smtp.recorder.wait_for(7) if r.message["Subject"] == accounts.SIGN_IN_SUBJECT]
    assert received.rcpt_tos == [MARIEKE]
    url = SIGN_IN_LINK.search(received.message.get_body(("plain",)).get_content()).group(0)
    with app.app_context():  # the mail's content is forgotten once it is sent, as every mail's
        sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.sent_at.is_not(None))
                                 .order_by(OutboxMessage.id.desc()))
        assert sent.recipient == "" and "mijn-gesprekken" not in (sent.text_body or "")
        assert db.session.scalar(select(SignIn)).token_hash not in url  # only a hash of the link is kept

    # Opening the link (as a mail scanner does) uses nothing; the button does.
    for _ in range(2):
        page = laptop.get(url)
        assert page.status_code == 200 and "Inloggen" in text_of(page.get_data(as_text=True))
    assert laptop.get("/mijn-gesprekken").status_code == 302
    response = use_link(laptop, url)
    assert response.status_code == 303
    overview = laptop.get("/mijn-gesprekken")
    text = text_of(stages_of(laptop))
    assert overview.status_code == 200 and overview.headers["Cache-Control"] == "no-store"
    assert "Stage van Sanne" in text and "Sanne vraagt elke vrijdag om feedback." in text and "Kees" in text
    assert "Ahmed" not in text and "telefoongesprek" not in text

    # Once: the same link again, in this browser or another, signs nobody in and shows nothing.
    other = app.test_client()
    for client in (other, app.test_client()):
        again = use_link(client, url)
        assert again.status_code == 410
        said = text_of(again.get_data(as_text=True))
        assert "Deze link is al gebruikt." in said and "Vraag een nieuwe link" in said and "Sanne" not in said
        assert client.get("/mijn-gesprekken").status_code == 302

    # Joost signs in on his own: he sees Ahmed's series, never Sanne's.
    joost_text = text_of(stages_of(signed_in(app, app.test_client(), "joost@school.example")))
    assert "Stage van Ahmed" in joost_text and "Sanne" not in joost_text and "feedback" not in joost_text


def test_an_anonymous_visitor_is_sent_to_the_sign_in_page(app, two_docents):
    response = app.test_client().get("/mijn-gesprekken")
    assert response.status_code == 302 and "/mijn-gesprekken/inloggen" in response.location
    # The phone that took part in the conversation is not signed in by that.
    assert two_docents["marieke"].get("/mijn-gesprekken").status_code == 302


def test_an_expired_link_gets_a_clear_page_and_no_data(app, two_docents):
    laptop = app.test_client()
    ask_link(laptop, MARIEKE)
    url = queued_link(app, MARIEKE)
    with app.app_context():
        sign_in = db.session.scalar(select(SignIn))
        sign_in.created_at -= timedelta(minutes=app.config["SIGN_IN_MINUTES"], seconds=1)
        db.session.commit()
    page = laptop.get(url)
    assert page.status_code == 410
    said = text_of(page.get_data(as_text=True))
    assert "Deze link is verlopen." in said and "15 minuten en één keer" in said and "Sanne" not in said
    token = url.rsplit("/", 1)[1]
    pressed = laptop.post(url, data={"csrf_token": csrf_from(laptop.get("/mijn-gesprekken/inloggen")
                                                             .get_data(as_text=True))})
    assert pressed.status_code == 410 and "Sanne" not in pressed.get_data(as_text=True)
    assert laptop.get("/mijn-gesprekken").status_code == 302
    unknown = laptop.get(f"/mijn-gesprekken/inloggen/{token[::-1]}")
    assert unknown.status_code == 404 and "Deze link werkt niet." in text_of(unknown.get_data(as_text=True))


def test_the_minutes_a_link_works_are_a_setting(app, two_docents):
    app.config["SIGN_IN_MINUTES"] = 1
    laptop = app.test_client()
    assert "De link werkt 1 minuten" in text_of(ask_link(laptop, MARIEKE).get_data(as_text=True))
    url = queued_link(app, MARIEKE)
    with app.app_context():
        db.session.scalar(select(SignIn)).created_at -= timedelta(seconds=61)
        db.session.commit()
    assert use_link(laptop, url).status_code == 410


def test_a_strangers_address_gets_the_same_answer_and_no_mail(app, two_docents):
    known = text_of(ask_link(app.test_client(), MARIEKE).get_data(as_text=True))
    assert sign_in_mails(app) == 1
    for address in ("vreemde@elders.example", "niemand@bedrijf.example"):
        stranger = text_of(ask_link(app.test_client(), address).get_data(as_text=True))
        assert stranger == known and SAME_ANSWER in stranger
    assert sign_in_mails(app) == 1
    # A malformed address is told so: that says nothing about who is known.
    wrong = ask_link(app.test_client(), "geen-adres")
    assert wrong.status_code == 400 and "Dit e-mailadres klopt niet." in text_of(wrong.get_data(as_text=True))


def test_only_a_keyed_hash_of_the_address_is_kept_and_case_does_not_matter(app, two_docents):
    with app.app_context():
        members = db.session.scalars(select(SeriesMember)).all()
        assert sorted(m.role for m in members) == ["praktijkopleider", "praktijkopleider", "stagedocent",
                                                   "stagedocent", "student", "student"]
        assert all("@" not in m.email_key and len(m.email_key) == 64 for m in members)
        assert accounts.email_key(" Marieke@School.Example ") == accounts.email_key(MARIEKE)
    laptop = app.test_client()
    assert SAME_ANSWER in text_of(ask_link(laptop, "  MARIEKE@school.example").get_data(as_text=True))
    assert use_link(laptop, queued_link(app, "MARIEKE@school.example")).status_code == 303
    assert "Stage van Sanne" in text_of(stages_of(laptop))


def test_the_overview_lists_both_students_of_one_stagedocent(app):
    docent = app.test_client()  # Marieke's phone, in both conversations
    conversation(app, docent, "Sanne", MARIEKE, "sanne@student.example", ("Sanne vraagt om feedback.",))
    conversation(app, docent, "Ahmed", MARIEKE, "ahmed@student.example", ("Ahmed oefent het telefoongesprek.",))
    html = stages_of(signed_in(app, docent, MARIEKE))
    text = text_of(html)
    assert text.index("Stage van Ahmed") < text.index("Stage van Sanne")
    assert "Sanne vraagt om feedback." in text and "Ahmed oefent het telefoongesprek." in text
    assert text.count("Jij bent hier de stagedocent.") == 2 and text.count("Praktijkopleider: Kees") == 2
    assert html.count('role="img"') == 2 and text.count("1 gesprek: 1 afgerond.") == 2
    assert html.count('href="/plannen?serie=') == 2 and "Plan het volgende gesprek" in text
    assert len(re.findall(r'href="/r/[A-Z0-9]+"', html)) == 2  # this phone took part: its rooms link

    # Sanne sees her own series only; on her laptop the conversation is text, not a link.
    laptop_html = stages_of(signed_in(app, app.test_client(), "sanne@student.example"))
    assert "Stage van Sanne" in text_of(laptop_html) and "Ahmed" not in laptop_html
    assert "Jij bent hier de student." in text_of(laptop_html)
    assert not re.search(r'href="/r/', laptop_html)


def test_addresses_given_when_planning_find_the_planned_conversation(app):
    """The planner's own address at once; another's once they took up the link mailed to it (tests/test_seats.py)."""
    docent = app.test_client()
    planned_room(docent, **{"name-student": "Sanne", "email-student": "sanne@student.example",
                            "email-stagedocent": MARIEKE, "email-praktijkopleider": "kees@bedrijf.example"})
    assert "Stage van Sanne" in text_of(stages_of(signed_in(app, app.test_client(), MARIEKE)))
    with app.app_context():
        invitation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "sanne@student.example"))
        link = re.search(r"https?://\S+/welkom/[A-Za-z0-9_-]+", invitation.text_body).group(0)
    open_link(app.test_client(), link, "Sanne")
    text = text_of(stages_of(signed_in(app, app.test_client(), "sanne@student.example")))
    assert "Stage van Sanne" in text and "gepland" in text and "om 14:00" in text
    assert "Nog niet gepland." not in text  # the next date is the planned one
    ask_link(app.test_client(), "kees@bedrijf.example")
    assert queued_link(app, "kees@bedrijf.example") is None  # typed for him: no overview until he takes it up


def test_the_timeline_counts_the_afspraken_as_the_next_conversation_reviewed_them(app):
    docent = app.test_client()
    code, student = conversation(app, docent, "Sanne", MARIEKE, "sanne@student.example",
                                 ("Sanne vraagt om feedback.", "Sanne leest het handboek.", "Sanne belt de klant."))
    assert post_action(docent, code, "/follow-up").status_code == 200
    with app.app_context():
        first = db.session.scalar(select(Room).where(Room.code == code))
        follow_up = db.session.scalar(select(Room).where(Room.previous_room_id == first.id))
        for position, outcome in enumerate(("gedaan", "niet-gelukt")):
            db.session.add(Review(room_id=follow_up.id, kind="afspraak", position=position, outcome=outcome))
        db.session.commit()
    html = stages_of(signed_in(app, docent, MARIEKE))
    text = text_of(html)
    assert "2 gesprekken: 1 afgerond, 1 bezig. Afspraken: 1 gedaan, 1 open, 1 niet gelukt." in text
    assert "<title id=\"tijdlijn-" in html and "<script" not in html.split("<figure", 1)[1].split("</figure>")[0]
    # The verslag page shows the same picture, with this conversation marked.
    record = text_of(docent.get(f"/r/{code}/record").get_data(as_text=True))
    assert "De stage tot nu toe" in record and "(dit gesprek)" in record


def test_signing_out_and_the_end_of_a_sign_in(app, two_docents):
    laptop = signed_in(app, app.test_client(), MARIEKE)
    assert laptop.get("/mijn-gesprekken").status_code == 200
    token = csrf_from(laptop.get("/mijn-gesprekken").get_data(as_text=True))
    out = laptop.post("/mijn-gesprekken/uitloggen", data={"csrf_token": token})
    assert out.status_code == 303 and laptop.get("/mijn-gesprekken").status_code == 302
    assert "Je bent uitgelogd." in text_of(laptop.get(out.location).get_data(as_text=True))
    with laptop.session_transaction() as cookie:
        assert "@" not in str(dict(cookie))  # her address went with the sign-in

    later = signed_in(app, app.test_client(), MARIEKE)
    with later.session_transaction() as cookie:  # the key; her own address, as she asked here; no client hash
        assert cookie["mine_address"] == MARIEKE and "_id" not in cookie
    with app.app_context():  # a working day later
        db.session.scalar(select(SignIn).where(SignIn.used_at.is_not(None))).used_at -= \
            timedelta(hours=accounts.SIGNED_IN_HOURS)
        db.session.commit()
    assert later.get("/mijn-gesprekken").status_code == 302
    with later.session_transaction() as cookie:
        assert "@" not in str(dict(cookie))  # the end of the sign-in took her address out of the cookie
    with app.app_context():  # an ended sign-in keeps no row
        accounts.forget_old()
        db.session.commit()
        assert db.session.scalars(select(SignIn)).all() == []


def test_a_cookie_copied_before_signing_out_signs_nobody_in_after_it(app, two_docents):
    laptop = signed_in(app, app.test_client(), MARIEKE)
    thief = app.test_client()
    thief.set_cookie("session", laptop.get_cookie("session").value)  # malware, a shared profile, a backup
    assert thief.get("/mijn-gesprekken").status_code == 200
    token = csrf_from(laptop.get("/mijn-gesprekken").get_data(as_text=True))
    assert laptop.post("/mijn-gesprekken/uitloggen", data={"csrf_token": token}).status_code == 303
    response = thief.get("/mijn-gesprekken")
    assert response.status_code == 302 and "/mijn-gesprekken/inloggen?" in response.location
    signed_in(app, app.test_client(), MARIEKE)  # her next sign-in is another one: the copy stays out
    assert thief.get("/mijn-gesprekken").status_code == 302
    assert "Sanne" not in thief.get("/mijn-gesprekken", follow_redirects=True).get_data(as_text=True)


def test_someone_else_asking_for_her_link_does_not_stop_her_own(app, two_docents):
    """The budget is per client and address: another client spends its own; the refusal says how long to wait.
    A ceiling per address across all clients (mine.ADDRESS_LIMIT) keeps her mailbox from a flood."""
    other = client_at(app, "203.0.113.9")
    assert [ask_link(other, MARIEKE).status_code for _ in range(8)] == [200] * 5 + [429] * 3
    refused = text_of(ask_link(other, MARIEKE).get_data(as_text=True))
    assert "Voor dit e-mailadres is al vaak een link gevraagd. Probeer het over een uur opnieuw." in refused
    assert ask_link(other, "joost@school.example").status_code == 200  # another address: its own budget

    marieke = client_at(app, "198.51.100.7")
    assert ask_link(marieke, MARIEKE).status_code == 200
    assert use_link(marieke, queued_link(app, MARIEKE)).status_code == 303
    assert "Stage van Sanne" in text_of(stages_of(marieke))

    # Clients enough to spend the ceiling (30 an hour): 5 already, 5 from her own, 5 each from four more.
    for n in range(4):
        client = client_at(app, f"192.0.2.{n + 1}")
        assert [ask_link(client, MARIEKE).status_code for _ in range(5)] == [200] * 5
    her_laptop = client_at(app, "198.51.100.7")
    assert [ask_link(her_laptop, MARIEKE).status_code for _ in range(4)] == [200] * 4
    assert ask_link(client_at(app, "192.0.2.99"), MARIEKE).status_code == 429


def test_the_stagedocent_plans_the_next_conversation_of_a_series_from_the_overview(app, two_docents):
    """From Mijn gesprekken: the same series, the same people filled in, one moment further; the student's
    phone from last time comes in with one tap. Someone else's series cannot be continued this way."""
    laptop = signed_in(app, app.test_client(), MARIEKE)
    with app.app_context():
        first = db.session.scalar(select(Room).where(Room.code == two_docents["sanne"]))
        series_id, first_id = first.series_id, first.id
    form = laptop.get(f"/plannen?serie={series_id}").get_data(as_text=True)
    assert 'value="Sanne"' in form and 'value="Kees"' in form and "volgende gesprek van dezelfde stage" in form
    day = (date.today() + timedelta(days=40)).isoformat()
    response = laptop.post("/plannen", data={
        "serie": series_id, "role": "stagedocent", "date": day, "time": "10:00", "moment": "midden",
        "name-stagedocent": "Marieke", "name-student": "Sanne", "name-praktijkopleider": "Kees",
        "csrf_token": csrf_from(form)})
    assert response.status_code == 303
    code = response.location.split("/r/")[1].split("#")[0]
    with app.app_context():
        planned = db.session.scalar(select(Room).where(Room.code == code))
        assert (planned.series_id, planned.previous_room_id, planned.stage_moment) == (series_id, first_id, "midden")
    sanne_phone = two_docents["sanne_phone"]
    assert post_action(sanne_phone, code, "/verder").status_code in (200, 303)
    assert state(sanne_phone, code)["status"] == "planned"

    joost = signed_in(app, app.test_client(), "joost@school.example")
    other = joost.get(f"/plannen?serie={series_id}").get_data(as_text=True)
    assert 'value="Sanne"' not in other and 'name="serie"' not in other
