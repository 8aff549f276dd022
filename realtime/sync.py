"""One truth on every screen: after every commit that raised a room's version, each deelnemer's phones
get exactly the regions of their screen that differ from what they were sent before.

No view says what it re-renders. `rooms.bump_version()` notes the room in the session, and the session notes
what the transaction touched: every column changed and every row added or deleted, through the ORM or an
UPDATE/DELETE statement ("table.column", "table"). When the transaction commits, this module renders the
regions that read any of it (regions.READS; an unknown touch renders all of them; so does a deelnemer without
a digest of a region yet, and a region whose clock ran out), compares each with the digest of what that
deelnemer was last sent (`room.pushed`, written in the same transaction, under the room's row lock, so two
changes never compare against the same past) and after the commit emits one `update` {version, fragments}
per deelnemer; the phone that acted gets its change once, in its answer (`send_held`). A region not rendered
keeps its digest: nothing it reads changed. A phone that missed an update asks again with `join` and gets its
whole screen (`send_full`).
"""
import hashlib
import json
from contextlib import nullcontext
from datetime import datetime

from flask import current_app, g, has_request_context, request
from sqlalchemy import bindparam, event, inspect, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import TextClause

from realtime.broadcast import person_channel
from webapp.clock import utcnow
from webapp.domain.rooms import CHANGED_ROOMS, PEOPLE_READ_AT, ROOMS_MADE, people_written_without_change
from webapp.extensions import db, socketio
from webapp.models import Participant, Room
from webapp.origin import outside_request
from webapp.presentation import regions
from webapp.presentation.regions import Renderer

SOCKET_HEADER = "X-Socket-Id"  # the acting phone's socket, named by app.js on every request
VERSION_HEADER = "X-Room-Version"  # the version an answer to an action shows (views/responses.changed)
HELD = "held_updates"  # g key: the acting deelnemer's updates, sent once the answer is made (send_held)
OUTGOING = "outgoing_updates"  # session.info key: updates to emit once the transaction has committed
TOUCHED = "touched_state"  # session.info key: what this transaction changed ("table.column", "table", "*")
CLOCK = "~clock"  # room.pushed key: {region: when what it shows changes by time alone}, beside the deelnemers
# A room's row: SET what the parameters name besides room_id (its digests and the columns a change wrote).
_WRITE_ROOM = update(Room.__table__).where(Room.id == bindparam("room_id"))


