"""Closing a conversation: the stagedocent starts it, everyone agrees to the draft verslag, the stagedocent
sends it, which freezes and mails it; after that a vervolggesprek can start from it.

An Akkoord names the version of the draft it was given to (verslag.version_of), so any change to the text
takes it back by itself: there is nothing to reset, and nothing a new kind of change can forget.
"""
import secrets
from collections.abc import Callable

from sqlalchemy import select

from webapp.clock import utcnow
from webapp.domain import accounts, dates, outbox, planning, rooms, series, text, verslag
from webapp.domain.addresses import clean_email
from webapp.domain.refusals import RoomError
from webapp.domain.roles import require_actor, require_status
from webapp.domain.rooms import change
from webapp.extensions import db
from webapp.models import Participant, Record, Room
from webapp.models.room import Admission, RoomStatus

REMARK_MAX = 500


def start_closing(room: Room, actor: Participant) -> None:
    with change(room, actor, "close_room"):
        room.status = RoomStatus.CLOSING
        room.agreed_text = None  # a draft agreed to before "Terug naar het gesprek" marks nothing in this one
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


def confirm(room: Room, actor: Participant, email: str | None, remark: str | None, seen_version: str | None) -> None:
    """Akkoord: this participant agrees to the verslag in the version they were shown, and says where to
    send it. When the text changed since, the Akkoord is refused (409): they read the new one first. The text
    is kept as agreed (room.agreed_text): when a change takes Akkoorden back, the draft marks what changed, and
    it keeps marking it until everyone who had agreed has agreed again (only then does this text become the
    agreed one), so the last to come back still sees what changed."""
    address = clean_email(email)
    remark = text.line(remark, REMARK_MAX, f"Je opmerking is te lang. Gebruik hoogstens {REMARK_MAX} tekens.")
    with change(room, actor, "give_consent"):
        agreed = verslag.text_of(room)
        version = verslag.version_of(agreed)
        if seen_version != version:
            raise RoomError("Het verslag is net veranderd. Lees het nieuwe verslag en geef dan akkoord.", 409)
        actor.email, actor.remark = address, remark
        accounts.prove_address(room.series_id, actor, address)  # given from the seat itself: Mijn gesprekken
        actor.agreed_at, actor.agreed_to = utcnow(), version
        if all(p.agreed_to in (None, version) for p in room.active_participants):
            room.agreed_text = verslag.canonical(agreed)
        room.activity = f"{actor.name} gaf akkoord."


def not_agreed(data: dict) -> list[str]:
    """The names of those who gave no Akkoord to this version of the verslag (from verslag.snapshot)."""
    return [p["name"] for p in data["participants"] if not p["agreed"]]


def finalize(room: Room, actor: Participant, force: bool,
             compose_mail: Callable[[dict, str, Participant], dict],
             compose_invitation: Callable[[Room, Participant, str], dict]) -> Record:
    """Send: freeze the verslag and queue one mail per address, in one transaction. `compose_mail(data,
    content_hash, participant)` gives the mail's parts for that deelnemer: it opens with their own tasks and
    afspraken and carries their own link to the verslag (record_links). The view passes it in, as rendering
    is not the domain's job.

    The next conversation set while closing becomes the stage's next conversation now, planned on that date for
    the same people (planning.plan_follow_up, with its invitations after the verslag: `compose_invitation`), so
    every way to the next conversation leads to that one."""
    with change(room, actor, "send_record"):
        data = verslag.snapshot(room)
        missing = not_agreed(data)
        if missing and not force:
            raise RoomError(f"Nog niet iedereen gaf akkoord: {', '.join(missing)}. Wil je toch versturen?", 409)
        record = verslag.freeze(room, data)
        db.session.add(record)
        if data["next_meeting"] and follow_up_of(room) is None:  # first: the verslag's PDF lists it in the stage
            planning.plan_follow_up(room, verslag.next_meeting_start(data), compose_invitation)
        for participant in room.active_participants:
            if participant.email:
                outbox.enqueue(kind=outbox.VERSLAG, recipient=participant.email, room_id=room.id,
                               participant_id=participant.id, **compose_mail(data, record.content_hash, participant))
        for participant in room.participants:  # those taken out too: nobody's address stays with the room
            participant.email = None  # from here on only the outbox needs it, until the mail is out
        room.agreed_text = None  # the record holds the text now (docs/privacy.md)
        room.status = RoomStatus.CLOSED
        room.activity = f"{actor.name} heeft het verslag verstuurd."
    return record


