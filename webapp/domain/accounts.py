"""Mijn gesprekken, without passwords: who may see which series, and one-time sign-in links by mail.

Nobody has an account. When a student's or a stagedocent's seat proves an address its own (`prove_address`: the
Akkoord given from the seat, the planner's own address, or the address whose mailed link was taken up), the
series keeps a member: role, first name and a keyed hash of the address (`email_key`), never the address
itself. An address someone typed for another person proves nothing until that person takes up the link; a
membership ends with its seat (`end_membership`). Asking for a sign-in link with an address that
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
from sqlalchemy import and_, delete, or_, select, update

from webapp.domain import outbox
from webapp.domain.roles import LABELS, PRAKTIJKOPLEIDER, STAGEDOCENT, STUDENT
from webapp.extensions import db
from webapp.models import OutboxMessage, Participant, Record, Review, Room, SeriesMember, SignIn
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
    outbox.enqueue(kind=outbox.SIGN_IN, recipient=address, **compose(token))
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
