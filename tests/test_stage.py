"""A whole stage over four months with the app's clock frozen on each day: begin, midden and eind, each planned
while closing the one before and entered with one tap by the same three phones. At the end the overview, the
timeline, every verslag and every PDF list the same three conversations, on the days they took place, in order;
and every verslag link still works on the day of the conversation after it."""
import re
from datetime import datetime
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.support.actions import agree, post_action, seat_three, state, text_of
from tests.support.stages import one_tap, signed_in
from webapp import clock
from webapp.extensions import db
from webapp.models import OutboxMessage, Room

EMAILS = {"stagedocent": "marieke@school.example", "student": "sanne@student.example",
          "praktijkopleider": "kees@bakkerij.example"}
BEGIN, MIDDEN, EIND = datetime(2026, 9, 1, 9, 30), datetime(2026, 11, 3, 10, 0), datetime(2027, 1, 12, 14, 0)
DAYS = ["Begin · 1 september 2026", "Midden · 3 november 2026", "Eind · 12 januari 2027"]
A_DAY = re.compile(r"(?:Begin|Midden|Eind|Gesprek) · \d{1,2} [a-z]+ \d{4}")
LINK = re.compile(r"https?://[^/\s]+(/verslag/[A-Za-z0-9_.-]+)")


@pytest.fixture
def today(monkeypatch):
    """The app's one clock, set to a day of the stage by assigning `today.now`."""
    class Today:
        now = BEGIN
    monkeypatch.setattr(clock, "now", lambda: Today.now)
    return Today


def close_and_send(people, code, afspraak, next_day=None, next_time=None):
    """One afspraak, closing with the next date (if any), everyone's Akkoord with their address, sent."""
    assert post_action(people["student"], code, "/agreements",
                       {"what": afspraak, "who": ["student"], "when": "voor-volgend-gesprek"}).status_code == 200
    assert post_action(people["stagedocent"], code, "/close").status_code == 200
    if next_day:
        assert post_action(people["stagedocent"], code, "/next-meeting",
                           {"next_date": next_day, "next_time": next_time}).status_code == 200
    for role, client in people.items():
        assert agree(client, code, EMAILS[role]).status_code == 200
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200


def next_code(app, code) -> str:
    with app.app_context():
        room = db.session.scalar(select(Room).where(Room.code == code))
        return db.session.scalar(select(Room.code).where(Room.previous_room_id == room.id))


def verslag_links(app, code) -> dict[str, str]:
    """Each person's link to this conversation's verslag, from their queued mail."""
    with app.app_context():
        room_id = db.session.scalar(select(Room.id).where(Room.code == code))
        messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.room_id == room_id,
                                                                  OutboxMessage.kind == "verslag")).all()
        return {m.recipient: LINK.search(m.text_body).group(1) for m in messages}


def everyone_taps_into(people, old, new):
    for client in people.values():
        response = one_tap(client, old, new)
        assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/r/{new}"


def listed_in_order(text: str) -> None:
    """Exactly the stage's three conversations, each with its moment and the day it took place, in order."""
    assert list(dict.fromkeys(A_DAY.findall(text))) == DAYS, text


def test_a_whole_stage_reads_the_same_everywhere(app, today):
    begin, people = seat_three(app)
    close_and_send(people, begin, "Sanne vraagt elke vrijdag om feedback.", "2026-11-03", "10:00")

    # Sending made the next conversation, on the agreed date, one moment further, for the same three.
    midden = next_code(app, begin)
    assert midden is not None
    sent = text_of(people["praktijkopleider"].get(f"/r/{begin}").get_data(as_text=True))
    assert "Het volgende gesprek is op dinsdag 3 november 2026 om 10:00." in sent and midden not in sent
    everyone_taps_into(people, begin, midden)
    seen = state(people["student"], midden)
    assert (seen["status"], seen["planned_for"][:16], seen["stage_moment"]) == ("planned", "2026-11-03T10:00",
                                                                                 "midden")
    assert sorted(p["role"] for p in seen["participants"]) == sorted(EMAILS) and all(
        p["arrived"] for p in seen["participants"])
    # Every way to the next conversation leads to that one: the vervolggesprek button, and planning.
    again = post_action(people["student"], begin, "/follow-up")
    assert again.headers["HX-Redirect"] == f"/r/{midden}"
    with app.app_context():
        assert len(db.session.scalars(select(Room)).all()) == 2
    begin_links = verslag_links(app, begin)

    today.now = MIDDEN
    assert post_action(people["student"], midden, "/start").status_code == 200
    close_and_send(people, midden, "Sanne maakt een planning voor de eindopdracht.", "2027-01-12", "14:00")
    for path in begin_links.values():  # the day of the next conversation: the links to the one before still work
        assert app.test_client().get(path).status_code == 200
    eind = next_code(app, midden)
    everyone_taps_into(people, midden, eind)
    assert state(people["stagedocent"], eind)["stage_moment"] == "eind"
    midden_links = verslag_links(app, midden)

    today.now = EIND
    assert post_action(people["stagedocent"], eind, "/start").status_code == 200
    close_and_send(people, eind, "Sanne stuurt het eindverslag in.")
    for path in midden_links.values():
        assert app.test_client().get(path).status_code == 200
    assert next_code(app, eind) is None  # no date set: no fourth conversation

    # Everywhere: three conversations, the days they took place, in order, begin, midden, eind.
    for code, day in ((begin, "1 september 2026"), (midden, "3 november 2026"), (eind, "12 januari 2027")):
        page = text_of(people["student"].get(f"/r/{code}/record").get_data(as_text=True))
        assert f"Verslag stagegesprek Sanne van {day}" in page
        listed_in_order(page)
        pdf = people["student"].get(f"/r/{code}/record.pdf")
        reader = PdfReader(BytesIO(pdf.data))
        listed_in_order(" ".join(" ".join(page.extract_text().split()) for page in reader.pages))
    with app.app_context():
        series_id = db.session.scalar(select(Room.series_id).where(Room.code == begin))
    docent = signed_in(app, people["stagedocent"], EMAILS["stagedocent"])
    row = text_of(docent.get("/mijn-gesprekken").get_data(as_text=True))
    assert "Sanne" in row and "Eind · 12 januari 2027" in row
    stage = text_of(docent.get(f"/mijn-gesprekken/stage/{series_id}").get_data(as_text=True))
    listed_in_order(stage)
    assert stage.count("afgerond") >= 3 and "gepland" not in stage