def record_of(room: Room) -> Record | None:
    return db.session.scalar(select(Record).where(Record.room_id == room.id))


def follow_up_of(room: Room) -> Room | None:
    return db.session.scalar(select(Room).where(Room.previous_room_id == room.id).order_by(Room.id))


def previous_of(room: Room) -> Room | None:
    """The conversation this vervolggesprek follows (None for a first one, or when that one was deleted)."""
    return db.session.get(Room, room.previous_room_id) if room.previous_room_id else None


def start_follow_up(room: Room, actor: Participant) -> tuple[Room, Participant]:
    """A vervolggesprek: a new room with a new code that looks back on this one's afspraken, in the same series.
    Everyone still in this conversation has a place in it, with the same name and role, waiting for them (as in
    a planned conversation); the one who starts it is in at once. The code alone lets nobody else in (locked):
    each of the others comes in with one tap from this room (`carry_over`). This room changes after the new
    one exists, so its screens link to it. When the next conversation exists already (planned while closing,
    made at sending), there is no second one: the actor goes into their place in that one."""
    require_actor(actor, "start_follow_up")
    require_status(room.status, "start_follow_up")
    existing = follow_up_of(room)
    if existing is not None:
        place = carried_place(existing, actor)
        if place is None:
            when = f" op {dates.dutch_moment(existing.planned_for)}" if existing.planned_for else ""
            raise RoomError(f"Het volgende gesprek staat al klaar{when}, maar jij staat er niet bij. "
                            "Vraag de stagedocent om je uit te nodigen.", 409)
        carry_over(existing, place)
        return existing, place
    new_room, me = rooms.create_room(actor.name, actor.role, previous=room)
    with change(room, actor, "start_follow_up"):
        rooms.bump_version(new_room)
        rooms.bump_series([room.series_id], besides=[room.id, new_room.id])
        me.previous_participant_id, me.email_key, me.extra = actor.id, actor.email_key, actor.extra
        for participant in room.active_participants:
            if participant.id != actor.id:
                new_room.participants.append(Participant(
                    name=participant.name, role=participant.role, token=secrets.token_urlsafe(32),
                    previous_participant_id=participant.id, arrived_at=None, extra=participant.extra,
                    email_key=participant.email_key))
        new_room.admission = Admission.LOCKED  # as a planned conversation: the code alone lets nobody in
        new_room.activity = f"{actor.name} startte het vervolggesprek."
        room.activity = f"{actor.name} startte een vervolggesprek."
    return new_room, me


def carried_place(room: Room, before: Participant | None) -> Participant | None:
    """The place in this vervolggesprek for someone who was in the conversation before (`before`), if any."""
    if before is None or before.room_id != room.previous_room_id:
        return None
    return next((p for p in room.participants if p.previous_participant_id == before.id), None)


def carry_over(room: Room, place: Participant) -> None:
    """One tap from the conversation before: the person comes in as themselves, in their waiting place."""
    if place.removed_at is not None:
        raise RoomError("De stagedocent heeft je uit dit gesprek gehaald. Vraag de stagedocent om je weer toe te "
                        "laten.", 403)
    if place.arrived_at is not None:
        return  # already in (from another phone of theirs): nothing changes
    with change(room, None, None):
        place.arrived_at = utcnow()
        room.activity = f"{place.name} doet mee."
