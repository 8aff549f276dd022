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

from webapp.clock import utcnow
from webapp.domain import accounts, codes, dates, invitations, series
from webapp.domain.addresses import clean_email
from webapp.domain.content import STAGE_MOMENTS, get_content
from webapp.domain.refusals import Forbidden, RoomError
from webapp.domain.roles import LABELS, PERMISSIONS, PLANNERS, ROLES, STAGEDOCENT, may, may_share_link, require_status
from webapp.domain.rooms import bump_series, change, clean_name, following_moment
from webapp.extensions import db
from webapp.models import Participant, Room
from webapp.models.room import Admission, LinkSource, RoomStatus

MOMENT_WORDS = {"start": "aan het begin", "midden": "in het midden", "eind": "aan het eind"}


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
         previous: Room | None = None, planner_key: str | None = None,
         workplace: str | None = None) -> tuple[Room, Participant]:
    """A planned conversation with a place per role. Everyone with an address gets their own link by mail,
    queued in the same transaction within the budgets of `invitations.queue` (`invitations.not_mailed` says whose
    was not); `compose_invitation(room, participant, link secret)` gives the mail's
    parts (the view passes it in: rendering is not the domain's job). `workplace`, as typed: where the stage is,
    for the whole series (what the planner leaves empty is not said).

    With `previous` (the newest conversation of a series), it is that series' next conversation: it looks
    back on the previous one, and each place is the same person's as there, so their phone comes in with
    one tap. The planner is then a signed-in member of the series: `planner_role` is their role in it and
    `planner_key` the key they signed in with, never what a form says."""
    when = dates.parse_meeting(day, clock, required=True)
    upcoming = upcoming_in_series(previous.series_id) if previous else None
    if upcoming is not None:  # a stage has one next conversation: Mijn gesprekken opens it instead
        raise RoomError(f"Het volgende gesprek is al gepland, op {dates.dutch_moment(upcoming.planned_for)}. "
                        "Open het in Mijn gesprekken.", 409)
    if stage_moment not in STAGE_MOMENTS:
        raise RoomError("Kies of dit gesprek aan het begin, in het midden of aan het eind van de stage is.", 400)
    workplace = series.clean_workplace(workplace)
    now = utcnow()
    for _attempt in range(10):
        room = _planned_room(codes.new_code(), previous.series_id if previous else series.new_series().id, previous,
                             when, stage_moment, now + series.retention(), now)
        links = {}
        for invitee in invitees:
            before = next((p for p in people_before(previous) if p.role == invitee.role), None) if previous else None
            mine = invitee.role == planner_role
            participant = Participant(name=invitee.name or LABELS[invitee.role], role=invitee.role,
                                      token=secrets.token_urlsafe(32),
                                      email=invitee.email if mine else _invited_at(invitee, before, planner_role),
                                      arrived_at=now if mine else None,
                                      previous_participant_id=before.id if before else None,
                                      email_key=before.email_key if before else None)
            source = LinkSource.SELF if mine else LinkSource.MAIL if participant.email else LinkSource.OTHER
            links[invitee.role] = _new_link(participant, source)
            room.participants.append(participant)
        db.session.add(room)
        try:
            db.session.flush()
        except IntegrityError:  # a code collision: astronomically rare, but never a 500
            db.session.rollback()
            continue
        series.set_workplace(room.series_id, workplace)  # before the invitations: their subject names it
        series.replan(room.series_id)
        bump_series([room.series_id], besides=[room.id])  # a next conversation shows in the series' others
        planner = next(p for p in room.participants if p.role == planner_role)
        if planner.email or planner_key is None:
            accounts.prove_address(room.series_id, planner, planner.email)  # their own: Mijn gesprekken finds it
        else:
            planner.email_key = planner_key  # signed in with it: its membership ends with this seat too
        for participant in room.participants:
            if participant.email:
                invitations.queue(room, participant, compose_invitation(room, participant, links[participant.role]))
        db.session.commit()
        return room, planner
    raise RoomError("Er ging iets mis bij het plannen. Probeer het nog eens.", 503)


def _invited_at(invitee: Invitee, before: Participant | None, planner_role: str) -> str | None:
    """Where someone else's link may be mailed. A new place: the address the planner typed. A place that was
    someone's in the conversation before is theirs: only at the address that person used in this stage (the
    key their seat kept), unless the stagedocent plans, who may invite anyone to any place (may_share_link).
    Otherwise a student could type her own address for the stagedocent's place and take it."""
    if invitee.email is None or before is None or planner_role == STAGEDOCENT:
        return invitee.email
    if before.email_key == accounts.email_key(invitee.email):
        return invitee.email
    raise RoomError(f"Dit is niet het adres dat {before.name} in deze stage gebruikt. Laat het leeg: "
                    f"{before.name} komt met één tik binnen vanuit het vorige gesprek, of de stagedocent maakt een "
                    "nieuwe link.", 400)


