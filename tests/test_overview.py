"""Mijn gesprekken as an overview for thirty: one row per stage with what needs doing now, sortable and filtered,
built with the same number of SQL statements for one stage as for thirty; the praktijkopleider's own overview;
and one next conversation per stage, which the overview opens instead of planning another."""
import json
import re
from datetime import datetime, timedelta

from sqlalchemy import event, select

from tests.conftest import csrf_from
from tests.helpers import agree, post_action, seat_three, state, text_of
from tests.test_mine import MARIEKE, signed_in
from webapp.domain import accounts
from webapp.extensions import db
from webapp.models import Participant, Record, Room, Series, SeriesMember
from webapp.models.room import Admission, RoomStatus, utcnow

KEES = "kees@bakkerij.example"


def make_stages(app, count: int, first: int = 0) -> None:
    """`count` stages of Marieke's, straight into the database: a begin conversation held 20 days ago with its
    verslag (one afspraak), and for every other one the midden conversation planned in 5 days. Kees is the
    praktijkopleider of the first two of all; the others have their own."""
    now = utcnow()
    with app.app_context():
        for n in range(first, first + count):
            series = Series(created_at=now, touched_at=now, keep_until=now + timedelta(days=5))
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


def rows(html: str) -> list[str]:
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)][1:]  # the header row is not a stage


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
