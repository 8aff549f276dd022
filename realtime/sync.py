"""One truth on every screen: after every commit that raised a room's version, each deelnemer's phones
get exactly the regions of their screen that differ from what they were sent before.

No view says what it re-renders. `rooms.bump_version()` notes the room in the session, and the session notes
what the transaction touched: every column changed and every row added or deleted, through the ORM or an
UPDATE/DELETE statement ("table.column", "table"). When the transaction commits, this module renders the
regions that read any of it (regions.READS; an unknown touch renders all of them; so does a deelnemer without
a digest of a region yet, and a region whose clock ran out), compares each with the digest of what that
deelnemer was last sent (`room.pushed`, written in the same transaction, under the room's row lock, so two
changes never compare against the same past) and after the commit emits one `update` {version, fragments}
per deelnemer. A region not rendered keeps its digest: nothing it reads changed. A phone that missed an
update asks again with `join` and gets its whole screen (`send_full`).
"""
import hashlib
import json
from datetime import datetime

from flask import current_app, g
from sqlalchemy import event, inspect, select
from sqlalchemy.sql.elements import TextClause

from realtime.broadcast import person_channel
from webapp.domain.rooms import CHANGED_ROOMS
from webapp.extensions import db, socketio
from webapp.models import Participant, Room
from webapp.models.room import utcnow
from webapp.presentation import regions
from webapp.presentation.regions import Renderer

OUTGOING = "outgoing_updates"  # session.info key: updates to emit once the transaction has committed
TOUCHED = "touched_state"  # session.info key: what this transaction changed ("table.column", "table", "*")
CLOCK = "~clock"  # room.pushed key: {region: when what it shows changes by time alone}, beside the deelnemers


def init_app(_app) -> None:
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
    """Before each flush: the rows added and deleted, and the columns (and collections) changed."""
    touched = _touched(session)
    for obj in (*session.new, *session.deleted):
        touched.add(inspect(obj).mapper.local_table.name)
    for obj in session.dirty:
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
    changed = session.info.pop(CHANGED_ROOMS, None)
    if not changed:
        return
    session.flush()  # so that note_flush has seen everything this transaction did
    touched = session.info.pop(TOUCHED, set())
    for room_id in sorted(changed):
        room = session.get(Room, room_id)
        if room is not None:
            session.info.setdefault(OUTGOING, []).append(updates_for(room, touched))


def updates_for(room: Room, touched=("*",)) -> tuple[int, dict[int, dict[str, str]]]:
    """(version, {participant id: the regions that differ from what they were last sent}); records the
    digests of what they will have been sent. Renders the regions that what was touched can affect."""
    renderer = Renderer(room)
    # Keyed with the app's secret: `room.pushed` holds digests of screens with personal data on them.
    key = hashlib.sha256(current_app.secret_key.encode()).digest()
    sent_before = json.loads(room.pushed or "{}")
    clock = {region: datetime.fromisoformat(until) for region, until in sent_before.pop(CLOCK, {}).items()}
    now = utcnow()
    affected = regions.affected(touched, room.status) | {region for region, until in clock.items() if until <= now}
    sent_now, fragments = {}, {}
    for person_id, role, me in deelnemers(room, affected, sent_before):
        before = sent_before.get(str(person_id), {})
        wanted = [region for region in regions.ALL if region in affected or region not in before]
        screen = renderer.screen_of(me, wanted, role)
        digests = {region: before[region] for region in regions.ALL if region in before}
        digests.update((region, digest(html, key)) for region, html in screen.items())
        fragments[person_id] = {region: html for region, html in screen.items()
                                if before.get(region) != digests[region]}
        sent_now[str(person_id)] = digests
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
    room.pushed = json.dumps(sent_now, separators=(",", ":"))
    return room.version, fragments


def deelnemers(room: Room, affected, sent_before: dict) -> list[tuple[int, str, Participant | None]]:
    """(id, role, the Participant or None) of each deelnemer, in the page's order. The Participant rows (with
    their connections) are loaded only when a region to be rendered shows them: the change expired them, and
    the other regions need the roles alone."""
    if not affected & regions.WITH_PEOPLE:
        people = db.session.execute(select(Participant.id, Participant.role).where(
            Participant.room_id == room.id, Participant.removed_at.is_(None)).order_by(Participant.id)).all()
        if all(set(regions.ALL) <= set(sent_before.get(str(person_id), ())) for person_id, _role in people):
            return [(person_id, role, None) for person_id, role in people]
    return [(person.id, person.role, person) for person in room.active_participants]


def emit_changes(session) -> None:
    session.info.pop(TOUCHED, None)  # room.pushed, written at commit: nothing a screen shows
    for version, per_person in session.info.pop(OUTGOING, ()):
        for participant_id, fragments in per_person.items():
            # Even an empty update is sent: it moves the phone's version on, so the next one is no gap.
            socketio.emit("update", {"version": version, "fragments": fragments}, to=person_channel(participant_id))
            g.setdefault("sent_fragments", {})[participant_id] = fragments


def forget_changes(session) -> None:
    session.info.pop(CHANGED_ROOMS, None)
    session.info.pop(OUTGOING, None)
    session.info.pop(TOUCHED, None)


def sent_to(participant: Participant) -> dict[str, str]:
    """What this request's commit sent to this deelnemer's phones: the acting phone's own answer. By the
    participant's identity, which needs no reload of the row the commit expired."""
    identity = inspect(participant).identity
    return dict(g.get("sent_fragments", {}).get(identity[0] if identity else participant.id, {}))


def send_full(room: Room, me: Participant, sid: str) -> None:
    """A whole screen for one phone that is behind (after a reconnect or a missed update)."""
    payload = {"version": room.version, "fragments": Renderer(room).screen_of(me), "full": True}
    socketio.emit("update", payload, to=sid)
