"""The series a conversation is part of: a stage's start, midden and eind conversation, and more.

Retention counts from the series, not from one conversation: every change in any of its conversations
touches the series, and all its conversations are kept until RETENTION_DAYS after that, or after the latest
conversation planned in it, whichever is later. So a vervolggesprek planned for after the retention time
keeps the series alive, and the verslag is there for the eind-beoordeling.
"""
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from webapp.clock import utcnow
from webapp.domain import text
from webapp.extensions import db
from webapp.models import Room, Series

WORKPLACE_MAX = Series.__table__.c.workplace.type.length


def retention() -> timedelta:
    return timedelta(days=current_app.config["RETENTION_DAYS"])


def expiry(touched_at: datetime, keep_until: datetime | None) -> datetime:
    return max(touched_at, keep_until or touched_at) + retention()


def new_series() -> Series:
    series = Series(created_at=utcnow(), touched_at=utcnow())
    db.session.add(series)
    db.session.flush()
    return series


def clean_workplace(raw: str | None) -> str | None:
    """Where the stage is, as the planner typed it (optional): a name, cleaned as names are, since it goes into
    the invitation mail the school's server sends for a planner without an account."""
    workplace = text.line(raw, WORKPLACE_MAX, f"De naam van het bedrijf is te lang. Gebruik hoogstens "
                                              f"{WORKPLACE_MAX} tekens.")
    return text.refuse_links(workplace) if text.has_letters_or_digits(workplace) else None


def set_workplace(series_id: int, workplace: str | None) -> None:
    """The planner says where the stage is (or that it is not said): the whole series shows it from now on."""
    db.session.get(Series, series_id).workplace = workplace


def workplace_of(series_id: int) -> str | None:
    return db.session.get(Series, series_id).workplace


def whose(student: str | None, workplace: str | None) -> str:
    """Whose stage, in the titles of mails, calendar items and verslagen: "Sanne (Garage De Vries)", "Sanne",
    "bij Garage De Vries", or nothing when neither is known. A stagedocent with thirty students, or a workplace
    with three interns, tells them apart by it."""
    if student and workplace:
        return f"{student} ({workplace})"
    return student or (f"bij {workplace}" if workplace else "")


# A series is touched at most once in this time: retention counts in days, and a change in a busy room then
# costs one statement (the conditional UPDATE that finds nothing to do) instead of two.
TOUCH_PRECISION = timedelta(hours=1)


def touch(series_id: int, always: bool = False) -> None:
    """Activity in the series: all its conversations are kept for the retention time from now (or from the
    latest planned date), to within TOUCH_PRECISION. `always` when a date or a conversation was added, so
    every conversation's expiry follows at once. In the change's own transaction."""
    now = utcnow()
    due = [] if always else [Series.touched_at < now - TOUCH_PRECISION]
    touched = db.session.execute(update(Series).where(Series.id == series_id, *due).values(touched_at=now)
                                 .returning(Series.keep_until)).one_or_none()
    if touched is not None:
        db.session.execute(update(Room).where(Room.series_id == series_id)
                           .values(expires_at=expiry(now, touched.keep_until))
                           .execution_options(synchronize_session=False))


def replan(series_id: int) -> None:
    """After a date changed in the series (a planned conversation, the next one planned while closing):
    it is kept until the retention time after the latest date planned in it."""
    planned, next_day = db.session.execute(
        select(func.max(Room.planned_for), func.max(Room.next_meeting_date)).where(Room.series_id == series_id)).one()
    dates = [planned, datetime.combine(next_day, time()) if next_day else None]
    latest = max((day for day in dates if day is not None), default=None)
    db.session.execute(update(Series).where(Series.id == series_id).values(keep_until=latest))
    touch(series_id, always=True)


def remove_empty() -> None:
    """Series whose conversations are all gone go too."""
    db.session.execute(delete(Series).where(~select(Room.id).where(Room.series_id == Series.id).exists()))
