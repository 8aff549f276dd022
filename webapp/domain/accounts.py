"""Mijn gesprekken, without passwords: who may see which series, and one-time sign-in links by mail.

Nobody has an account. When a student's or a stagedocent's address becomes known in a series (their Akkoord
with an address, or the address the planner gave), the series keeps a member: role, first name and a keyed
hash of the address (`email_key`), never the address itself. Asking for a sign-in link with an address that
hashes to a member's key queues a mail with a one-time link to that address (only the link's hash is kept);
the link works once and for SIGN_IN_MINUTES. Signed in, a browser sees the series of that key, for
SIGNED_IN_HOURS at most. Members go with their series (ON DELETE CASCADE), so a key is kept exactly as long
as the conversations it finds.

The praktijkopleider gets no member: the overview is for the student and the stagedocent, so their address
is not needed for it and is not kept.
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
from sqlalchemy import delete, or_, select, update

from webapp.domain import outbox
from webapp.domain.roles import LABELS, PRAKTIJKOPLEIDER, STAGEDOCENT, STUDENT
from webapp.extensions import db
from webapp.models import OutboxMessage, Record, Review, Room, SeriesMember, SignIn
from webapp.models.room import RoomStatus, utcnow

OVERVIEW_ROLES = (STUDENT, STAGEDOCENT)  # who sees a series in Mijn gesprekken
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


def remember_member(series_id: int, role: str, name: str, address: str | None) -> None:
    """This person's address is known in this series: keep its key, role and first name (a student or a
    stagedocent only). In the caller's transaction; the same key for the same role again only renews the name."""
    if role not in OVERVIEW_ROLES or not address:
        return
    key = email_key(address)
    member = db.session.scalar(select(SeriesMember).where(
        SeriesMember.series_id == series_id, SeriesMember.role == role, SeriesMember.email_key == key))
    if member is None:
        db.session.add(SeriesMember(series_id=series_id, role=role, name=name, email_key=key))
    else:
        member.name = name


def remember_members(room: Room) -> None:
    """Every address the room's places have (a conversation planned with addresses)."""
    for participant in room.participants:
        remember_member(room.series_id, participant.role, participant.name, participant.email)


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


def request_sign_in(address: str, compose: Callable[[str], dict]) -> bool:
    """Someone asks for a sign-in link with this (checked) address. Only when it belongs to a member, a link
    is made and its mail queued, in one transaction; `compose(token)` gives the mail's parts (the view passes
    it in). The caller answers the same either way; the result is for tests and logs, never for the page."""
    forget_old()
    key = email_key(address)
    if not _has_series(key):
        db.session.commit()
        return False
    token = secrets.token_urlsafe(32)
    db.session.add(SignIn(token_hash=_token_hash(token), email_key=key, created_at=utcnow()))
    outbox.enqueue(recipient=address, **compose(token))
    db.session.commit()
    return True


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


def use_sign_in(token: str) -> str | None:
    """Use a sign-in link: the key it was made for, once, while it is fresh; otherwise None. One conditional
    UPDATE decides, so two taps at the same moment sign in once."""
    now = utcnow()
    key = db.session.execute(
        update(SignIn)
        .where(SignIn.token_hash == _token_hash(token), SignIn.used_at.is_(None),
               SignIn.created_at > now - sign_in_lifetime())
        .values(used_at=now).returning(SignIn.email_key)
        .execution_options(synchronize_session=False)).scalar_one_or_none()
    db.session.commit()
    return key


def forget_old(now: datetime | None = None) -> None:
    """Links past their time are of no use: their rows go, and so does a sign-in mail that could not be sent
    in that time (its address with it). Runs whenever someone asks for a link; the caller commits."""
    now = now or utcnow()
    cutoff = now - sign_in_lifetime()
    db.session.execute(delete(SignIn).where(SignIn.created_at <= cutoff))
    db.session.execute(delete(OutboxMessage).where(
        OutboxMessage.room_id.is_(None), OutboxMessage.sent_at.is_(None), OutboxMessage.subject == SIGN_IN_SUBJECT,
        OutboxMessage.created_at <= cutoff,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)))


def role_in_series(key: str, series_id: int) -> str | None:
    """The role (student or stagedocent) this signed-in key has in the series, or None: who may plan in it."""
    return db.session.scalar(select(SeriesMember.role).where(
        SeriesMember.email_key == key, SeriesMember.series_id == series_id,
        SeriesMember.role.in_(OVERVIEW_ROLES)).order_by(SeriesMember.role.desc()).limit(1))


