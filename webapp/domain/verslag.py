"""The verslag as data: the draft that every phone shows while closing, its version (what an Akkoord is
given to), the frozen record, and the .ics for the next conversation. Rendering it is the presentation's
job (templates/verslag/, webapp/presentation/verslag_mail.py and verslag_pdf.py)."""
import hashlib
import json
from datetime import date, datetime, time, timedelta

from icalendar import Calendar, Event

from webapp.domain import agreements, meeting
from webapp.domain.agreements import when_label, who_label
from webapp.domain.content import get_content
from webapp.domain.dates import dutch_date
from webapp.domain.roles import LABELS, STUDENT
from webapp.extensions import db
from webapp.models import Participant, Record, Room
from webapp.models.room import utcnow

MEETING_MINUTES = 45


def text_of(room: Room) -> dict:
    """What the verslag says, the part people agree to: who was there, the afspraken, the cards and notes,
    the next conversation. Not the date, and not who agreed or remarked."""
    content = get_content()
    previous = db.session.get(Room, room.previous_room_id) if room.previous_room_id else None
    return {
        "code": room.code,
        "participants": [{"name": p.name, "role": p.role, "role_label": LABELS[p.role]}
                         for p in room.active_participants],
        "agreements": [{"what": a.what, "who": who_label(a.who), "when": when_label(a.when)}
                       for a in agreements.live_agreements(room)],
        "discussed": [{"id": card.id, "set": content.deck(card.deck).title, "question": card.question,
                       "note": rc.note} for card, rc in meeting.discussed(room)],
        "next_meeting": ({"date": room.next_meeting_date.isoformat(), "time": room.next_meeting_time or ""}
                         if room.next_meeting_date else None),
        "previous": {"code": previous.code, "date": previous.created_at.date().isoformat()} if previous else None,
    }


def version_of(text: dict) -> str:
    """A short fingerprint of the verslag's text: the Akkoord form carries it, so an Akkoord is given to
    the text that person saw, never to one changed meanwhile."""
    return hashlib.sha256(canonical(text).encode("utf-8")).hexdigest()[:12]


def has_agreed(participant: Participant, version: str) -> bool:
    return participant.agreed_at is not None and participant.agreed_to == version


def snapshot(room: Room) -> dict:
    """The verslag as it stands: its text, its version, today's date and each deelnemer's Akkoord (to this
    version) and remark. The draft shows it live; sending freezes it."""
    text = text_of(room)
    version = version_of(text)
    for entry, participant in zip(text["participants"], room.active_participants):
        entry.update(agreed=has_agreed(participant, version), agreed_to=participant.agreed_to,
                     remark=participant.remark)
    return {**text, "version": version, "date": utcnow().date().isoformat()}


def canonical(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def freeze(room: Room, data: dict) -> Record:
    body = canonical(data)
    return Record(room_id=room.id, body=body, content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest())


def student_first_name(data: dict) -> str:
    student = next((p for p in data["participants"] if p["role"] == STUDENT), None)
    return student["name"].split()[0] if student else ""


def subject(data: dict) -> str:
    name = student_first_name(data)
    day = dutch_date(date.fromisoformat(data["date"]))
    return f"Verslag stagegesprek {name} van {day}" if name else f"Verslag stagegesprek van {day}"


def next_meeting_start(data: dict) -> datetime:
    meeting = data["next_meeting"]
    clock = time.fromisoformat(meeting["time"]) if meeting["time"] else time(9, 0)
    return datetime.combine(date.fromisoformat(meeting["date"]), clock)


def next_meeting_ics(data: dict) -> str:
    start = next_meeting_start(data)
    calendar = Calendar()
    calendar.add("prodid", "-//Stagegesprek//NL")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"vervolg-{data['code']}@stagegesprek")
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=MEETING_MINUTES))
    name = student_first_name(data)
    event.add("summary", f"Stagegesprek {name}".strip())
    event.add("description", "Het volgende stagegesprek. Kijk samen naar de afspraken van de vorige keer.")
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