def plan_follow_up(room: Room, when, compose_invitation: Callable[[Room, Participant, str], dict]) -> Room:
    """The stage's next conversation, on the date set while closing (`when`): made when the verslag is sent, in
    the caller's transaction (closing.finalize). As `plan` with `previous`: a place for each of the three of
    this conversation (not one let in beyond them), the same person, one moment further in the stage, and waiting
    for them: their phone comes in with one tap from this room ("Naar het vervolggesprek"). Whoever gave an
    address with their Akkoord gets their own link at that address, within the budgets of `invitations.queue`;
    the address is not kept in the new place (only the mail queue has it, until it is sent)."""
    now = utcnow()
    follow_up = _planned_room(_free_code(), room.series_id, room, when, following_moment(room.stage_moment),
                              room.expires_at, now)
    links = {}
    for before in people_before(room):
        place = Participant(name=before.name, role=before.role, token=secrets.token_urlsafe(32), email=before.email,
                            arrived_at=None, previous_participant_id=before.id, email_key=before.email_key)
        if place.email:
            links[place.role] = _new_link(place, LinkSource.MAIL)
        follow_up.participants.append(place)
    db.session.add(follow_up)
    db.session.flush()
    series.replan(room.series_id)  # kept at least as long as its date asks
    bump_series([room.series_id], besides=[room.id, follow_up.id])  # the series' others show it
    for place in follow_up.participants:
        if place.email:
            invitations.queue(follow_up, place, compose_invitation(follow_up, place, links[place.role]))
        place.email = None  # as the verslag's: from here on only the mail queue has it
    return follow_up


def _planned_room(code: str, series_id: int, previous: Room | None, when, stage_moment: str, expires_at,
                  now) -> Room:
    """A conversation planned ahead, for `plan` and `plan_follow_up` alike: locked from the start (each place has
    its own link), at its first step, not begun."""
    return Room(code=code, created_at=now, expires_at=expires_at, series_id=series_id,
                previous_room_id=previous.id if previous else None, status=RoomStatus.PLANNED,
                admission=Admission.LOCKED, planned_for=when, stage_moment=stage_moment,
                phase=get_content().phases[0].id, activity="")


def _free_code() -> str:
    """A code no conversation has (inside a larger transaction, where a collision may not roll back the rest)."""
    while True:
        code = codes.new_code()
        if db.session.scalar(select(Room.id).where(Room.code == code)) is None:
            return code


def upcoming_in_series(series_id: int) -> Room | None:
    """The stage's next conversation, when one is planned and not yet begun: there is at most one, and every way
    to the next conversation leads to it (the one tap from the verslag, Mijn gesprekken, planning)."""
    return db.session.scalar(select(Room).where(Room.series_id == series_id, Room.status == RoomStatus.PLANNED,
                                                Room.expires_at > utcnow()).order_by(Room.id.desc()).limit(1))


def set_moment(room: Room, actor: Participant, moment: str | None) -> None:
    """The stagedocent says where in the stage this conversation is (begin, midden, eind): it moves on by itself
    once per conversation, and this corrects it. The draw prefers the cards of that moment."""
    if moment not in STAGE_MOMENTS:
        raise RoomError("Kies begin, midden of eind van de stage.", 400)
    with change(room, actor, "set_moment"):
        room.stage_moment = moment
        room.activity = f"{actor.name} zette dit gesprek {MOMENT_WORDS[moment]} van de stage."


def newest_in_series(series_id: int) -> Room | None:
    return db.session.scalar(select(Room).where(Room.series_id == series_id).order_by(Room.id.desc()).limit(1))


def people_before(previous: Room) -> list[Participant]:
    """The three of the conversation before, as the next one has a place for each (not one let in beyond them)."""
    return [p for p in previous.active_participants if not p.extra]


def form_for_next(previous: Room, planner_role: str, own_address: str | None) -> dict:
    """The planning form for a series' next conversation, filled in with what is known: the same people (by the
    name they gave, or the planner gave them), the planner's own address (`own_address`: the one they signed in
    with), where the stage is, one moment further in the stage, and the date agreed while closing the one
    before, when it is still to come. Nobody else's address: the series keeps only keys of those."""
    form = {f"name-{p.role}": p.name for p in people_before(previous) if p.arrived_at or p.name != LABELS[p.role]}
    if own_address:
        form[f"email-{planner_role}"] = own_address
    if previous.next_meeting_date and previous.next_meeting_date >= utcnow().date():
        form.update(date=previous.next_meeting_date.isoformat(), time=previous.next_meeting_time or "")
    return {**form, "role": planner_role, "workplace": series.workplace_of(previous.series_id) or "",
            "moment": following_moment(previous.stage_moment)}


