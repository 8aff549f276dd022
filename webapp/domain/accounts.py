"""Mijn gesprekken, without passwords: who may see which series, and one-time sign-in links by mail.

Nobody has an account. When a seat of the stage (student, stagedocent or praktijkopleider) proves an address its
own (`prove_address`: the Akkoord given from the seat, the planner's own address, or the address whose mailed link
was taken up), the series keeps a member: role, first name and a keyed hash of the address (`email_key`), never the
address itself. An address someone typed for another person proves nothing until that person takes up the link; a
membership ends with its seat (`end_membership`). Asking for a sign-in link with an address that hashes to a
member's key queues a mail with a one-time link to that address (only the link's hash is kept); the link works once
and for SIGN_IN_MINUTES. Signed in, a browser sees the series of that key, for SIGNED_IN_HOURS at most. Members go
with their series (ON DELETE CASCADE), so a key is kept exactly as long as the conversations it finds.

The praktijkopleider is a member too: a workplace may guide several students, and sees their stages. Only the
student and the stagedocent plan a stage's next conversation (PLANNERS).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import selectinload

from webapp.clock import utcnow
from webapp.domain import outbox
from webapp.domain.roles import LABELS, PLANNERS, PRAKTIJKOPLEIDER, STAGEDOCENT, STUDENT
from webapp.extensions import db
from webapp.models import OutboxMessage, Participant, Record, Review, Room, Series, SeriesMember, SignIn
from webapp.models.room import RoomStatus

OVERVIEW_ROLES = (STUDENT, STAGEDOCENT, PRAKTIJKOPLEIDER)  # who sees a series in Mijn gesprekken
SIGNED_IN_HOURS = 12  # a sign-in lasts a working day, also on a shared device that nobody logs out of
SIGN_IN_SUBJECT = "Je link voor Mijn gesprekken"
# The key of the address hashes: derived from SECRET_KEY (as realtime/sync.py derives its digest key), with
# its own label so no other use of the secret ever yields the same key.
_KEY_LABEL = b"stagegesprek/series-member-email\x00"

STATUS_LABELS = {RoomStatus.PLANNED: "gepland", RoomStatus.OPEN: "bezig", RoomStatus.CLOSING: "bezig",
                 RoomStatus.CLOSED: "afgerond"}


# --- Members -------------------------------------------------------------------------------------------------

def email_key(address: str) -> str:
    """HMAC-SHA256 of the normalised address (NFKC, no spaces around it, lower case), keyed with a key derived
    from SECRET_KEY. The same address typed as Marieke@School.nl or marieke@school.nl gives the same key; the
    key cannot be turned back into the address without the secret. A new SECRET_KEY makes every key unknown."""
    secret = current_app.secret_key
    secret = secret if isinstance(secret, bytes) else str(secret).encode("utf-8")
    key = hashlib.sha256(_KEY_LABEL + secret).digest()
    normalised = unicodedata.normalize("NFKC", address).strip().lower()
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def prove_address(series_id: int, seat: Participant, address: str | None) -> None:
    """This seat proved `address` its own: given with its Akkoord, typed by the planner for their own place, or
    the address its mailed link went to. The seat keeps the key (so the stage's next conversation invites this
    place at that address only), and a student or stagedocent becomes a member of the series (Mijn gesprekken).
    Someone let in beyond the three (`extra`) was in this conversation only: no membership. In the caller's
    transaction; the same key for the same role again only renews the name."""
    if not address or seat.extra:
        return
    seat.email_key = email_key(address)
    _remember_member(series_id, seat)


def _remember_member(series_id: int, seat: Participant) -> None:
    if seat.role not in OVERVIEW_ROLES or seat.email_key is None:
        return
    member = db.session.scalar(select(SeriesMember).where(
        SeriesMember.series_id == series_id, SeriesMember.role == seat.role, SeriesMember.email_key == seat.email_key))
    if member is None:
        db.session.add(SeriesMember(series_id=series_id, role=seat.role, name=seat.name, email_key=seat.email_key))
    else:
        member.name = seat.name


def end_membership(series_id: int, seat: Participant) -> None:
    """The seat ended: its person was taken out, or someone else took up a link for their place. What the seat's
    address gave goes with it: the series in Mijn gesprekken (in the caller's transaction)."""
    if seat.email_key is not None:
        db.session.execute(delete(SeriesMember).where(
            SeriesMember.series_id == series_id, SeriesMember.role == seat.role,
            SeriesMember.email_key == seat.email_key))
    seat.email_key = None


# --- Signing in ----------------------------------------------------------------------------------------------

def sign_in_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["SIGN_IN_MINUTES"])


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _has_series(key: str) -> bool:
    """Whether this key belongs to a student or stagedocent of a series that still has a conversation."""
    live = select(Room.id).where(Room.series_id == SeriesMember.series_id, Room.expires_at > utcnow()).exists()
    return db.session.scalar(select(SeriesMember.id).where(
        SeriesMember.email_key == key, SeriesMember.role.in_(OVERVIEW_ROLES), live).limit(1)) is not None


