"""The verslag: one set of data for the draft on every phone, the frozen record, its page and its mail."""
import hashlib
import json
from datetime import date, datetime, time, timedelta

from flask import render_template
from icalendar import Calendar, Event

from webapp.agreements import when_label, who_label
from webapp.dates import dutch_date
from webapp.extensions import db
from webapp.models import Record, Room
from webapp.models.room import utcnow
from webapp.roles import LABELS, STUDENT

MEETING_MINUTES = 45


def snapshot(view) -> dict:
    """What the verslag says, as plain data (from a RoomView): the draft shows it live, sending freezes it."""
    room = view.room
    participants = room.active_participants
    previous = db.session.get(Room, room.previous_room_id) if room.previous_room_id else None
    return {
        "code": room.code,
        "date": utcnow().date().isoformat(),
        "participants": [{"name": p.name, "role": p.role, "role_label": LABELS[p.role],
                          "agreed": p.agreed_at is not None, "remark": p.remark} for p in participants],
        "agreements": [{"what": a.what, "who": who_label(a.who), "when": when_label(a.when)} for a in view.agreements],
        "discussed": [{"id": card.id, "set": view.content.deck(card.deck).title, "question": card.question,
                       "note": rc.note} for card, rc in view.discussed],
        "next_meeting": ({"date": room.next_meeting_date.isoformat(), "time": room.next_meeting_time or ""}
                         if room.next_meeting_date else None),
        "previous": {"code": previous.code, "date": previous.created_at.date().isoformat()} if previous else None,
    }


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


def mail_parts(data: dict, content_hash: str, record_url: str) -> dict:
    """The email of a verslag: subject, plain text and HTML from the record's own templates, and an
    .ics for the next conversation when it is planned. The same for every recipient: it names people
    and roles, never anyone's address."""
    context = {"data": data, "content_hash": content_hash, "record_url": record_url}
    attachments = []
    if data["next_meeting"]:
        attachments.append({"filename": "volgend-stagegesprek.ics", "mimetype": "text/calendar",
                            "content": next_meeting_ics(data)})
    return {
        "subject": subject(data),
        "text_body": render_template("verslag/mail.txt", **context),
        "html_body": render_template("verslag/mail.html", **context),
        "attachments": attachments,
    }


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