@dataclass(frozen=True)
class Other:
    """How one of the others comes into the next conversation when the planner types no address for them."""

    name: str
    in_mine: bool  # their address is known by its key: Mijn gesprekken opens their place for them
    may_mail: bool  # the planner may type an address to mail them a link (`_invited_at`)


def others_before(previous: Room, planner_role: str) -> dict[str, Other]:
    """Per role, the others of the conversation before, for the planning form to say how each comes in."""
    return {p.role: Other(p.name, p.email_key is not None, planner_role == STAGEDOCENT or p.email_key is not None)
            for p in people_before(previous) if p.role != planner_role}


def reschedule(room: Room, actor: Participant, day: str | None, clock: str | None) -> None:
    when = dates.parse_meeting(day, clock, required=True)
    with change(room, actor, "plan_meeting"):
        room.planned_for = when
        series.replan(room.series_id)
        _tell_the_one_before(room)
        room.activity = f"{actor.name} zette het gesprek op {dates.dutch_moment(when)}."


def start(room: Room, actor: Participant) -> None:
    """One tap at the table: the conversation starts for everyone, at its first step."""
    with change(room, actor, "start_meeting"):
        room.status = RoomStatus.OPEN
        room.started_at = utcnow()  # the day it took place, whatever day was planned
        room.phase, room.phase_started_at = get_content().phases[0].id, room.started_at
        _tell_the_one_before(room)
        room.activity = f"{actor.name} startte het gesprek."


def _tell_the_one_before(room: Room) -> None:
    """The conversation before names this one's date, and whether it began (regions/verslag.html): its screens
    follow a new date or the start (in the caller's change)."""
    if room.previous_room_id is not None:
        bump_series([room.series_id], besides=[room.id])


def _link_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_link(participant: Participant, source: LinkSource) -> str:
    secret = secrets.token_urlsafe(24)
    participant.link_hash, participant.link_source = _link_hash(secret), source
    return secret


def renew_link(room: Room, actor: Participant, participant_id: int) -> tuple[Participant, str]:
    """A new personal link for someone's place, or for one's own (another device); the old link stops working.
    Whoever takes the new one up has the place from then on (`arrive`)."""
    target = next((p for p in room.active_participants if p.id == participant_id), None)
    if target is None:
        raise RoomError("Deze deelnemer zit niet (meer) in het gesprek.", 404)
    if actor.id != target.id and not may_share_link(actor.role, target, actor.extra):
        raise Forbidden(f"Alleen {target.name} zelf of de stagedocent kan een nieuwe link voor {target.name} maken."
                        if may(actor.role, "share_link") else PERMISSIONS["share_link"].refusal)
    with change(room, actor, None):
        require_status(room.status, "share_link")
        secret = _new_link(target, LinkSource.SELF if actor.id == target.id else LinkSource.OTHER)
    return target, secret


def place_for_link(room: Room, secret: str) -> Participant | None:
    """The place a personal link is for, while it is in this room and nobody took it out."""
    found = db.session.scalar(select(Participant).where(Participant.link_hash == _link_hash(secret)))
    if found is None or found.room_id != room.id or found.removed_at is not None:
        return None
    return found


def arrive(room: Room, place: Participant, name: str | None) -> list[str]:
    """Someone took up the link of a place and said who they are: this browser is the place's one person from now
    on. The place gets a new token, so every browser bound to it before is out; their connections are returned,
    to be closed and told. A link someone else made hands the place over: what the one before gave (their
    address, their Akkoord, their membership of the stage) stays theirs and is gone from the place. A mailed
    link proves the address it went to, as an Akkoord would; taken up again in another browser (a forwarded
    mail), it keeps that proof but not what the one before gave since."""
    name = clean_name(name)
    with change(room, None, None):
        first_time = place.arrived_at is None
        sids = [c.sid for c in place.connections]
        place.connections.clear()
        if place.link_source == LinkSource.OTHER:
            accounts.end_membership(room.series_id, place)
        if place.link_source == LinkSource.OTHER or (place.link_source == LinkSource.MAIL and not first_time):
            place.email, place.remark, place.agreed_at, place.agreed_to = None, "", None, None
        elif place.link_source == LinkSource.MAIL:
            accounts.prove_address(room.series_id, place, place.email)
        place.token, place.name = secrets.token_urlsafe(32), name
        place.arrived_at = place.arrived_at or utcnow()
        room.activity = f"{name} opende de uitnodiging." if first_time else f"{name} doet mee op een ander apparaat."
    return sids


def awaited(room: Room) -> list[Participant]:
    """Places whose person has not opened their link yet."""
    return [p for p in room.active_participants if p.arrived_at is None]

