"""Closing a conversation: the stagedocent starts it, everyone agrees, the stagedocent sends the verslag,
which is then frozen and mailed; after that a vervolggesprek can start from it."""
import re
from datetime import date, time

from flask import url_for

from webapp import outbox, rooms, verslag
from webapp.extensions import db
from webapp.models import Participant, Record, Room, RoomStatus
from webapp.models.room import utcnow
from webapp.roles import require
from webapp.room_view import RoomView
from webapp.rooms import RoomError, change, require_status, reset_consent

REMARK_MAX = 500
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
CLOSING, CLOSED, OPEN = RoomStatus.CLOSING.value, RoomStatus.CLOSED.value, RoomStatus.OPEN.value


def start_closing(room: Room, actor: Participant) -> None:
    require(actor.role, "close_room", "Alleen de stagedocent kan het gesprek afronden.")
    with change(room):
        require_status(room, OPEN)
        room.status = CLOSING
        for participant in room.active_participants:
            participant.agreed_at = None
        room.activity = f"{actor.name} rondt het gesprek af. Lees het verslag en geef akkoord."


def reopen(room: Room, actor: Participant) -> None:
    """Back to the conversation: closing was started too early."""
    require(actor.role, "close_room", "Alleen de stagedocent kan het gesprek weer openen.")
    with change(room):
        require_status(room, CLOSING)
        room.status = OPEN
        room.activity = f"{actor.name} heeft het gesprek weer geopend."


def plan_next(room: Room, actor: Participant, day: str | None, clock: str | None) -> None:
    """The stagedocent plans the vervolggesprek; it goes into the verslag (and resets Akkoord)."""
    require(actor.role, "plan_next", "Alleen de stagedocent plant het volgende gesprek.")
    try:
        planned = date.fromisoformat(day) if day else None
        at = time.fromisoformat(clock).strftime("%H:%M") if clock else None
    except ValueError:
        raise RoomError("Kies een geldige datum en tijd voor het volgende gesprek.", 400) from None
    if planned is not None and planned < utcnow().date():
        raise RoomError("Het volgende gesprek kan niet in het verleden zijn.", 400)
    with change(room):
        require_status(room, OPEN, CLOSING)
        room.next_meeting_date, room.next_meeting_time = planned, at if planned else None
        room.activity = f"{actor.name} plande het volgende gesprek." if planned else \
            f"{actor.name} haalde de datum van het volgende gesprek weg."
        reset_consent(room)


def clean_email(raw: str | None) -> str | None:
    email = (raw or "").strip()
    if not email:
        return None
    if len(email) > 254 or not EMAIL.match(email):
        raise RoomError("Dit e-mailadres klopt niet. Kijk het goed na, bijvoorbeeld naam@school.nl.", 400)
    return email


def confirm(room: Room, actor: Participant, email: str | None, remark: str | None) -> None:
    """Akkoord: this participant agrees to the verslag as it stands, and says where to send it."""
    address = clean_email(email)
    text = " ".join((remark or "").split())
    if len(text) > REMARK_MAX:
        raise RoomError(f"Je opmerking is te lang. Gebruik hoogstens {REMARK_MAX} tekens.", 400)
    with change(room):
        require_status(room, CLOSING)
        actor.email, actor.remark, actor.agreed_at = address, text, utcnow()
        room.activity = f"{actor.name} gaf akkoord."


def finalize(room: Room, actor: Participant, force: bool) -> Record:
    """Send: freeze the verslag and queue one mail per address, in one transaction."""
    require(actor.role, "send_record", "Alleen de stagedocent kan het verslag versturen.")
    with change(room):
        require_status(room, CLOSING)
        view = RoomView(room)
        if view.not_agreed and not force:
            names = ", ".join(p.name for p in view.not_agreed)
            raise RoomError(f"Nog niet iedereen gaf akkoord: {names}. Wil je toch versturen?", 409)
        data = view.draft
        record = verslag.freeze(room, data)
        db.session.add(record)
        parts = verslag.mail_parts(data, record.content_hash, url_for("closing.record", code=room.code,
                                                                       _external=True))
        for participant in room.active_participants:
            if participant.email:
                outbox.enqueue(recipient=participant.email, room_id=room.id, participant_id=participant.id,
                               **parts)
            participant.email = None  # from here on only the outbox needs it, until the mail is out
        room.status = CLOSED
        room.activity = f"{actor.name} heeft het verslag verstuurd."
    return record


def start_follow_up(room: Room, actor: Participant) -> tuple[Room, Participant]:
    """A vervolggesprek: a new room with a new code that looks back on this one's afspraken."""
    require(actor.role, "start_follow_up", "Alleen de student of de stagedocent start een vervolggesprek.")
    if room.status != CLOSED:
        raise RoomError("Een vervolggesprek kan pas als dit gesprek is afgerond.", 409)
    existing = RoomView(room).follow_up
    if existing is not None:
        raise RoomError(f"Er is al een vervolggesprek: {existing.code}.", 409)
    new_room, me = rooms.create_room(actor.name, actor.role, previous=room)
    with change(room):
        room.activity = f"{actor.name} startte een vervolggesprek."
    return new_room, me
