"""Closing a conversation: the stagedocent starts it, everyone agrees to the draft verslag, the stagedocent
sends it, which freezes and mails it; after that a vervolggesprek can start from it.

An Akkoord names the version of the draft it was given to (verslag.version_of), so any change to the text
takes it back by itself: there is nothing to reset, and nothing a new kind of change can forget.
"""
import re
from collections.abc import Callable

from sqlalchemy import select

from webapp.domain import dates, outbox, rooms, series, text, verslag
from webapp.domain.refusals import RoomError
from webapp.domain.roles import require, require_status
from webapp.domain.rooms import change
from webapp.extensions import db
from webapp.models import Participant, Record, Room
from webapp.models.room import RoomStatus, utcnow

REMARK_MAX = 500
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


def start_closing(room: Room, actor: Participant) -> None:
    with change(room, actor, "close_room"):
        room.status = RoomStatus.CLOSING
        for participant in room.active_participants:
            participant.agreed_at, participant.agreed_to = None, None
        room.activity = f"{actor.name} rondt het gesprek af. Lees het verslag en geef akkoord."


def reopen(room: Room, actor: Participant) -> None:
    """Back to the conversation: closing was started too early."""
    with change(room, actor, "reopen_room"):
        room.status = RoomStatus.OPEN
        room.activity = f"{actor.name} heeft het gesprek weer geopend."


def plan_next(room: Room, actor: Participant, day: str | None, clock: str | None) -> None:
    """The stagedocent plans the vervolggesprek; it goes into the verslag (so Akkoorden are asked again)."""
    when = dates.parse_meeting(day, clock)
    planned, at = (when.date(), f"{when:%H:%M}" if clock else None) if when else (None, None)
    with change(room, actor, "plan_next"):
        room.next_meeting_date, room.next_meeting_time = planned, at
        series.replan(room.series_id)
        room.activity = f"{actor.name} plande het volgende gesprek." if planned else \
            f"{actor.name} haalde de datum van het volgende gesprek weg."


def clean_email(raw: str | None) -> str | None:
    email = text.line(raw, 254, "Dit e-mailadres is te lang.")
    if not email:
        return None
    if len(email) > 254 or not EMAIL.match(email):
        raise RoomError("Dit e-mailadres klopt niet. Kijk het goed na, bijvoorbeeld naam@school.nl.", 400)
    return email


def confirm(room: Room, actor: Participant, email: str | None, remark: str | None, seen_version: str | None) -> None:
    """Akkoord: this participant agrees to the verslag in the version they were shown, and says where to
    send it. When the text changed since, the Akkoord is refused (409): they read the new one first."""
    address = clean_email(email)
    remark = text.line(remark, REMARK_MAX, f"Je opmerking is te lang. Gebruik hoogstens {REMARK_MAX} tekens.")
    with change(room, actor, "give_consent"):
        version = verslag.version_of(verslag.text_of(room))
        if seen_version != version:
            raise RoomError("Het verslag is net veranderd. Lees het nieuwe verslag en geef dan akkoord.", 409)
        actor.email, actor.remark = address, remark
        actor.agreed_at, actor.agreed_to = utcnow(), version
        room.activity = f"{actor.name} gaf akkoord."


def not_agreed(data: dict) -> list[str]:
    """The names of those who gave no Akkoord to this version of the verslag (from verslag.snapshot)."""
    return [p["name"] for p in data["participants"] if not p["agreed"]]


def finalize(room: Room, actor: Participant, force: bool,
             compose_mail: Callable[[dict, str, str], dict]) -> Record:
    """Send: freeze the verslag and queue one mail per address, in one transaction. `compose_mail(data,
    content_hash, role)` gives the mail's parts for a deelnemer with that role: it opens with their own tasks
    and afspraken. The view passes it in, as rendering is not the domain's job."""
    with change(room, actor, "send_record"):
        data = verslag.snapshot(room)
        missing = not_agreed(data)
        if missing and not force:
            raise RoomError(f"Nog niet iedereen gaf akkoord: {', '.join(missing)}. Wil je toch versturen?", 409)
        record = verslag.freeze(room, data)
        db.session.add(record)
        parts_for_role: dict[str, dict] = {}
        for participant in room.active_participants:
            if participant.email:
                if participant.role not in parts_for_role:
                    parts_for_role[participant.role] = compose_mail(data, record.content_hash, participant.role)
                outbox.enqueue(recipient=participant.email, room_id=room.id, participant_id=participant.id,
                               **parts_for_role[participant.role])
        for participant in room.participants:  # those taken out too: nobody's address stays with the room
            participant.email = None  # from here on only the outbox needs it, until the mail is out
        room.status = RoomStatus.CLOSED
        room.activity = f"{actor.name} heeft het verslag verstuurd."
    return record


def record_of(room: Room) -> Record | None:
    return db.session.scalar(select(Record).where(Record.room_id == room.id))


def follow_up_of(room: Room) -> Room | None:
    return db.session.scalar(select(Room).where(Room.previous_room_id == room.id).order_by(Room.id))


def start_follow_up(room: Room, actor: Participant) -> tuple[Room, Participant]:
    """A vervolggesprek: a new room with a new code that looks back on this one's afspraken. This room
    changes after the new one exists, so its screens link to it."""
    require(actor.role, "start_follow_up")
    require_status(room.status, "start_follow_up")
    existing = follow_up_of(room)
    if existing is not None:
        raise RoomError(f"Er is al een vervolggesprek: {existing.code}.", 409)
    new_room, me = rooms.create_room(actor.name, actor.role, previous=room)
    with change(room, actor, "start_follow_up"):
        room.activity = f"{actor.name} startte een vervolggesprek."
    return new_room, me
