"""Records that last as long as the stage: retention counts from the series' last activity and its latest
planned date, not from the day one conversation was made; the stagedocent can end a series at once."""
from datetime import date, timedelta

from tests.support.actions import agree, post_action, seat_three, state
from webapp import clock
from webapp.clock import utcnow
from webapp.domain import rooms
from webapp.extensions import db
from webapp.models import Room, Series, SeriesMember


def close_and_send(people, code, next_date=None):
    post_action(people["stagedocent"], code, "/close")
    if next_date:
        assert post_action(people["stagedocent"], code, "/next-meeting",
                           {"next_date": next_date.isoformat(), "next_time": "10:00"}).status_code == 200
    for role, client in people.items():
        agree(client, code, f"{role}@example.nl")
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200


def purge_on(app, monkeypatch, day) -> list[str]:
    """The housekeeping's purge as it runs on that day; the codes still there after it."""
    with app.app_context():
        monkeypatch.setattr(clock, "now", lambda: day)
        rooms.purge_expired()
        monkeypatch.undo()
        return sorted(db.session.scalars(db.select(Room.code)))


def test_a_vervolggesprek_planned_after_the_retention_time_keeps_the_whole_series(app, monkeypatch):
    days = app.config["RETENTION_DAYS"]
    code, people = seat_three(app)
    meeting_day = date.today() + timedelta(days=days + 16)  # 46 days from now with the default 30
    close_and_send(people, code, next_date=meeting_day)
    response = post_action(people["student"], code, "/follow-up")
    follow_up = response.headers["HX-Redirect"].rsplit("/", 1)[-1]

    now = utcnow()
    assert purge_on(app, monkeypatch, now + timedelta(days=days + 1)) == sorted([code, follow_up])
    assert purge_on(app, monkeypatch, now + timedelta(days=days + 16 + days - 1)) == sorted([code, follow_up])
    assert purge_on(app, monkeypatch, now + timedelta(days=days + 16 + days + 2)) == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Series)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(SeriesMember)) == 0


def test_activity_in_any_conversation_keeps_every_conversation_of_the_series(app):
    days = app.config["RETENTION_DAYS"]
    code, people = seat_three(app)
    close_and_send(people, code)
    follow_up = post_action(people["student"], code, "/follow-up").headers["HX-Redirect"].rsplit("/", 1)[-1]
    with app.app_context():
        # A day before the end: the last activity was RETENTION_DAYS - 1 days ago.
        db.session.execute(db.update(Room).values(expires_at=utcnow() + timedelta(days=1)))
        db.session.execute(db.update(Series).values(touched_at=utcnow() - timedelta(days=days - 1)))
        db.session.commit()
    post_action(people["student"], follow_up, "/phase", {"phase": "kennismaken"})  # the series lives on
    first = state(people["stagedocent"], code)
    assert first["expires_at"] >= (utcnow() + timedelta(days=days - 1)).isoformat()


def test_the_stagedocent_ends_the_stage_and_every_conversation_of_it_is_gone_at_once(app):
    code, people = seat_three(app)
    close_and_send(people, code)
    follow_up = post_action(people["student"], code, "/follow-up").headers["HX-Redirect"].rsplit("/", 1)[-1]
    post_action(people["stagedocent"], follow_up, "/verder")  # one tap into the vervolggesprek
    page = people["stagedocent"].get(f"/r/{follow_up}").get_data(as_text=True)
    assert "Verwijder de hele stage" in page and "alle 2 gesprekken" in page
    refused = post_action(people["student"], follow_up, "/delete-series")
    assert refused.status_code == 403 and "Alleen de stagedocent" in refused.get_data(as_text=True)
    assert post_action(people["stagedocent"], follow_up, "/delete-series").headers["HX-Redirect"] == "/?verwijderd=1"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Room)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Series)) == 0
    assert people["student"].get(f"/r/{code}").status_code == 404