def request_sign_in(address: str, compose: Callable[[str, list[str]], dict]) -> bool:
    """Someone asks for a sign-in link with this (checked) address. Only when it belongs to a member, a link
    is made and its mail queued, in one transaction; `compose(token, students)` gives the mail's parts, which
    name the students whose stages it opens (the view passes it in). The caller answers the same either way;
    the result is for tests and logs, never for the page."""
    forget_old()
    key = email_key(address)
    if not _has_series(key):
        db.session.commit()
        return False
    token = secrets.token_urlsafe(32)
    db.session.add(SignIn(token_hash=_token_hash(token), email_key=key, created_at=utcnow()))
    outbox.enqueue(kind=outbox.SIGN_IN, recipient=address, **compose(token, _students_of(key)))
    db.session.commit()
    return True


def _students_of(key: str) -> list[str]:
    """The first names of the students in this key's series (as members of them), for the sign-in mail: the
    mailbox's owner sees whose stages the link opens."""
    theirs = select(SeriesMember.series_id).where(SeriesMember.email_key == key,
                                                  SeriesMember.role.in_(OVERVIEW_ROLES))
    return sorted(set(db.session.scalars(select(SeriesMember.name).where(
        SeriesMember.series_id.in_(theirs), SeriesMember.role == STUDENT))))


def sign_in_state(token: str) -> str:
    """What a sign-in link is now, without using it: "ok", "used", "expired" or "unknown"."""
    found = db.session.scalar(select(SignIn).where(SignIn.token_hash == _token_hash(token)))
    if found is None:
        return "unknown"
    if found.used_at is not None:
        return "used"
    if found.created_at <= utcnow() - sign_in_lifetime():
        return "expired"
    return "ok"


def use_sign_in(token: str) -> tuple[str, str] | None:
    """Use a sign-in link, once, while it is fresh: the sign-in it starts (the link's hash, which the browser's
    session keeps: unlike a row id it is never given out again, also not by SQLite) and the key it signs in as;
    otherwise None. One conditional UPDATE decides, so two taps at the same moment sign in once."""
    now = utcnow()
    found = db.session.execute(
        update(SignIn)
        .where(SignIn.token_hash == _token_hash(token), SignIn.used_at.is_(None),
               SignIn.created_at > now - sign_in_lifetime())
        .values(used_at=now).returning(SignIn.token_hash, SignIn.email_key)
        .execution_options(synchronize_session=False)).one_or_none()
    db.session.commit()
    return (found.token_hash, found.email_key) if found else None


def signed_in_key(sign_in: str) -> str | None:
    """The key a sign-in (the row of the link that was used) is for, while it lasts: SIGNED_IN_HOURS from its
    use, until Uitloggen deletes it. Kept on the server, so a copy of the cookie ends with it."""
    return db.session.scalar(select(SignIn.email_key).where(
        SignIn.token_hash == sign_in, SignIn.used_at > utcnow() - timedelta(hours=SIGNED_IN_HOURS)))


def sign_out(sign_in: str) -> None:
    """Uitloggen: the sign-in ends for every copy of the cookie."""
    db.session.execute(delete(SignIn).where(SignIn.token_hash == sign_in))
    db.session.commit()


def forget_old(now: datetime | None = None) -> None:
    """Links and sign-ins past their time are of no use: their rows go (an unused link after SIGN_IN_MINUTES, a
    used one when its sign-in ends), and so does a sign-in mail that could not be sent in that time (its address
    with it). Runs with the housekeeping and whenever someone asks for a link; the caller commits."""
    now = now or utcnow()
    cutoff = now - sign_in_lifetime()
    db.session.execute(delete(SignIn).where(or_(
        and_(SignIn.used_at.is_(None), SignIn.created_at <= cutoff),
        SignIn.used_at <= now - timedelta(hours=SIGNED_IN_HOURS))))
    db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.kind == outbox.SIGN_IN, OutboxMessage.sent_at.is_(None), OutboxMessage.created_at <= cutoff,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)))


