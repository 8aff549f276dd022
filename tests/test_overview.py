"""Mijn gesprekken as an overview for thirty: one row per stage with what needs doing now, sortable and filtered,
built with the same number of SQL statements for one stage as for thirty; the praktijkopleider's own overview;
and one next conversation per stage, which the overview opens instead of planning another."""
import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import event, select

from tests.support.actions import agree, post_action, seat_three, state, text_of
from tests.support.app import csrf_from
from tests.support.phones import Phone, what_differs
from tests.support.stages import (
    GARAGE,
    KEES,
    MARIEKE,
    SANNE,
    ask_link,
    held_and_sent,
    invitation_link,
    make_stages,
    one_tap,
    planned_at_the_garage,
    queued_link,
    rows,
    signed_in,
    use_link,
)
from webapp.clock import utcnow
from webapp.domain.dates import dutch_moment
from webapp.extensions import db
from webapp.models import Participant, Room, Series, SeriesMember
from webapp.models.room import RoomStatus


def statements_for(app, client, path) -> int:
    with app.app_context():
        engine = db.engine
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_the_overview_of_one_stage_and_of_thirty_costs_the_same_statements(app):
    make_stages(app, 1)
    marieke = signed_in(app, app.test_client(), MARIEKE)
    one = statements_for(app, marieke, "/mijn-gesprekken")
    make_stages(app, 29, first=1)
    thirty = statements_for(app, marieke, "/mijn-gesprekken")
    assert one == thirty and one <= 10
    html = marieke.get("/mijn-gesprekken").get_data(as_text=True)
    assert len(rows(html)) == 30 and "30 van de 30 stages." in text_of(html)


def test_each_row_says_who_when_and_what_needs_doing_and_sorts_and_filters(app):
    make_stages(app, 4)
    marieke = signed_in(app, app.test_client(), MARIEKE)
    listed = rows(marieke.get("/mijn-gesprekken").get_data(as_text=True))
    assert [row.split()[0] for row in listed] == ["StudentA0", "StudentB1", "StudentC2", "StudentD3"]
    held = (utcnow() - timedelta(days=20)).day
    assert f"Begin · {held} " in listed[0] and "nog niet gepland" in listed[0]
    assert "Plan het volgende gesprek" in listed[0]
    assert "Volgende week" in listed[1] and " 1 " in listed[1]  # one open afspraak
    # Sorted by the next conversation: the planned ones first; filtered to what needs doing now, or by a name.
    by_next = rows(marieke.get("/mijn-gesprekken?sorteer=volgende").get_data(as_text=True))
    assert [row.split()[0] for row in by_next][:2] == ["StudentB1", "StudentD3"]
    named = rows(marieke.get("/mijn-gesprekken?zoek=studentc").get_data(as_text=True))
    assert len(named) == 1 and "StudentC2" in named[0]
    # Where each stage is, and found by it.
    assert "Bakkerij Kok" in listed[0] and "Hotel Zeezicht" in listed[2]
    at_the_bakery = rows(marieke.get("/mijn-gesprekken?zoek=bakkerij").get_data(as_text=True))
    assert [row.split()[0] for row in at_the_bakery] == ["StudentA0", "StudentB1"]
    assert len(rows(marieke.get("/mijn-gesprekken?nu=1").get_data(as_text=True))) == 4
    # One click opens the stage.
    path = re.search(r'href="(/mijn-gesprekken/stage/\d+)"', marieke.get("/mijn-gesprekken").get_data(as_text=True))
    stage = text_of(marieke.get(path.group(1)).get_data(as_text=True))
    assert "Stage van StudentA0" in stage and "Afspraak van StudentA0" in stage


def test_the_praktijkopleider_sees_only_their_own_students(app):
    make_stages(app, 4)
    kees = signed_in(app, app.test_client(), KEES)
    listed = rows(kees.get("/mijn-gesprekken").get_data(as_text=True))
    assert [row.split()[0] for row in listed] == ["StudentA0", "StudentB1"]
    with app.app_context():
        others = db.session.scalars(select(SeriesMember.series_id).where(SeriesMember.role == "stagedocent")).all()
    theirs = {int(n) for n in re.findall(r"/mijn-gesprekken/stage/(\d+)", kees.get("/mijn-gesprekken")
                                         .get_data(as_text=True))}
    for series_id in set(others) - theirs:
        assert kees.get(f"/mijn-gesprekken/stage/{series_id}").status_code == 404
    # The praktijkopleider does not plan; a stage's page offers no planning to them.
    page = text_of(kees.get(f"/mijn-gesprekken/stage/{min(theirs)}").get_data(as_text=True))
    assert "Plan het volgende gesprek" not in page


