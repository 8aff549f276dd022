"""The room's lifecycle: create, join, presence, who may come in, removal and expiry.

Every function here that changes a room raises its version in the same transaction and commits;
the caller broadcasts afterwards.
"""
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from webapp import codes
from webapp.extensions import db
from webapp.models import Participant, Room, RoomStatus
from webapp.models.room import utcnow
from webapp.roles import PRAKTIJKOPLEIDER, ROLES, STAGEDOCENT, STUDENT, require

NAME_MAX = 40
MAX_PARTICIPANTS = 8  # three, plus whoever the stagedocent lets in; never an audience

# room.admission: "filling" until the three roles are there, then "locked"; the docent may open it.
FILLING, LOCKED, UNLOCKED = "filling", "locked", "unlocked"


@dataclass
class RoomError(Exception):
    """A request the room cannot honour; carries the Dutch message and the HTTP status."""

    message: str
    status: int = 400


@dataclass
class StaleEdit(Exception):
    """An edit based on an old revision: refused (409), with both texts so the person can merge."""

    message: str
    theirs: dict
    mine: dict
    rev: int


def bump_version(room: Room) -> int:
    """Raise the room's version atomically; on PostgreSQL this also locks the room row until commit,
    so concurrent changes to one room are serialized. The room is reloaded after the lock, so the
    checks that follow see what others committed before."""
    new_version = db.session.execute(
        update(Room).where(Room.id == room.id).values(version=Room.version + 1).returning(Room.version)
    ).scalar_one()
    db.session.expire(room)
    return new_version


@contextmanager
def change(room: Room):
    """One change to a room: version raised first (and the row locked), committed at the end, rolled
    back whole when a check inside refuses it."""
    try:
        bump_version(room)
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def require_status(room: Room, *allowed: str) -> None:
    """Refuse changes that the room's status does not allow any more (403 closed, 409 closing)."""
    if room.status in allowed:
        return
    if room.status == RoomStatus.CLOSED.value:
        raise RoomError("Dit gesprek is afgerond. Er kan niets meer veranderen.", 403)
    raise RoomError("Het gesprek wordt afgerond. Dit kan nu niet meer.", 409)


def clean_name(raw: str | None) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise RoomError("Vul je voornaam in.", 400)
    if len(name) > NAME_MAX:
        raise RoomError(f"Je naam is te lang. Gebruik hoogstens {NAME_MAX} tekens.", 400)
    return name


def check_role(role: str | None) -> str:
    if role not in ROLES:
        raise RoomError("Kies je rol: student, stagedocent of praktijkopleider.", 400)
    return role


def create_room(name: str, role: str, previous: Room | None = None) -> tuple[Room, Participant]:
    """A new conversation, its creator the first deelnemer; `previous` makes it a vervolggesprek."""
    name, role = clean_name(name), check_role(role)
    retention = timedelta(days=current_app.config["RETENTION_DAYS"])
    for _attempt in range(10):
        now = utcnow()
        room = Room(code=codes.new_code(), created_at=now, expires_at=now + retention, admission=FILLING,
                    previous_room_id=previous.id if previous else None)
        participant = Participant(name=name, role=role, token=secrets.token_urlsafe(32))
        room.participants.append(participant)
        db.session.add(room)
        try:
            db.session.commit()
            return room, participant
        except IntegrityError:  # a code collision: astronomically rare, but never a 500
            db.session.rollback()
    raise RoomError("Er ging iets mis bij het maken van een gesprek. Probeer het nog eens.", 503)


def find_room(code: str | None) -> Room:
    """The live room for a code as typed, or a RoomError that says what is wrong."""
    canonical = codes.normalize(code or "")
    room = db.session.scalar(select(Room).where(Room.code == canonical)) if canonical else None
    if room is None:
        raise RoomError("Deze gesprekscode kennen we niet. Kijk de code goed na.", 404)
    if room.is_expired():
        raise RoomError("Dit gesprek is verlopen. Vraag de stagedocent om een nieuwe code.", 410)
    return room


def participant_for_token(room: Room, token: str | None) -> Participant | None:
    if not token:
        return None
    return next((p for p in room.active_participants if secrets.compare_digest(p.token, token)), None)


def was_removed(room: Room, token: str | None) -> bool:
    return bool(token) and any(p.token == token and p.removed_at for p in room.participants)


def reset_consent(room: Room) -> None:
    """While closing, a change to what the verslag shows takes back every Akkoord already given, so
    nobody agrees to a text they did not see. Call inside change()."""
    if room.status != RoomStatus.CLOSING.value:
        return
    agreed = [p for p in room.active_participants if p.agreed_at]
    for participant in agreed:
        participant.agreed_at = None
    if agreed:
        room.activity += " Het verslag is veranderd: geef opnieuw akkoord."


def roles_complete(room: Room) -> bool:
    present = {p.role for p in room.active_participants}
    return {STUDENT, STAGEDOCENT, PRAKTIJKOPLEIDER} <= present


def may_join(room: Room) -> bool:
    return room.status != RoomStatus.CLOSED.value and room.admission != LOCKED


def join_room(room: Room, name: str, role: str) -> Participant:
    name, role = clean_name(name), check_role(role)
    with change(room):
        if room.status == RoomStatus.CLOSED.value:
            raise RoomError("Dit gesprek is al afgerond. Meedoen kan niet meer.", 403)
        if room.admission == LOCKED or len(room.active_participants) >= MAX_PARTICIPANTS:
            raise RoomError("Dit gesprek is vol. Vraag de stagedocent om je erbij te laten.", 403)
        participant = Participant(name=name, role=role, token=secrets.token_urlsafe(32))
        room.participants.append(participant)
        if room.admission == FILLING and roles_complete(room):
            room.admission = LOCKED
    return participant


def set_locked(room: Room, actor: Participant, locked: bool) -> None:
    require(actor.role, "lock_room", "Alleen de stagedocent kan het gesprek op slot zetten of openen.")
    with change(room):
        require_status(room, RoomStatus.OPEN.value, RoomStatus.CLOSING.value)
        room.admission = LOCKED if locked else UNLOCKED


def remove_participant(room: Room, actor: Participant, participant_id: int) -> tuple[Participant, list[str]]:
    """Take someone out of the room; returns them and the connections their phones still have open."""
    require(actor.role, "remove_participant", "Alleen de stagedocent kan iemand uit het gesprek halen.")
    target = next((p for p in room.active_participants if p.id == participant_id), None)
    if target is None:
        raise RoomError("Deze deelnemer zit niet (meer) in het gesprek.", 404)
    if target.id == actor.id:
        raise RoomError("Je kunt jezelf niet uit het gesprek halen.", 400)
    with change(room):
        require_status(room, RoomStatus.OPEN.value, RoomStatus.CLOSING.value)
        sids = [c.sid for c in target.connections]
        target.removed_at = utcnow()
        target.connections.clear()
    return target, sids


def delete_room(room: Room, actor: Participant) -> None:
    """The stagedocent wipes the conversation now, with everything in it (the cascades, as in purge)."""
    require(actor.role, "delete_room", "Alleen de stagedocent kan het gesprek verwijderen.")
    db.session.execute(delete(Room).where(Room.id == room.id))
    db.session.commit()


def purge_expired() -> int:
    """Delete rooms past their retention date; the database's cascades take everything in them along:
    deelnemers and their connections, cards, afspraken, the verslag and its mail."""
    result = db.session.execute(delete(Room).where(Room.expires_at <= utcnow()))
    db.session.commit()
    return result.rowcount
