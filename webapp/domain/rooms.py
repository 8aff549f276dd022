"""The room's lifecycle: create, join, who may come in, removal and expiry; and `change()`, the one way
every domain module changes a room.

Every change raises the room's version in the same transaction and commits; the deelnemers' screens
follow from that by themselves (realtime/sync.py).
"""
import secrets
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from webapp.clock import utcnow
from webapp.database import forget_deleted
from webapp.domain import accounts, codes, outbox, series, text
from webapp.domain.content import STAGE_MOMENTS
from webapp.domain.refusals import RoomError
from webapp.domain.roles import PRAKTIJKOPLEIDER, ROLES, STAGEDOCENT, STUDENT, require_actor, require_status
from webapp.extensions import db
from webapp.mail_backend import forget_files
from webapp.models import Participant, Room
from webapp.models.room import Admission, RoomStatus

NAME_MAX = 40
MAX_PARTICIPANTS = 8  # three, plus whoever the stagedocent lets in; never an audience
CHANGED_ROOMS = "changed_rooms"  # session.info key: rooms whose version this transaction raised
PEOPLE_READ_AT = "people_read_at"  # session.info key: {room id: the version at which its people were read}
ROOMS_MADE = "rooms_made"  # session.info key: the rooms this transaction adds


# The statements of the path every action takes, built once: building a statement and its cache key costs more
# than SQLite takes to run it (bench/RESULTS.md, "Half the cost of a change").
_HOLDS = and_(Participant.token == bindparam("token"),  # whose token it is (None: NULL matches nobody) ...
              Participant.removed_at.is_(None))  # ... unless taken out
# The room with everyone in it: whose seat a token is, is looked up among them. As they are now: a session that
# already holds rows overwrites them with these (populate_existing); in an empty one, the start of almost every
# request, there is nothing to overwrite, and the room, which comes with every row, is then read once, not thrice.
_SEAT = (select(Room, Participant).where(Room.code == bindparam("code"))
         .outerjoin(Participant, Participant.room_id == Room.id).order_by(Participant.id))
_SEAT_AGAIN = _SEAT.execution_options(populate_existing=True)
_HOLDER = select(Participant).where(Participant.room_id == bindparam("room_id"), _HOLDS)
# The row comes back with the UPDATE (RETURNING) and refreshes the room in the session (_refresh). A statement on
# the transaction's connection, not through the ORM: the version is a column no screen shows (regions.UNSHOWN).
_BUMP = (update(Room.__table__).where(Room.id == bindparam("room_id")).values(version=Room.version + 1)
         .returning(*Room.__table__.c))
_PEOPLE = (select(Participant).where(Participant.room_id == bindparam("room_id")).order_by(Participant.id)
           .execution_options(populate_existing=True))


def bump_version(room: Room) -> int:
    """Raise the room's version atomically; on PostgreSQL this also locks the room row until commit,
    so concurrent changes to one room are serialized. The room is reloaded after the lock, so the
    checks that follow see what others committed before.

    The room is noted in the session: at commit, the screens of its deelnemers are brought up to date
    (realtime/sync.py), whoever raised the version."""
    # The series first: when its retention is due, touching it locks the series and then all its rooms, so
    # every change takes its locks in that order and two changes in one series cannot deadlock.
    if _retention_due(room):
        series.touch(room.series_id)
    # The row as it is after the lock comes back with the UPDATE itself and refreshes `room` (one statement,
    # not an UPDATE and a SELECT).
    people_read_at = db.session.info.setdefault(PEOPLE_READ_AT, {})
    read_at = people_read_at.pop(room.id, None)
    row = db.session.connection().execute(_BUMP, {"room_id": room.id}).one()._mapping
    if read_at is not None and row["version"] == read_at + 1:
        # Nobody committed a change to this room since its people were read (with the seat, or after the lock
        # of a change before in this request): every write of who is in a room raises its version
        # (people_written_without_change), so they are who is in the room now. One statement less per change.
        people_read_at[room.id] = row["version"]
    else:  # read again when asked for (change() asks)
        for person in room.__dict__.get("participants", ()):
            db.session.expire(person)
        db.session.expire(room, ["participants"])
    _refresh(room, row)
    db.session.info.setdefault(CHANGED_ROOMS, set()).add(room.id)
    return room.version


def _refresh(room: Room, row) -> None:
    """The room as its row is now (what populate_existing does for a query), each column that differs set as
    loaded: nothing for the unit of work to write."""
    loaded = room.__dict__
    for column, value in row.items():
        if column not in loaded or loaded[column] != value:
            set_committed_value(room, column, value)


