"""A conversation planned ahead: the student or the stagedocent plans it with a date and time, everyone gets
their own link to prepare at home, and one tap at the table starts it for everyone.

A planned room has a place for each of the three roles from the start (so nobody takes someone else's role
with the code); a personal link binds a phone to its place. Only a hash of each link is kept: a link can be
shown once, and a new one makes the old one stop working.
"""
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.domain import accounts, codes, dates, outbox, series
from webapp.domain.closing import clean_email
from webapp.domain.content import STAGE_MOMENTS, get_content
from webapp.domain.refusals import Forbidden, RoomError
from webapp.domain.roles import LABELS, PERMISSIONS, ROLES, STAGEDOCENT, STUDENT, may, may_share_link, require_status
from webapp.domain.rooms import bump_series, change, clean_name, following_moment
from webapp.extensions import db
from webapp.models import Participant, Room
from webapp.models.room import Admission, RoomStatus, utcnow

PLANNERS = (STUDENT, STAGEDOCENT)  # who leads the conversation plans it


@dataclass(frozen=True)
class Invitee:
    """One of the three, as the planner filled them in: a name (or none yet) and where to mail the link."""

    role: str
    name: str | None
    email: str | None


def read_invitees(form, planner_role: str) -> list[Invitee]:
    """The form's name and address per role (`name-<role>`, `email-<role>`); the planner's own name is
    required, the others' are optional (they fill it in when they open their link)."""
    if planner_role not in PLANNERS:
        raise RoomError("Kies wie je bent: de student of de stagedocent plant het gesprek.", 400)
    invitees = []
    for role in ROLES:
        raw_name = form.get(f"name-{role}") or ""
        if role == planner_role:
            name = clean_name(raw_name)
        else:
            name = clean_name(raw_name) if raw_name.strip() else None
        invitees.append(Invitee(role, name, clean_email(form.get(f"email-{role}"))))
    return invitees


def plan(invitees: list[Invitee], planner_role: str, day: str | None, clock: str | None, stage_moment: str | None,
         compose_invitation: Callable[[Room, Participant, str], dict],
         previous: Room | None = None) -> tuple[Room, Participant]:
    """A planned conversation with a place per role. Everyone with an address gets their own link by mail,
    queued in the same transaction; `compose_invitation(room, participant, link secret)` gives the mail's
    parts (the view passes it in: rendering is not the domain's job).

    With `previous` (the newest conversation of a series), it is that series' next conversation: it looks
    back on the previous one, and each place is the same person's as there, so their phone comes in with
    one tap."""
    when = dates.parse_meeting(day, clock, required=True)
    if stage_moment not in STAGE_MOMENTS:
        raise RoomError("Kies of dit gesprek aan het begin, in het midden of aan het eind van de stage is.", 400)
    now = utcnow()
    for _attempt in range(10):
        room = Room(code=codes.new_code(), created_at=now, expires_at=now + series.retention(),
                    series_id=previous.series_id if previous else series.new_series().id,
                    previous_room_id=previous.id if previous else None, status=RoomStatus.PLANNED,
                    admission=Admission.LOCKED, planned_for=when, stage_moment=stage_moment,
                    phase=get_content().phases[0].id, activity="")
        links = {}
        for invitee in invitees:
            before = next((p for p in previous.active_participants if p.role == invitee.role), None) \
                if previous else None
            participant = Participant(name=invitee.name or LABELS[invitee.role], role=invitee.role,
                                      token=secrets.token_urlsafe(32), email=invitee.email,
                                      arrived_at=now if invitee.role == planner_role else None,
                                      previous_participant_id=before.id if before else None)
            links[invitee.role] = _new_link(participant)
            room.participants.append(participant)
        db.session.add(room)
        try:
            db.session.flush()
        except IntegrityError:  # a code collision: astronomically rare, but never a 500
            db.session.rollback()
            continue
        series.replan(room.series_id)
        bump_series([room.series_id], besides=[room.id])  # a next conversation shows in the series' others
        accounts.remember_members(room)  # the addresses given find this series in Mijn gesprekken
        for participant in room.participants:
            if participant.email:
                outbox.enqueue(recipient=participant.email, room_id=room.id, participant_id=participant.id,
                               **compose_invitation(room, participant, links[participant.role]))
        db.session.commit()
        return room, next(p for p in room.participants if p.role == planner_role)
    raise RoomError("Er ging iets mis bij het plannen. Probeer het nog eens.", 503)


def newest_in_series(series_id: int) -> Room | None:
    return db.session.scalar(select(Room).where(Room.series_id == series_id).order_by(Room.id.desc()).limit(1))


def form_for_next(previous: Room) -> dict:
    """The planning form for a series' next conversation: the same people, one moment further in the stage."""
    form = {f"name-{p.role}": p.name for p in previous.active_participants if p.arrived_at}
    return {**form, "moment": following_moment(previous.stage_moment)}


def reschedule(room: Room, actor: Participant, day: str | None, clock: str | None) -> None:
    when = dates.parse_meeting(day, clock, required=True)
    with change(room, actor, "plan_meeting"):
        room.planned_for = when
        series.replan(room.series_id)
        room.activity = f"{actor.name} zette het gesprek op {dates.dutch_moment(when)}."


def start(room: Room, actor: Participant) -> None:
    """One tap at the table: the conversation starts for everyone, at its first step."""
    with change(room, actor, "start_meeting"):
        room.status = RoomStatus.OPEN
        room.phase, room.phase_started_at = get_content().phases[0].id, utcnow()
        room.activity = f"{actor.name} startte het gesprek."


def _link_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_link(participant: Participant) -> str:
    secret = secrets.token_urlsafe(24)
    participant.link_hash = _link_hash(secret)
    return secret


def renew_link(room: Room, actor: Participant, participant_id: int) -> tuple[Participant, str]:
    """A new personal link for someone, or for oneself (another device); their old link stops working (their
    phones stay in)."""
    target = next((p for p in room.active_participants if p.id == participant_id), None)
    if target is None:
        raise RoomError("Deze deelnemer zit niet (meer) in het gesprek.", 404)
    if actor.id != target.id and not may_share_link(actor.role, target.role):
        raise Forbidden("Alleen de stagedocent kan een link voor de stagedocent maken." if may(actor.role, "share_link")
                        else PERMISSIONS["share_link"].refusal)
    with change(room, actor, None):
        require_status(room.status, "share_link")
        secret = _new_link(target)
    return target, secret


def place_for_link(room: Room, secret: str) -> Participant | None:
    """The place a personal link is for, while it is in this room and nobody took it out."""
    found = db.session.scalar(select(Participant).where(Participant.link_hash == _link_hash(secret)))
    if found is None or found.room_id != room.id or found.removed_at is not None:
        return None
    return found


def arrive(room: Room, participant: Participant, name: str | None) -> None:
    """Someone opened their link and said who they are: their place is theirs, with the name they gave."""
    name = clean_name(name)
    with change(room, None, None):
        first_time = participant.arrived_at is None
        participant.name = name
        participant.arrived_at = participant.arrived_at or utcnow()
        if first_time:
            room.activity = f"{name} opende de uitnodiging."


def awaited(room: Room) -> list[Participant]:
    """Places whose person has not opened their link yet."""
    return [p for p in room.active_participants if p.arrived_at is None]

