"""Planning is not a mail relay: invitation mail stays within budgets per client, per recipient and per
conversation, carries no text of the planner's beyond names, and never holds up a verslag or a sign-in link."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.actions import client_at, join, start_room, text_of
from tests.support.app import csrf_from
from tests.support.mail import locmem_sent
from tests.support.stages import NEXT_WEEK, WELCOME_LINK, planned_room
from webapp.clock import utcnow
from webapp.domain import accounts, invitations, outbox
from webapp.extensions import db, limiter
from webapp.models import OutboxMessage, Participant, Room, SignIn

LINK_IN_A_NAME = "Een naam kan geen webadres of e-mailadres zijn."



def planning_form(client, n=0, **fields):
    return {"role": "stagedocent", "date": NEXT_WEEK, "time": "14:00", "moment": "start",
            "name-stagedocent": "Marieke", "email-stagedocent": f"docent{n}@school.example",
            "name-student": "Sanne", "email-student": f"student{n}@mail.example",
            "name-praktijkopleider": "Kees", "email-praktijkopleider": f"kees{n}@bedrijf.example",
            "csrf_token": csrf_from(client.get("/plannen").get_data(as_text=True)), **fields}


def test_after_planning_the_planner_reads_to_whom_the_invitations_went(app):
    """In view on arrival (the Deelnemers tab, above the people), once."""
    planner = app.test_client()
    response = planner.post("/plannen", data=planning_form(planner))
    assert response.status_code == 303 and response.location.endswith("#tab-deelnemers")
    page = text_of(planner.get(response.location).get_data(as_text=True))
    assert "Het gesprek is gepland. De uitnodiging met een eigen link gaat per mail naar jou, Sanne en Kees." in page
    assert "gaat per mail naar" not in text_of(planner.get(response.location).get_data(as_text=True))


def invitations_to(app, address=None) -> int:
    with app.app_context():
        query = select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == outbox.INVITATION)
        if address is not None:
            query = query.where(func.lower(OutboxMessage.recipient) == address.lower())
        return db.session.scalar(query)


def test_one_client_planning_all_hour_gets_at_most_its_budget_of_invitations_mailed(app):
    """The finding: 180 plans an hour from one address mailed 180 invitations (60 plans, the route's limit, with
    three addresses each). Now 30 are mailed; every plan the route takes is planned, and the planner reads whose
    link to give by hand."""
    planner = app.test_client()
    answers, rooms, notices = [], [], []
    for n in range(180):
        response = planner.post("/plannen", data=planning_form(planner, n))
        answers.append(response.status_code)
        if response.status_code == 303:
            rooms.append(response.location.split("/r/")[1].split("#")[0])
            notices.append(text_of(planner.get(response.location).get_data(as_text=True)))
    assert answers.count(303) == 60 and answers.count(429) == 120  # CREATE_RATE_LIMIT, as before
    assert invitations_to(app) == 30  # INVITATION_CLIENT_LIMIT, not 180
    with app.app_context():  # planned all the same, each with its three places and the addresses given
        for code in rooms:
            room = db.session.scalar(select(Room).where(Room.code == code))
            assert room.status == "planned" and sorted(p.email.split("@")[0][:4] for p in room.participants) == \
                ["doce", "kees", "stud"]
    assert "krijgt geen mail" not in notices[9]
    assert ("Sanne krijgt geen mail: er zijn al te veel uitnodigingen verstuurd. Het gesprek is wel gepland. "
            "Geef Sanne zelf een link: kies hieronder „Nieuwe link voor Sanne”.") in notices[10]
    assert "Kees krijgt geen mail" in notices[10] and "Je krijgt zelf geen mail met je link" in notices[10]
    assert "Nieuwe link voor Sanne" in notices[10]  # the button the message points to is there
    assert "krijgt geen mail" not in text_of(planner.get(f"/r/{rooms[10]}").get_data(as_text=True))  # said once


def test_one_address_gets_at_most_three_invitations_a_day_from_any_number_of_clients(app):
    answers = []
    for n in range(10):
        planner = client_at(app, f"192.0.2.{n + 1}")
        address = "Kees@Bakkerij.example" if n % 2 else "kees@bakkerij.example"  # one person, however typed
        response = planner.post("/plannen", data=planning_form(planner, n, **{"email-praktijkopleider": address}))
        answers.append(response.status_code)
        page = text_of(planner.get(response.location).get_data(as_text=True))
        assert ("Kees krijgt geen mail" in page) == (n >= 3)
    assert answers == [303] * 10
    assert invitations_to(app, "kees@bakkerij.example") == 3  # INVITATION_RECIPIENT_LIMIT
    assert invitations_to(app) == 3 + 2 * 10  # everyone else's own invitation went out
    # The counters know the address by its key only.
    assert not any("@" in key or "bakkerij" in key.lower() for key in limiter.storage.storage)
    with app.app_context():
        assert any(accounts.email_key("kees@bakkerij.example") in key for key in limiter.storage.storage)


def test_a_conversation_mails_one_invitation_per_place_at_most(app):
    code = planned_room(app.test_client(), **{"email-student": "sanne@mail.example",
                                              "email-praktijkopleider": "kees@bedrijf.example",
                                              "email-stagedocent": "marieke@school.example"})
    with app.test_request_context(), app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == code))
        place = next(p for p in room.participants if p.role == "student")
        again = {"subject": "Uitnodiging", "text_body": "Nog een keer."}
        assert invitations.queue(room, place, again) is False
        db.session.commit()
    assert invitations_to(app) == invitations.PER_CONVERSATION == 3


def test_a_flood_of_invitations_does_not_hold_up_a_verslag_or_a_sign_in_link(app):
    """Invitations queued first and due first; a verslag and a sign-in link queued after them go out in the
    first round, even one of two mails."""
    with app.app_context():
        earlier = utcnow() - timedelta(minutes=5)
        for n in range(200):
            outbox.enqueue(kind=outbox.INVITATION, recipient=f"iemand{n}@elders.example", subject="Uitnodiging",
                           text_body="Een link.").next_attempt_at = earlier
        db.session.commit()
        outbox.enqueue(kind=outbox.VERSLAG, recipient="sanne@mail.example", subject="Verslag", text_body="Verslag.")
        outbox.enqueue(kind=outbox.SIGN_IN, recipient="marieke@school.example", subject=accounts.SIGN_IN_SUBJECT,
                       text_body="Je link.")
        db.session.commit()
        assert outbox.deliver_due(batch=2)["sent"] == 2
        assert sorted(m.to[0] for m in locmem_sent(app)) == ["marieke@school.example", "sanne@mail.example"]
        assert outbox.deliver_due(batch=20)["sent"] == 20  # then the invitations, oldest first
        assert locmem_sent(app)[2].to == ["iemand0@elders.example"]
        with pytest.raises(ValueError):
            outbox.enqueue(kind="reclame", recipient="iemand@elders.example", subject="s", text_body="t")


def test_an_unsent_sign_in_mail_is_found_by_its_kind_not_its_subject(app):
    """forget_old drops a sign-in mail that could not go out in SIGN_IN_MINUTES; nothing else of that age."""
    with app.app_context():
        old = utcnow() - timedelta(minutes=app.config["SIGN_IN_MINUTES"] + 1)
        for kind, subject in ((outbox.SIGN_IN, "Inloggen"), (outbox.VERSLAG, accounts.SIGN_IN_SUBJECT)):
            outbox.enqueue(kind=kind, recipient="marieke@school.example", subject=subject,
                           text_body="t").created_at = old
        db.session.add(SignIn(token_hash="0" * 64, email_key="k", created_at=old))
        db.session.commit()
        accounts.forget_old()
        db.session.commit()
        assert [m.kind for m in db.session.scalars(select(OutboxMessage))] == [outbox.VERSLAG]
        assert db.session.scalars(select(SignIn)).all() == []


@pytest.mark.parametrize("name", ["Klik: evil.example/login", "https://evil.example", "www.evil", "kees@evil.example",
                                  "t.co/x", "evil．example"])
def test_a_name_carries_no_web_or_mail_address_on_any_form(app, name):
    """Planning (the planner and the others), starting, joining with the code, and taking up a personal link."""
    planner = app.test_client()
    for field in ("name-stagedocent", "name-student"):
        refused = planner.post("/plannen", data=planning_form(planner, **{field: name}))
        assert refused.status_code == 400 and LINK_IN_A_NAME in text_of(refused.get_data(as_text=True))

    starter = app.test_client()
    refused = starter.post("/rooms", data={"name": name, "role": "student",
                                           "csrf_token": csrf_from(starter.get("/").get_data(as_text=True))})
    assert refused.status_code == 400 and LINK_IN_A_NAME in text_of(refused.get_data(as_text=True))

    code = start_room(app.test_client(), "Marieke", "stagedocent")
    refused = join(app.test_client(), code, name, "student")
    assert refused.status_code == 400 and LINK_IN_A_NAME in text_of(refused.get_data(as_text=True))

    planned = planner.post("/plannen", data=planning_form(planner))
    with app.app_context():
        body = db.session.scalar(select(OutboxMessage.text_body).where(
            OutboxMessage.recipient == "student0@mail.example"))
    link = WELCOME_LINK.search(body).group(0)
    guest = app.test_client()
    page = guest.get(link)
    refused = guest.post(link, data={"name": name, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert refused.status_code == 400 and LINK_IN_A_NAME in text_of(refused.get_data(as_text=True))

    with app.app_context():  # nothing kept: one planned room (the last, valid one) and one started room
        assert planned.status_code == 303 and db.session.scalar(select(func.count(Room.id))) == 2
        assert not db.session.scalar(select(Participant.id).where(Participant.name.contains("evil")))


def test_names_with_dots_and_digits_that_are_no_address_pass(app):
    for name in ("J.P. de Vries", "Anne-Marie", "Ömer", "Mr. Smith", "Jan 2.0"):
        assert start_room(app.test_client(), name, "student")