def _retention_due(room: Room) -> bool:
    """Whether touching the series could move anyone's expiry. A touch gives every room of the series one expiry,
    RETENTION_DAYS or more from then; so a room that expires later than RETENTION_DAYS from now, less
    series.TOUCH_PRECISION, tells that its series was touched within that time (or keeps a later planned date),
    and a change in a busy room asks nothing of the series."""
    return room.expires_at < utcnow() + series.retention() - series.TOUCH_PRECISION


def _people_after_lock(room: Room) -> list[Participant]:
    """Everyone of the room as others left them (who is online, the screens ask: presence), also as
    `room.participants`: after the lock, this is who is in the room for the checks and for every screen rendered
    at commit, which reads nobody again. Read with the seat when nobody changed the room since (bump_version),
    else one statement now."""
    if room.id in db.session.info.get(PEOPLE_READ_AT, {}):
        return room.participants
    people = db.session.scalars(_PEOPLE, {"room_id": room.id}).all()
    set_committed_value(room, "participants", people)
    db.session.info[PEOPLE_READ_AT][room.id] = room.version
    return people


def people_written_without_change(session, new, dirty, deleted) -> list[Participant]:
    """Rows of who is in a room that a flush of `new`, `dirty` and `deleted` (the session's, taken once) writes while
    the transaction has not raised the room's version: bump_version trusts people read before its lock when the
    version moved by one only, and that holds only when nobody's row changes without it. The people of a room this
    transaction makes or deletes are nobody else's concern yet or any more. Checked before every flush
    (realtime/sync.py), so no new writer can forget it."""
    made = session.info.setdefault(ROOMS_MADE, [])  # till the transaction ends (realtime/sync.py forgets it)
    made.extend(room for room in new if isinstance(room, Room))
    people = [person for person in (*new, *dirty, *deleted) if isinstance(person, Participant)]
    if not people:
        return []
    raised = session.info.get(CHANGED_ROOMS, ())
    coming_or_going = {room.id for room in (*made, *deleted) if isinstance(room, Room)}
    # A person in `dirty` whose columns are as they were had only a connection come or go: no row of theirs is written.
    return [person for person in people if person.room_id is not None and person.room_id not in raised
            and person.room_id not in coming_or_going
            and (person not in dirty or session.is_modified(person, include_collections=False))]


@contextmanager
def change(room: Room, actor: Participant | None, action: str | None):
    """One change to a room by `actor` doing `action` (a key of the permission table): the role is checked
    first; then the version is raised (and the row locked), the status checked against what others just
    committed, and everything committed at the end, or rolled back whole when a check inside refuses it."""
    if action is not None:
        require_actor(actor, action)
    try:
        bump_version(room)
        people = _people_after_lock(room)
        # Like the room, the actor as others left it before the lock (read with the others).
        if actor is not None and (actor not in people or actor.removed_at is not None):
            raise RoomError("Je bent uit dit gesprek gehaald.", 403)
        if action is not None:
            require_status(room.status, action)
        yield
        _commit_as_written()
    except BaseException:
        db.session.rollback()
        raise


def _commit_as_written() -> None:
    """Commit without expiring what the session holds: the screens were rendered from it at commit
    (realtime/sync.py), so the answer that follows shows the same, without loading the room and the people again."""
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def clean_name(raw: str | None) -> str:
    name = text.line(raw, NAME_MAX, f"Je naam is te lang. Gebruik hoogstens {NAME_MAX} tekens.")
    if not text.has_letters_or_digits(name):
        raise RoomError("Vul je voornaam in.", 400)
    return text.refuse_links(name)


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
        room = Room(code=codes.new_code(), created_at=now, started_at=now, expires_at=now + retention,
                    admission=Admission.FILLING,
                    previous_room_id=previous.id if previous else None,
                    series_id=previous.series_id if previous else series.new_series().id,
                    stage_moment=following_moment(previous.stage_moment) if previous else "start")
        participant = Participant(name=name, role=role, token=secrets.token_urlsafe(32), arrived_at=utcnow())
        room.participants.append(participant)
        db.session.add(room)
        try:
            db.session.flush()
            if previous:  # it is kept as long as the conversations before it
                series.touch(room.series_id, always=True)
            db.session.commit()
            return room, participant
        except IntegrityError:  # a code collision: astronomically rare, but never a 500
            db.session.rollback()
    raise RoomError("Er ging iets mis bij het maken van een gesprek. Probeer het nog eens.", 503)


