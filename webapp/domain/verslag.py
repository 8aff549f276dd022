"""The verslag as data: the draft that every phone shows while closing, its version (what an Akkoord is
given to), the frozen record, and the .ics for the next conversation. Rendering it is the presentation's
job (templates/verslag/, webapp/presentation/verslag_mail.py and verslag_pdf.py)."""
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time

from webapp.domain import agreements, meeting, review, series
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
    return {**text, "version": version, "date": room.held_at.date().isoformat(),
            "workplace": series.workplace_of(room.series_id)}  # whose stage it is, in its title (subject)


@dataclass(frozen=True)
class Mark:
    """One line of the draft that differs from the agreed text (Room.agreed_text): new, or changed from `before`
    (how it read then)."""
    before: dict | None = None

    @property
    def is_new(self) -> bool:
        return self.before is None


@dataclass(frozen=True)
class ListChanges:
    marks: list[Mark | None]  # one per line of the draft, in its order: None for a line as it was
    gone: list[dict]  # the lines of the agreed text that are no longer there


@dataclass(frozen=True)
class DraftChanges:
    """What changed in the draft since the agreed text, for the draft to mark while closing."""
    agreements: ListChanges
    discussed: ListChanges  # a card's note
    participants: ListChanges  # who was there
    next_meeting: Mark | None  # its `before` is the next conversation as it was (None: not planned)


def changes_since_agreed(data: dict, agreed_text: str | None) -> DraftChanges | None:
    """What changed in the draft (`data`: its snapshot) since `agreed_text` (Room.agreed_text: the canonical
    text everyone who gave an Akkoord agreed to, closing.confirm); None when nobody agreed yet or nothing changed
    since."""
    if agreed_text is None:
        return None
    before = json.loads(agreed_text)
    if version_of(before) == data["version"]:
        return None
    was, now = before["next_meeting"], data["next_meeting"]
    return DraftChanges(agreements=_list_changes(before["agreements"], data["agreements"]),
                        discussed=_list_changes(before["discussed"], data["discussed"]),
                        participants=_list_changes(before["participants"], data["participants"]),
                        next_meeting=None if was == now else Mark(was))


def _list_changes(before: list[dict], now: list[dict]) -> ListChanges:
    """Pairs each line now with how it read at the Akkoord. The rule: a line found unchanged is as it was
    (wherever it moved); the other lines pair in order, the first changed line now with the first one no longer
    found then, and so on, because an edit keeps a line's place (so one taken away and one written before the
    next Akkoord read as one changed line); lines left over are new now, or gone. Only what the agreed text
    holds counts (the snapshot adds each person's Akkoord and remark to who was there)."""
    keys = {key for line in before for key in line}
    seen = [{key: line.get(key) for key in keys} for line in now]
    left = list(before)
    marks: list[Mark | None] = []
    for line in seen:
        if line in left:
            left.remove(line)
            marks.append(None)
        else:
            marks.append(Mark())
    changed = [i for i, mark in enumerate(marks) if mark is not None]
    for i, old in zip(changed, left):
        marks[i] = Mark(old)
    return ListChanges(marks=marks, gone=left[len(changed):])


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
    name = series.whose(student_first_name(data), data.get("workplace"))
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
    name = series.whose(student_first_name(data), data.get("workplace"))
    return meeting_ics(f"vervolg-{data['code']}", next_meeting_start(data), f"Stagegesprek {name}".strip(),
                       "Het volgende stagegesprek. Kijk samen naar de afspraken van de vorige keer.")
