"""One truth on every screen: after every commit that raised a room's version, each deelnemer's phones
get exactly the regions of their screen that differ from what they were sent before.

No view says what it re-renders. `rooms.bump_version()` notes the room in the session; when that
transaction commits, this module renders every region for every deelnemer (shared regions once per role),
compares each with the digest of what that deelnemer was last sent (`room.pushed`, written in the same
transaction, under the room's row lock, so two changes never compare against the same past), and after
the commit emits one `update` {version, fragments} per deelnemer. A phone that missed one asks again with
`join` and gets its whole screen (`send_full`).
"""
import hashlib
import json

from flask import current_app, g
from sqlalchemy import event

from realtime.broadcast import person_channel
from webapp.domain.rooms import CHANGED_ROOMS
from webapp.extensions import db, socketio
from webapp.models import Participant, Room
from webapp.presentation.regions import Renderer

OUTGOING = "outgoing_updates"  # session.info key: updates to emit once the transaction has committed


def init_app(_app) -> None:
    for name, listener in (("before_commit", render_changes), ("after_commit", emit_changes),
                           ("after_rollback", forget_changes)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def digest(html: str, key: bytes) -> str:
    return hashlib.blake2b(html.encode("utf-8"), digest_size=8, key=key).hexdigest()


def render_changes(session) -> None:
    changed = session.info.pop(CHANGED_ROOMS, None)
    for room_id in sorted(changed or ()):
        room = session.get(Room, room_id)
        if room is not None:
            session.info.setdefault(OUTGOING, []).append(updates_for(room))


def updates_for(room: Room) -> tuple[int, dict[int, dict[str, str]]]:
    """(version, {participant id: the regions that differ from what they were last sent}); records the
    digests of what they will have been sent."""
    renderer = Renderer(room)
    # Keyed with the app's secret: `room.pushed` holds digests of screens with personal data on them.
    key = hashlib.sha256(current_app.secret_key.encode()).digest()
    sent_before = json.loads(room.pushed or "{}")
    sent_now, fragments = {}, {}
    for person in room.active_participants:
        screen = renderer.screen_of(person)
        digests = {region: digest(html, key) for region, html in screen.items()}
        before = sent_before.get(str(person.id), {})
        fragments[person.id] = {region: html for region, html in screen.items()
                                if before.get(region) != digests[region]}
        sent_now[str(person.id)] = digests
    room.pushed = json.dumps(sent_now, separators=(",", ":"))
    return room.version, fragments


def emit_changes(session) -> None:
    for version, per_person in session.info.pop(OUTGOING, ()):
        for participant_id, fragments in per_person.items():
            # Even an empty update is sent: it moves the phone's version on, so the next one is no gap.
            socketio.emit("update", {"version": version, "fragments": fragments}, to=person_channel(participant_id))
            g.setdefault("sent_fragments", {})[participant_id] = fragments


def forget_changes(session) -> None:
    session.info.pop(CHANGED_ROOMS, None)
    session.info.pop(OUTGOING, None)


def sent_to(participant: Participant) -> dict[str, str]:
    """What this request's commit sent to this deelnemer's phones: the acting phone's own answer."""
    return dict(g.get("sent_fragments", {}).get(participant.id, {}))


def send_full(room: Room, me: Participant, sid: str) -> None:
    """A whole screen for one phone that is behind (after a reconnect or a missed update)."""
    payload = {"version": room.version, "fragments": Renderer(room).screen_of(me), "full": True}
    socketio.emit("update", payload, to=sid)