def following_moment(moment: str) -> str:
    """A vervolggesprek is one moment further in the stage (start, midden, eind; after eind, eind again)."""
    moments = list(STAGE_MOMENTS)
    position = moments.index(moment) if moment in moments else 0
    return moments[min(position + 1, len(moments) - 1)]


def find_room(code: str | None) -> Room:
    """The live room for a code as typed, or a RoomError that says what is wrong."""
    return find_seat(code, None)[0]


def find_seat(code: str | None, token: str | None) -> tuple[Room, Participant | None]:
    """The live room for a code as typed, with everyone in it, and, when `token` is one of its deelnemers',
    that deelnemer: one statement for what almost every request under /r/<code> starts with. (The token comes
    from the signed session cookie, so the lookup is no oracle.)"""
    canonical = codes.normalize(code or "")
    seat = _SEAT_AGAIN if db.session.identity_map else _SEAT
    rows = db.session.execute(seat, {"code": canonical}).all() if canonical else None
    if not rows:
        raise RoomError("Deze gesprekscode kennen we niet. Kijk de code goed na.", 404)
    room = rows[0].Room
    if room.is_expired():
        raise RoomError("Dit gesprek is verlopen. Vraag de stagedocent om een nieuwe code.", 410)
    people = [row.Participant for row in rows if row.Participant is not None]
    set_committed_value(room, "participants", people)  # who is in the room: a change reads nobody again
    db.session.info.setdefault(PEOPLE_READ_AT, {})[room.id] = room.version
    holder = next((person for person in people if token and person.token == token and person.removed_at is None), None)
    return room, holder


def participant_for_token(room: Room, token: str | None) -> Participant | None:
    """The deelnemer whose token this is: one row, without the others or anyone's connections, which most
    requests never look at."""
    if not token:
        return None
    return db.session.scalar(_HOLDER, {"room_id": room.id, "token": token})


def was_removed(room: Room, token: str | None) -> bool:
    return bool(token) and any(p.token == token and p.removed_at for p in room.participants)


def roles_complete(room: Room) -> bool:
    present = {p.role for p in room.active_participants}
    return {STUDENT, STAGEDOCENT, PRAKTIJKOPLEIDER} <= present


# Roles the conversation has once: a second student or stagedocent comes in only when the stagedocent
# opens the room for one more person.
SINGLE = (STUDENT, STAGEDOCENT)


def may_join(room: Room) -> bool:
    return room.status != RoomStatus.CLOSED and room.admission != Admission.LOCKED


def role_is_taken(room: Room, role: str) -> bool:
    """While the three fill the room, a single role someone holds is not for a newcomer."""
    return room.admission == Admission.FILLING and role in SINGLE and \
        any(p.role == role for p in room.active_participants)


def roles_for_newcomer(room: Room) -> dict[str, tuple[list[str], bool]]:
    """For the join form, per role: the first names of who holds it, and whether a newcomer may still take it.
    Only while the room admits people; shows nothing joining would not (a newcomer sees everyone's name)."""
    if not may_join(room):
        return {}
    return {role: ([p.name for p in room.active_participants if p.role == role], not role_is_taken(room, role))
            for role in ROLES}


def join_room(room: Room, name: str, role: str, former_token: str | None = None) -> Participant:
    """A new deelnemer. While the three fill the room, each of the single roles once; after that only when
    the stagedocent opened the room, for one person, after whom it locks again. Someone the stagedocent took
    out does not come back this way (the stagedocent lets them back in: readmit)."""
    name, role = clean_name(name), check_role(role)
    with change(room, None, None):
        if room.status == RoomStatus.CLOSED:
            raise RoomError("Dit gesprek is al afgerond. Meedoen kan niet meer.", 403)
        if was_removed(room, former_token):
            raise RoomError("De stagedocent heeft je uit dit gesprek gehaald. Vraag de stagedocent om je weer "
                            "toe te laten.", 403)
        if room.admission == Admission.LOCKED or len(room.active_participants) >= MAX_PARTICIPANTS:
            raise RoomError("Dit gesprek is vol. Vraag de stagedocent om je erbij te laten.", 403)
        if role_is_taken(room, role):
            raise RoomError(f"Er is al een {role} in dit gesprek. Kies je eigen rol, of vraag de stagedocent om "
                            "je erbij te laten.", 409)
        # Let in beyond the three: a seat in this conversation, without a say over the stage.
        extra = room.admission == Admission.UNLOCKED
        participant = Participant(name=name, role=role, token=secrets.token_urlsafe(32), arrived_at=utcnow(),
                                  extra=extra)
        room.participants.append(participant)
        if extra or roles_complete(room):
            room.admission = Admission.LOCKED
        room.activity = f"{name} doet mee."
    return participant


