"""The verslag as data: the draft that every phone shows while closing, its version (what an Akkoord is
given to), the frozen record, and the .ics for the next conversation. Rendering it is the presentation's
job (templates/verslag/, webapp/presentation/verslag_mail.py and verslag_pdf.py)."""
import hashlib
import json
import re
import unicodedata
from datetime import date, datetime, time

from webapp.domain import agreements, meeting, review
from webapp.domain.agenda import meeting_ics
from webapp.domain.agreements import when_label, who_by_name
from webapp.domain.content import get_content
from webapp.domain.dates import dutch_date
from webapp.domain.roles import LABELS, ROLES, STUDENT
from webapp.extensions import db
from webapp.models import Participant, Record, Room

AFTER = "na"  # the stappenplan's moment after the conversation: each role's tasks go into the verslag


def text_of(room: Room) -> dict:
    """What the verslag says, the part people agree to: who was there, the afspraken, each role's tasks after
    the conversation, in a vervolggesprek how the previous afspraken and tasks went (webapp/domain/review.py),
    the cards and notes, the next conversation. Not the date, and not who agreed or
    remarked. The tasks are copied in as text, so a sent verslag keeps them as they were that day."""
    content = get_content()
    previous = db.session.get(Room, room.previous_room_id) if room.previous_room_id else None
    return {
        "code": room.code,
        "participants": [{"name": p.name, "role": p.role, "role_label": LABELS[p.role]}
                         for p in room.active_participants],
        # Who does each afspraak by name (the roles stay, for each person's own part of the mail).
        "agreements": [{"what": a.what, "who": who_by_name(a.who, room), "roles": a.who_roles,
                        "when": when_label(a.when)} for a in agreements.live_agreements(room)],
        "tasks_after": tasks_after(room),
        "review": review.text_of(room),
        "discussed": [{"id": card.id, "set": content.deck(card.deck).title, "question": card.question,
                       "note": rc.note} for card, rc in meeting.discussed(room)],
        "next_meeting": ({"date": room.next_meeting_date.isoformat(), "time": room.next_meeting_time or ""}
                         if room.next_meeting_date else None),
        "previous": {"code": previous.code, "date": previous.held_at.date().isoformat()} if previous else None,
    }


def tasks_after(room: Room) -> list[dict]:
    """Who does what after the conversation: per role present (in the order of ROLES), the names of those who
    hold it and that role's "na" tasks from the stappenplan, for a first conversation or a vervolggesprek."""
    moment = next((m for m in get_content().moments if m.id == AFTER), None)
    if moment is None:
        return []
    follow_up = room.previous_room_id is not None
    groups = []
    for role in ROLES:
        names = [p.name for p in room.active_participants if p.role == role]
        tasks = [task.text for task in moment.tasks_for(role, follow_up=follow_up)]
        if names and tasks:
            groups.append({"role": role, "role_label": LABELS[role], "names": names, "tasks": tasks})
    return groups


def tasks_of(data: dict, role: str) -> list[str]:
    """One role's tasks after the conversation in a verslag's data; none in a verslag sent before it had them."""
    return next((group["tasks"] for group in data.get("tasks_after") or () if group["role"] == role), [])


def agreements_of(data: dict, role: str) -> list[dict]:
    """The afspraken in a verslag's data that name this role among who does them."""
    return [a for a in data["agreements"] if role in a.get("roles", ())]


def version_of(text: dict) -> str:
    """A short fingerprint of the verslag's text: the Akkoord form carries it, so an Akkoord is given to
    the text that person saw, never to one changed meanwhile."""
    return hashlib.sha256(canonical(text).encode("utf-8")).hexdigest()[:12]


def has_agreed(participant: Participant, version: str) -> bool:
    return participant.agreed_at is not None and participant.agreed_to == version


def snapshot(room: Room) -> dict:
    """The verslag as it stands: its text, its version, the day the conversation took place (Room.held_at, the
    same day the overview and the timeline show) and each deelnemer's Akkoord (to this version) and remark. The
    draft shows it live; sending freezes it."""
    text = text_of(room)
    version = version_of(text)
    for entry, participant in zip(text["participants"], room.active_participants):
        entry.update(agreed=has_agreed(participant, version), agreed_to=participant.agreed_to,
                     remark=participant.remark)
    return {**text, "version": version, "date": room.held_at.date().isoformat()}


def canonical(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def freeze(room: Room, data: dict) -> Record:
    body = canonical(data)
    return Record(room_id=room.id, body=body, content_hash=hashlib.sha256(body.encode("utf-8")).hexdigest())


def student_first_name(data: dict) -> str:
    student = next((p for p in data["participants"] if p["role"] == STUDENT), None)
    return student["name"].split()[0] if student else ""


def subject(data: dict) -> str:
    """The verslag's title everywhere: the mail's subject, the page's title, the PDF's title. It names the
    student, so thirty of them (or a workplace's three) are told apart."""
    name = student_first_name(data)
    day = dutch_date(date.fromisoformat(data["date"]))
    return f"Verslag stagegesprek {name} van {day}" if name else f"Verslag stagegesprek van {day}"


def file_name(data: dict) -> str:
    """The PDF's file name, for the download and the mail: the student's name and the day, in letters any
    computer keeps (verslag-sanne-2026-12-02.pdf)."""
    name = unicodedata.normalize("NFKD", student_first_name(data)).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-")
    return f"verslag-{slug}-{data['date']}.pdf" if slug else f"verslag-{data['date']}.pdf"


def next_meeting_start(data: dict) -> datetime:
    meeting = data["next_meeting"]
    clock = time.fromisoformat(meeting["time"]) if meeting["time"] else time(9, 0)
    return datetime.combine(date.fromisoformat(meeting["date"]), clock)


def next_meeting_ics(data: dict) -> str:
    name = student_first_name(data)
    return meeting_ics(f"vervolg-{data['code']}", next_meeting_start(data), f"Stagegesprek {name}".strip(),
                       "Het volgende stagegesprek. Kijk samen naar de afspraken van de vorige keer.")