def init_app(app) -> None:
    app.after_request(send_held)
    for name, listener in (("before_flush", note_flush), ("do_orm_execute", note_statement),
                           ("before_commit", render_changes), ("after_commit", emit_changes),
                           ("after_rollback", forget_changes)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def digest(html: str, key: bytes) -> str:
    return hashlib.blake2b(html.encode("utf-8"), digest_size=8, key=key).hexdigest()


# What a transaction touched ------------------------------------------------------------------------------------

def _touched(session) -> set[str]:
    return session.info.setdefault(TOUCHED, set())


def note_flush(session, _flush_context, _instances) -> None:
    """Before each flush: the rows added and deleted, and the columns (and collections) changed. Who is in a
    room changes only with its version (rooms.people_written_without_change): a bug, refused before it is written."""
    new, dirty, deleted = session.new, session.dirty, session.deleted  # each a walk of the session: taken once
    unraised = people_written_without_change(session, new, dirty, deleted)
    if unraised:
        raise RuntimeError(f"Who is in room {unraised[0].room_id} changed without rooms.change() or bump_version()")
    touched = _touched(session)
    for obj in (*new, *deleted):
        touched.add(inspect(obj).mapper.local_table.name)
    for obj in dirty:
        state = inspect(obj)
        mapper, table = state.mapper, state.mapper.local_table.name
        for key in list(state.committed_state):  # the attributes set since the last flush
            if not state.attrs[key].history.has_changes():
                continue  # set to what it was
            relation = mapper.relationships.get(key)
            # A collection or reference changed: rows joined or left (delete-orphan: deleted) the other table.
            touched.add(relation.mapper.local_table.name if relation is not None else f"{table}.{key}")


def note_statement(orm_execute_state) -> None:
    """An UPDATE, DELETE or INSERT statement run through the session (rooms.bump_version, series.touch)."""
    statement = orm_execute_state.statement
    if orm_execute_state.is_select or (isinstance(statement, TextClause)
                                       and statement.text.lstrip()[:6].upper() == "SELECT"):
        return
    touched = _touched(orm_execute_state.session)
    table = getattr(getattr(statement, "table", None), "name", None)
    if table is None:
        touched.add("*")
        return
    values = getattr(statement, "_values", None) if orm_execute_state.is_update else None
    if not values:
        touched.add(table)  # a row inserted or deleted, or an update we cannot read: the whole table
        return
    for column in values:
        touched.add(f"{table}.{getattr(column, 'key', column)}")


# Rendering at commit, emitting after -----------------------------------------------------------------------

def render_changes(session) -> None:
    changed = session.info.get(CHANGED_ROOMS)
    if not changed:
        return
    rooms = [room for room in (session.get(Room, room_id) for room_id in sorted(changed)) if room is not None]
    # Each room's own changed columns are written with its digests, in one statement, not flushed apart.
    written = {room.id: _take_written(room) for room in rooms}
    session.flush()  # so that note_flush has seen everything else this transaction did
    # Only now: that flush's check of who is in a room (note_flush) asks which rooms this transaction raised.
    session.info.pop(CHANGED_ROOMS)
    touched = session.info.pop(TOUCHED, set())
    touched.update(f"room.{key}" for values in written.values() for key in values)
    with _as_a_request():
        for room in rooms:
            session.info.setdefault(OUTGOING, []).append(updates_for(room, touched, written[room.id]))


def _as_a_request():
    """The screens build their links: a commit outside any request (housekeeping's rounds, `flask purge`) renders
    them as a request on the app's own address would (origin.outside_request), so no caller needs to remember."""
    return nullcontext() if has_request_context() else outside_request(current_app._get_current_object())


def _take_written(room: Room) -> dict[str, object]:
    """The columns of a stored room set in this transaction, with their new values, taken out of the unit of work
    (the session now holds them as the database will): updates_for writes them beside the digests."""
    state = inspect(room)
    columns = state.mapper.column_attrs
    if not state.persistent or not all(key in columns for key in state.committed_state):
        return {}  # a new room, or one whose people changed too: the unit of work writes it
    written = {key: state.attrs[key].value for key in state.committed_state if state.attrs[key].history.has_changes()}
    # As a flush leaves a row it wrote: clean, so neither this flush nor the commit's visits it again. (The
    # session's own step after a flush; there is no public one for a row written by a statement of one's own.)
    state._commit_all(state.dict, state.session.identity_map)
    return written


def updates_for(room: Room, touched=("*",), written=None) -> tuple[int, dict[int, dict[str, str]]]:
    """(version, {participant id: the regions that differ from what they were last sent}); records the
    digests of what they will have been sent, with the room's own `written` columns. Renders the regions that
    what was touched can affect."""
    renderer = Renderer(room)
    # Keyed with the app's secret: `room.pushed` holds digests of screens with personal data on them.
    key = hashlib.sha256(current_app.secret_key.encode()).digest()
    sent_before = json.loads(room.pushed or "{}")
    clock = {region: datetime.fromisoformat(until) for region, until in sent_before.pop(CLOCK, {}).items()}
    now = utcnow()
    affected = regions.affected(touched, room.status) | {region for region, until in clock.items() if until <= now}
    sent_now, fragments = {}, {}
    # Who is in the room: a change read them after the lock (rooms.change), anything else loads them here.
    for person in room.active_participants:
        before = sent_before.get(str(person.id), {})
        wanted = [region for region in regions.ALL if region in affected or region not in before]
        screen = renderer.screen_of(person, wanted)
        digests = {region: before[region] for region in regions.ALL if region in before}
        digests.update((region, digest(html, key)) for region, html in screen.items())
        fragments[person.id] = {region: html for region, html in screen.items()
                                if before.get(region) != digests[region]}
        sent_now[str(person.id)] = digests
    for region in renderer.rendered:
        until = renderer.valid_until(region)
        if region not in affected and region in clock and (until is None or clock[region] < until):
            until = clock[region]  # rendered for a newcomer only: the others still show the earlier render
        if until is None:
            clock.pop(region, None)
        else:
            clock[region] = until
    if clock:
        sent_now[CLOCK] = {region: until.isoformat() for region, until in clock.items()}
    pushed = json.dumps(sent_now, separators=(",", ":"))
    # A statement of its own on the transaction's connection, not the unit of work's (nor the ORM's: nothing in
    # the session need know but `room`): at commit, a change then leaves nothing more to flush.
    db.session.connection().execute(_WRITE_ROOM, {"room_id": room.id, "pushed": pushed, **(written or {})})
    set_committed_value(room, "pushed", pushed)
    return room.version, fragments


def emit_changes(session) -> None:
    session.info.pop(TOUCHED, None)  # the next transaction starts afresh, also after one that raised no version
    session.info.pop(ROOMS_MADE, None)
    acting = _acting_deelnemer()
    for version, per_person in session.info.pop(OUTGOING, ()):
        for participant_id, fragments in per_person.items():
            # Even an empty update is sent: it moves the phone's version on, so the next one is no gap.
            message = {"version": version, "fragments": fragments}
            if participant_id == acting:
                g.setdefault(HELD, []).append((participant_id, message))  # sent with the answer: send_held
            else:
                socketio.emit("update", message, to=person_channel(participant_id))
            g.setdefault("sent_fragments", {})[participant_id] = fragments


def _acting_deelnemer() -> int | None:
    """The deelnemer whose phone made this request and named its socket (app.js: X-Socket-Id), if any."""
    if not has_request_context() or not request.headers.get(SOCKET_HEADER):
        return None
    me = g.get("me")
    return me.id if isinstance(me, Participant) else None


def send_held(response):
    """After the answer is made: the acting deelnemer's update goes to their phones, but not to the socket of
    the phone that acted when its answer carries that very version (responses.changed): so it gets its change
    once, and any other answer (a redirect, an error) leaves it to the push as before."""
    for participant_id, message in g.pop(HELD, ()):
        carried = response.headers.get(VERSION_HEADER) == str(message["version"])
        socketio.emit("update", message, to=person_channel(participant_id),
                      skip_sid=request.headers.get(SOCKET_HEADER) if carried else None)
    return response


def forget_changes(session) -> None:
    session.info.pop(CHANGED_ROOMS, None)
    session.info.pop(PEOPLE_READ_AT, None)  # a rollback expired them
    session.info.pop(ROOMS_MADE, None)
    session.info.pop(OUTGOING, None)
    session.info.pop(TOUCHED, None)


def sent_to(participant: Participant) -> dict[str, str]:
    """What this request's commit sent to this deelnemer's phones: the acting phone's own answer. By the
    participant's identity, which needs no reload of a row a commit expired."""
    identity = inspect(participant).identity
    return dict(g.get("sent_fragments", {}).get(identity[0] if identity else participant.id, {}))


def send_full(room: Room, me: Participant, sid: str) -> None:
    """A whole screen for one phone that is behind (after a reconnect or a missed update)."""
    payload = {"version": room.version, "fragments": Renderer(room).screen_of(me), "full": True}
    socketio.emit("update", payload, to=sid)