# --- The overview --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Conversation:
    room: Room
    when: datetime  # its planned date, or when it was made
    status: str  # gepland, bezig, afgerond


@dataclass(frozen=True)
class SeriesOverview:
    series_id: int
    my_roles: tuple[str, ...]
    student: str | None
    praktijkopleider: str | None
    conversations: list[Conversation]
    agreements: list[dict]  # the afspraken of the newest sent verslag: what, who, when
    agreements_date: str | None  # that verslag's date (ISO)
    next_date: datetime | None  # the next conversation, from today on
    next_date_timed: bool  # whether its time is known


def conversations_of(series_id: int) -> list[Conversation]:
    """The series' conversations that can still be opened, in the order of their dates."""
    rooms = db.session.scalars(select(Room).where(Room.series_id == series_id, Room.expires_at > utcnow())
                               .order_by(Room.id)).all()
    found = [Conversation(room, room.planned_for or room.created_at, STATUS_LABELS.get(room.status, "bezig"))
             for room in rooms]
    return sorted(found, key=lambda c: (c.when, c.room.id))


def records_of(rooms: list[Room]) -> dict[int, Record]:
    """The sent verslag per room id."""
    ids = [room.id for room in rooms]
    return {record.room_id: record for record in db.session.scalars(select(Record).where(Record.room_id.in_(ids)))}


def review_outcomes(rooms: list[Room]) -> dict[int, list[str]]:
    """Per room: the outcomes (gedaan, loopt, niet-gelukt) its afspraken got in the review of the conversation
    after it, when that review exists."""
    follow_ups = {room.id: room.previous_room_id for room in rooms if room.previous_room_id}
    outcomes: dict[int, list[str]] = {}
    if follow_ups:
        for review in db.session.scalars(select(Review).where(Review.room_id.in_(follow_ups), Review.kind == "afspraak")
                                         .order_by(Review.position)):
            outcomes.setdefault(follow_ups[review.room_id], []).append(review.outcome)
    return outcomes


def _name_for(role: str, conversations: list[Conversation], members: list[SeriesMember]) -> str | None:
    """The name this role has in the newest conversation where that person said who they are, or where the
    planner gave their name (a place nobody named yet is called by its role)."""
    for conversation in reversed(conversations):
        person = next((p for p in conversation.room.active_participants
                       if p.role == role and (p.arrived_at or p.name != LABELS[role])), None)
        if person is not None:
            return person.name
    return next((m.name for m in members if m.role == role), None)


def _next_date(conversations: list[Conversation], now: datetime) -> tuple[datetime | None, bool]:
    """The first date from today on: a planned conversation, or the next one planned while closing; and whether
    its time is known."""
    dates = [(c.room.planned_for, True) for c in conversations if c.status == "gepland" and c.room.planned_for]
    for c in conversations:
        if c.room.next_meeting_date:
            clock = time.fromisoformat(c.room.next_meeting_time) if c.room.next_meeting_time else time(0, 0)
            dates.append((datetime.combine(c.room.next_meeting_date, clock), bool(c.room.next_meeting_time)))
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return min(((day, timed) for day, timed in dates if day >= today), default=(None, False))


def overview(key: str) -> list[SeriesOverview]:
    """Every series where this key is a student or stagedocent member and a conversation is left: for its
    owner only (the view asks for the signed-in key)."""
    members = db.session.scalars(select(SeriesMember).where(SeriesMember.email_key == key,
                                                            SeriesMember.role.in_(OVERVIEW_ROLES))).all()
    now = utcnow()
    result = []
    for series_id in sorted({m.series_id for m in members}):
        conversations = conversations_of(series_id)
        if not conversations:
            continue
        everyone = db.session.scalars(select(SeriesMember).where(SeriesMember.series_id == series_id)).all()
        records = records_of([c.room for c in conversations])
        newest = next((records[c.room.id] for c in reversed(conversations) if c.room.id in records), None)
        data = newest.data if newest else None
        next_date, next_date_timed = _next_date(conversations, now)
        result.append(SeriesOverview(
            series_id=series_id,
            my_roles=tuple(sorted({m.role for m in members if m.series_id == series_id})),
            student=_name_for(STUDENT, conversations, everyone),
            praktijkopleider=_name_for(PRAKTIJKOPLEIDER, conversations, everyone),
            conversations=conversations,
            agreements=data["agreements"] if data else [],
            agreements_date=data["date"] if data else None,
            next_date=next_date,
            next_date_timed=next_date_timed,
        ))
    return sorted(result, key=lambda s: ((s.student or "").lower(), s.series_id))
