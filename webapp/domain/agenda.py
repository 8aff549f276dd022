"""Calendar files (.ics) for a conversation: one function for a planned conversation and for the next one."""
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from webapp.clock import utcnow

MEETING_MINUTES = 45


def meeting_ics(uid: str, start: datetime, summary: str, description: str, url: str | None = None) -> str:
    calendar = Calendar()
    calendar.add("prodid", "-//Stagegesprek//NL")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{uid}@stagegesprek")
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=MEETING_MINUTES))
    event.add("summary", summary)
    event.add("description", description)
    if url:
        event.add("url", url)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