def test_a_praktijkopleider_who_gave_an_address_signs_in_the_same_way(app):
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/close")
    for role, client in people.items():
        agree(client, code, KEES if role == "praktijkopleider" else "")
    post_action(people["stagedocent"], code, "/finalize")
    listed = rows(signed_in(app, app.test_client(), KEES).get("/mijn-gesprekken").get_data(as_text=True))
    assert len(listed) == 1 and "Sanne" in listed[0]


def test_the_next_conversation_set_while_closing_is_the_one_the_overview_opens(app):
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/close")
    day = (datetime.now() + timedelta(days=40)).date().isoformat()
    post_action(people["stagedocent"], code, "/next-meeting", {"next_date": day, "next_time": "10:00"})
    for role, client in people.items():
        agree(client, code, MARIEKE if role == "stagedocent" else "")
    post_action(people["stagedocent"], code, "/finalize")
    with app.app_context():
        first = db.session.scalar(select(Room).where(Room.code == code))
        series_id = first.series_id
        planned = db.session.scalar(select(Room).where(Room.previous_room_id == first.id))
        assert planned.status == RoomStatus.PLANNED and planned.planned_for.date().isoformat() == day

    laptop = signed_in(app, app.test_client(), MARIEKE)  # not the phone she was in with
    form = laptop.get(f"/plannen?serie={series_id}")
    assert form.status_code == 302 and form.location.endswith(f"/mijn-gesprekken/stage/{series_id}")
    refused = laptop.post("/plannen", data={
        "serie": series_id, "date": day, "time": "11:00", "moment": "midden", "name-stagedocent": "Marieke",
        "csrf_token": csrf_from(laptop.get("/mijn-gesprekken").get_data(as_text=True))})
    assert refused.status_code == 409 and "al gepland" in text_of(refused.get_data(as_text=True))

    page = laptop.get(f"/mijn-gesprekken/stage/{series_id}").get_data(as_text=True)
    assert "Naar het volgende gesprek" in text_of(page)
    opened = laptop.post(f"/mijn-gesprekken/stage/{series_id}/volgende", data={"csrf_token": csrf_from(page)})
    assert opened.status_code == 303 and opened.location.endswith(f"/r/{planned.code}")
    me = [p for p in state(laptop, planned.code)["participants"] if p["role"] == "stagedocent"]
    assert me and me[0]["arrived"]
    with app.app_context():
        assert len(db.session.scalars(select(Room).where(Room.series_id == series_id)).all()) == 2

    # A place that does not keep the signed-in key opens nothing that way (another browser of hers tries).
    stranger = signed_in(app, app.test_client(), MARIEKE)
    with app.app_context():
        db.session.execute(Participant.__table__.update().where(Participant.room_id == planned.id)
                           .values(email_key=None))
        db.session.commit()
    page = stranger.get(f"/mijn-gesprekken/stage/{series_id}").get_data(as_text=True)
    refused = stranger.post(f"/mijn-gesprekken/stage/{series_id}/volgende", data={"csrf_token": csrf_from(page)})
    assert refused.status_code == 303 and refused.location.endswith(f"/mijn-gesprekken/stage/{series_id}")
    assert stranger.get(f"/r/{planned.code}/state.json").status_code == 404


def test_the_stagedocent_sets_the_moment_in_the_stage_and_nobody_else(app):
    code, people = seat_three(app)
    for role in ("student", "praktijkopleider"):
        refused = post_action(people[role], code, "/moment", {"moment": "eind"})
        assert refused.status_code == 403 and "Alleen de stagedocent" in refused.get_data(as_text=True)
    assert post_action(people["stagedocent"], code, "/moment", {"moment": "bijna"}).status_code == 400
    assert post_action(people["stagedocent"], code, "/moment", {"moment": "eind"}).status_code == 200
    assert state(people["student"], code)["stage_moment"] == "eind"
    assert "Dit gesprek is aan het eind van de stage." in text_of(people["student"].get(f"/r/{code}")
                                                                    .get_data(as_text=True))