def set_locked(room: Room, actor: Participant, locked: bool) -> None:
    with change(room, actor, "lock_room"):
        room.admission = Admission.LOCKED if locked else Admission.UNLOCKED


def remove_participant(room: Room, actor: Participant, participant_id: int) -> tuple[Participant, list[str]]:
    """Take someone out of the room; returns them and the connections their phones still have open.
    The stagedocent stays: nobody takes them out."""
    require_actor(actor, "remove_participant")
    target = next((p for p in room.active_participants if p.id == participant_id), None)
    if target is None:
        raise RoomError("Deze deelnemer zit niet (meer) in het gesprek.", 404)
    if target.role == STAGEDOCENT:
        raise RoomError("De stagedocent kan niet uit het gesprek gehaald worden.", 403)
    with change(room, actor, "remove_participant"):
        sids = [c.sid for c in target.connections]
        target.removed_at = utcnow()
        target.connections.clear()
        accounts.end_membership(room.series_id, target)  # nor does Mijn gesprekken show them the stage
        room.activity = f"{actor.name} haalde {target.name} uit het gesprek."
    return target, sids


def readmit_participant(room: Room, actor: Participant, participant_id: int) -> Participant:
    """The stagedocent lets someone they took out back in, as the same deelnemer (their phone still knows them)."""
    require_actor(actor, "remove_participant")
    target = next((p for p in room.participants if p.id == participant_id and p.removed_at), None)
    if target is None:
        raise RoomError("Deze deelnemer is niet uit het gesprek gehaald.", 404)
    with change(room, actor, "remove_participant"):
        target.removed_at = None
        room.activity = f"{actor.name} liet {target.name} weer toe."
    return target


def delete_room(room: Room, actor: Participant) -> None:
    """The stagedocent wipes the conversation now, with everything in it (the cascades, as in purge)."""
    require_actor(actor, "delete_room")
    _delete_rooms([room.id])


def delete_series(room: Room, actor: Participant) -> list[str]:
    """The stagedocent ends the stage: every conversation of this series goes now, with everything in it.
    Returns their codes, so every phone in any of them can be sent to the start."""
    require_actor(actor, "delete_series")
    found = db.session.execute(select(Room.id, Room.code).where(Room.series_id == room.series_id)).all()
    _delete_rooms([room_id for room_id, _code in found])
    return [code for _room_id, code in found]


def purge_expired() -> int:
    """Delete rooms past their retention date; the database's cascades take everything in them along:
    deelnemers and their connections, cards, afspraken, the verslag and its mail."""
    expired = list(db.session.scalars(select(Room.id).where(Room.expires_at <= utcnow())))
    if expired:
        _delete_rooms(expired)
    return len(expired)


def bump_series(series_ids, besides=()) -> list[Room]:
    """A conversation joined or leaves these series: raise the version of each of their other conversations
    (not those in `besides`), in this transaction, and return them. Every conversation's screens show its
    series: how many conversations it has, the link to the next one, the look back on the one before."""
    others = db.session.scalars(select(Room).where(Room.series_id.in_(series_ids), Room.id.not_in(besides))
                                .order_by(Room.id)).all()
    for room in others:
        bump_version(room)
    return others


def _delete_rooms(room_ids: list[int]) -> None:
    """Delete and leave nothing: the rows (cascading), the mail files the file backend wrote, and on SQLite
    the copies of the deleted pages in the write-ahead log. The conversations that stay in their series change
    with them; their versions are raised before the delete, so the series is locked before its rooms, as in
    every change."""
    mail_files = outbox.message_ids_of(room_ids)
    left = bump_series(db.session.scalars(select(Room.series_id).where(Room.id.in_(room_ids)).distinct()).all(),
                       besides=room_ids)
    db.session.execute(delete(Room).where(Room.id.in_(room_ids)))
    for room in left:  # the database set their previous_room_id to NULL where it named a deleted room
        db.session.expire(room)
    series.remove_empty()
    db.session.commit()
    forget_files(mail_files)
    forget_deleted()