def role_in_series(key: str, series_id: int) -> str | None:
    """The role (student or stagedocent) this signed-in key has in the series, or None: who may plan in it."""
    return db.session.scalar(select(SeriesMember.role).where(
        SeriesMember.email_key == key, SeriesMember.series_id == series_id,
        SeriesMember.role.in_(PLANNERS)).order_by(SeriesMember.role.desc()).limit(1))


def is_member(key: str, series_id: int) -> bool:
    """Whether this signed-in key sees the series in Mijn gesprekken (in any role)."""
    return db.session.scalar(select(SeriesMember.id).where(
        SeriesMember.email_key == key, SeriesMember.series_id == series_id,
        SeriesMember.role.in_(OVERVIEW_ROLES)).limit(1)) is not None


# --- The overview --------------------------------------------------------------------------------------------

# What a stage needs now, in the words of the overview (and its filter "alleen wat nu moet").
PLAN_NEXT = "plan het volgende gesprek"
NOT_SENT = "verslag nog niet verstuurd"
NEXT_WEEK = "volgende week"
SOON = timedelta(days=7)


@dataclass(frozen=True)
class SeriesRoom:
    """A room of a stage as Mijn gesprekken lists it: when it took place (or will) and how far it is."""

    room: Room
    when: datetime  # the day it took place, or is planned for (Room.held_at)
    status: str  # gepland, bezig, afgerond


@dataclass(frozen=True)
class SeriesOverview:
    """One stage as Mijn gesprekken shows it: a row of the overview, and the stage's own page."""

    series_id: int
    my_roles: tuple[str, ...]
    student: str | None
    praktijkopleider: str | None
    workplace: str | None  # where the stage is, as the planner said
    rooms: list[SeriesRoom]  # in the order they took place (or will)
    agreements: list[dict]  # the afspraken of the newest sent verslag: what, who, when
    agreements_date: str | None  # that verslag's date (ISO)
    open_agreements: int  # of those, the ones the next conversation did not mark gedaan or niet gelukt
    last: SeriesRoom | None  # the newest one that took place
    next_date: datetime | None  # the next conversation, from today on
    next_date_timed: bool  # whether its time is known
    upcoming: Room | None  # the stage's next conversation, planned and not begun (planning.upcoming_in_series)
    needs: tuple[str, ...]  # what needs doing now: PLAN_NEXT, NOT_SENT, NEXT_WEEK


def _in_order(rooms) -> list[SeriesRoom]:
    """These rooms of one series as the overview lists them, in the order of their dates."""
    listed = (SeriesRoom(room, room.held_at, STATUS_LABELS.get(room.status, "bezig")) for room in rooms)
    return sorted(listed, key=lambda c: (c.when, c.room.id))


def rooms_of_series(series_id: int) -> list[SeriesRoom]:
    """The series' rooms that can still be opened, in the order of their dates."""
    rooms = db.session.scalars(select(Room).where(Room.series_id == series_id, Room.expires_at > utcnow())
                               .order_by(Room.id)).all()
    return _in_order(rooms)


def records_of(rooms: list[Room]) -> dict[int, Record]:
    """The sent verslag per room id."""
    ids = [room.id for room in rooms]
    return {record.room_id: record for record in db.session.scalars(select(Record).where(Record.room_id.in_(ids)))}


def review_outcomes(rooms: list[Room]) -> dict[int, list[str]]:
    """Per room: the outcomes (gedaan, loopt, niet-gelukt) its afspraken got in the review of the conversation
    after it, when that review exists."""
    follow_ups = {room.id: room.previous_room_id for room in rooms if room.previous_room_id}
    outcomes: dict[int, list[str]] = {}
    # Asked also when there is no follow-up yet: the overview costs the same statements for every stage.
    for review in db.session.scalars(select(Review).where(Review.room_id.in_(follow_ups), Review.kind == "afspraak")
                                     .order_by(Review.position)):
        outcomes.setdefault(follow_ups[review.room_id], []).append(review.outcome)
    return outcomes


def still_open(total: int, outcomes: list[str]) -> tuple[int, int, int]:
    """Of `total` afspraken, how many were done, are still open and did not work out, by the review after them:
    the overview and the timeline count alike."""
    kept = min(outcomes.count("gedaan"), total)
    missed = min(outcomes.count("niet-gelukt"), total - kept)
    return kept, total - kept - missed, missed