def test_the_sent_conversation_names_the_next_one_by_its_date_never_its_code(app):
    """After sending, the conversation's screen says when the next one is (not its gesprekscode), and the phones
    still on it follow that conversation: another date, and its start."""
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/close")
    day = (datetime.now() + timedelta(days=40)).date()
    post_action(people["stagedocent"], code, "/next-meeting", {"next_date": day.isoformat(), "next_time": "10:00"})
    for client in people.values():
        agree(client, code)
    post_action(people["stagedocent"], code, "/finalize")
    with app.app_context():
        follow_up = db.session.scalar(select(Room.code).where(Room.previous_room_id == select(Room.id).where(
            Room.code == code).scalar_subquery()))
    phones = [Phone(app, people[role], code, name, role) for role, name in (("student", "Sanne"),
                                                                              ("praktijkopleider", "Kees"))]
    shown = phones[0].text("verslag")
    assert f"Het volgende gesprek is op {dutch_moment(datetime.combine(day, time(10)))}. Jouw plek staat klaar." \
        in shown
    assert follow_up not in shown and f"{follow_up[:4]}-{follow_up[4:]}" not in shown

    assert one_tap(people["stagedocent"], code, follow_up).status_code == 200
    later = day + timedelta(days=2)
    assert post_action(people["stagedocent"], follow_up, "/plan",
                       {"date": later.isoformat(), "time": "11:30"}).status_code == 200
    assert what_differs(*phones) == []
    moved = dutch_moment(datetime.combine(later, time(11, 30)))
    assert all(f"Het volgende gesprek is op {moved}." in phone.text("verslag") for phone in phones)

    assert post_action(people["stagedocent"], follow_up, "/start").status_code == 200
    assert what_differs(*phones) == []
    assert all("Het volgende gesprek is begonnen op" in phone.text("verslag") for phone in phones)
    for phone in phones:
        phone.sio.disconnect()


@pytest.fixture
def no_next_yet(app):
    """The garage stage after its first conversation, sent with a next date, whose planned conversation Marieke
    then deleted: the stage has an agreed date and no next conversation."""
    docent = app.test_client()
    code = planned_at_the_garage(app, docent)
    day = (datetime.now() + timedelta(days=40)).date().isoformat()
    sanne = held_and_sent(app, docent, code, day)
    with app.app_context():
        first = db.session.scalar(select(Room).where(Room.code == code))
        series_id = first.series_id
        follow_up = db.session.scalar(select(Room.code).where(Room.previous_room_id == first.id))
    assert one_tap(docent, code, follow_up).status_code == 200
    assert post_action(docent, follow_up, "/delete").status_code in (200, 303)
    return {"series": series_id, "day": day, "code": code, "sanne": sanne}


def test_planning_from_the_overview_fills_in_what_is_known(app, no_next_yet):
    """Her own address (she asked for her link on this laptop), the agreed date, the people and where the stage is;
    nobody else's address, as none is kept: the form says how the others come in."""
    series_id = no_next_yet["series"]
    laptop = signed_in(app, app.test_client(), MARIEKE)
    assert GARAGE in rows(laptop.get("/mijn-gesprekken").get_data(as_text=True))[0]
    stage = laptop.get(f"/mijn-gesprekken/stage/{series_id}").get_data(as_text=True)
    assert "Bedrijf: Garage De Vries" in text_of(stage) and f'href="/plannen?serie={series_id}"' in stage
    html = laptop.get(f"/plannen?serie={series_id}").get_data(as_text=True)
    for field, value in (("email-stagedocent", MARIEKE), ("date", no_next_yet["day"]), ("time", "10:00"),
                         ("name-stagedocent", "Marieke"), ("name-student", "Sanne"), ("name-praktijkopleider", "Kees"),
                         ("workplace", GARAGE)):
        assert re.search(rf'name="{field}"[^>]*value="{re.escape(value)}"', html), field
    assert SANNE not in html
    said = text_of(html)
    assert "We bewaren de e-mailadressen van de anderen niet." in said
    assert "Sanne vindt dit gesprek in Mijn gesprekken, met het e-mailadres van de vorige keer." in said
    assert "Kees gaf de vorige keer geen e-mailadres. Vul het in om Kees een link te mailen." in said

    # The form as shown invites her at her own address, and keeps the stage where it is.
    fields = dict(re.findall(r'name="([a-z-]+)"[^>]*value="([^"]*)"', html))
    fields.update(moment="midden", csrf_token=csrf_from(html))
    planned = laptop.post("/plannen", data=fields)
    assert planned.status_code == 303, text_of(planned.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Series, series_id).workplace == GARAGE
    assert invitation_link(app, MARIEKE)


def test_only_the_browser_that_asked_for_the_link_fills_in_the_address_and_a_student_is_told_who_makes_links(
        app, no_next_yet):
    series_id = no_next_yet["series"]
    phone, laptop = app.test_client(), app.test_client()
    ask_link(phone, MARIEKE)  # asked on her phone, the mail opened on her laptop
    assert use_link(laptop, queued_link(app, MARIEKE)).status_code == 303
    html = laptop.get(f"/plannen?serie={series_id}").get_data(as_text=True)
    assert 'name="workplace"' in html and MARIEKE not in html

    sanne = signed_in(app, app.test_client(), SANNE)
    said = text_of(sanne.get(f"/plannen?serie={series_id}").get_data(as_text=True))
    assert "Marieke vindt dit gesprek in Mijn gesprekken" in said
    assert "Kees gaf de vorige keer geen e-mailadres. De stagedocent kan een link voor Kees maken." in said
    assert 'id="plan-email-praktijkopleider"' not in sanne.get(f"/plannen?serie={series_id}").get_data(as_text=True)
