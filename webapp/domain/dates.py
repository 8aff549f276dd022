"""Dates as people read them in Dutch, and the date and time of a meeting as people type them."""
from datetime import date, datetime, time

from webapp.clock import utcnow
from webapp.domain.refusals import RoomError

LATEST_MEETING_YEARS = 3
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")


def dutch_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def dutch_moment(when: datetime) -> str:
    """'dinsdag 8 december 2026 om 14:00'."""
    return f"{WEEKDAYS[when.weekday()]} {dutch_date(when.date())} om {when:%H:%M}"


def short_moment(when: datetime) -> str:
    """'di 8 dec, 14:00': for the top bar, where space is short."""
    return f"{WEEKDAYS[when.weekday()][:2]} {when.day} {MONTHS[when.month - 1][:3]}, {when:%H:%M}"


def parse_meeting(day: str | None, clock: str | None, required: bool = False) -> datetime | None:
    """A meeting's date and time from a form (2026-12-08, 14:00): not in the past, at most three years
    ahead; None when no date was given and none is required. Without a time, at 9:00."""
    if not day:
        if required:
            raise RoomError("Kies de datum van het gesprek.", 400)
        return None
    try:
        planned = date.fromisoformat(day)
        at = time.fromisoformat(clock) if clock else time(9, 0)
    except ValueError:
        raise RoomError("Kies een geldige datum en tijd voor het gesprek.", 400) from None
    today = utcnow().date()
    if planned < today:
        raise RoomError("Het gesprek kan niet in het verleden zijn.", 400)
    if planned.year > today.year + LATEST_MEETING_YEARS:
        raise RoomError("Dat is te ver weg. Kies een datum binnen drie jaar.", 400)
    return datetime.combine(planned, at.replace(second=0, microsecond=0, tzinfo=None))