def _name_for(role: str, listed: list[SeriesRoom], members: list[SeriesMember]) -> str | None:
    """The name this role has in the newest conversation where that person said who they are, or where the
    planner gave their name (a place nobody named yet is called by its role)."""
    for listed_room in reversed(listed):
        person = next((p for p in listed_room.room.active_participants
                       if p.role == role and (p.arrived_at or p.name != LABELS[role])), None)
        if person is not None:
            return person.name
    return next((m.name for m in members if m.role == role), None)


def _next_date(listed: list[SeriesRoom], now: datetime) -> tuple[datetime | None, bool]:
    """The first date from today on: a planned conversation, or the next one planned while closing; and whether
    its time is known."""
    dates = [(c.room.planned_for, True) for c in listed if c.status == "gepland" and c.room.planned_for]
    for c in listed:
        if c.room.next_meeting_date:
            clock = time.fromisoformat(c.room.next_meeting_time) if c.room.next_meeting_time else time(0, 0)
            dates.append((datetime.combine(c.room.next_meeting_date, clock), bool(c.room.next_meeting_time)))
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return min(((day, timed) for day, timed in dates if day >= today), default=(None, False))


def _needs(listed: list[SeriesRoom], next_date: datetime | None, upcoming: Room | None,
           today: datetime) -> tuple[str, ...]:
    needs = []
    if any(c.status == "bezig" and c.when < today for c in listed):  # held on an earlier day, not sent
        needs.append(NOT_SENT)
    if next_date is not None and next_date < today + SOON:
        needs.append(NEXT_WEEK)
    newest = listed[-1].room if listed else None
    if upcoming is None and next_date is None and newest is not None and newest.status == RoomStatus.CLOSED \
            and newest.stage_moment != "eind":
        needs.append(PLAN_NEXT)
    return tuple(needs)


def overview(key: str, series_id: int | None = None) -> list[SeriesOverview]:
    """Every series where this key is a member and a conversation is left (or only `series_id`), for its owner
    only (the view asks for the signed-in key). A fixed number of statements, however many stages: the members,
    the series, the rooms with their people, the verslagen and the reviews, each read once for all
    stages."""
    mine = select(SeriesMember).where(SeriesMember.email_key == key, SeriesMember.role.in_(OVERVIEW_ROLES))
    if series_id is not None:
        mine = mine.where(SeriesMember.series_id == series_id)
    members = db.session.scalars(mine).all()
    series_ids = {m.series_id for m in members}
    if not series_ids:
        return []
    now = utcnow()
    everyone = db.session.scalars(select(SeriesMember).where(SeriesMember.series_id.in_(series_ids))).all()
    workplaces = dict(db.session.execute(select(Series.id, Series.workplace).where(Series.id.in_(series_ids))).all())
    rooms = db.session.scalars(select(Room).where(Room.series_id.in_(series_ids), Room.expires_at > now)
                               .options(selectinload(Room.participants))).all()
    records, outcomes = records_of(rooms), review_outcomes(rooms)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    result = []
    for sid in series_ids:
        listed = _in_order(room for room in rooms if room.series_id == sid)
        if not listed:
            continue
        newest = next((c.room for c in reversed(listed) if c.room.id in records), None)
        data = records[newest.id].data if newest else None
        agreements = data["agreements"] if data else []
        next_date, next_date_timed = _next_date(listed, now)
        upcoming = next((c.room for c in reversed(listed) if c.status == "gepland"), None)
        result.append(SeriesOverview(
            series_id=sid,
            my_roles=tuple(sorted({m.role for m in members if m.series_id == sid})),
            student=_name_for(STUDENT, listed, [m for m in everyone if m.series_id == sid]),
            praktijkopleider=_name_for(PRAKTIJKOPLEIDER, listed, [m for m in everyone if m.series_id == sid]),
            workplace=workplaces.get(sid),
            rooms=listed,
            agreements=agreements,
            agreements_date=data["date"] if data else None,
            open_agreements=still_open(len(agreements), outcomes.get(newest.id, []) if newest else [])[1],
            last=next((c for c in reversed(listed) if c.status != "gepland"), None),
            next_date=next_date,
            next_date_timed=next_date_timed,
            upcoming=upcoming,
            needs=_needs(listed, next_date, upcoming, today),
        ))
    return sorted(result, key=lambda s: ((s.student or "").lower(), s.series_id))
