"""Who is online: a deelnemer is online while they have a live Socket.IO connection. Connections are
recorded with the worker that holds them (housekeeping.py drops those of a worker that died)."""
from sqlalchemy import select

from webapp.domain.rooms import bump_version
from webapp.extensions import db
from webapp.models import Connection, Participant, Room
from webapp.workers import worker_id


def connect(room: Room, participant: Participant, sid: str) -> bool:
    """Record a live connection; True when the participant just came online."""
    if any(c.sid == sid for c in participant.connections):
        return False  # the same connection asking to catch up again
    came_online = not participant.connections
    if came_online:
        bump_version(room)
    participant.connections.append(Connection(sid=sid, worker_id=worker_id()))
    db.session.commit()
    return came_online


def disconnect(sid: str) -> Room | None:
    """Forget a closed connection; the room whose presence changed, if the participant went offline."""
    connection = db.session.scalar(select(Connection).where(Connection.sid == sid))
    if connection is None:
        return None
    participant = connection.participant
    room = participant.room
    db.session.delete(connection)
    db.session.flush()
    db.session.refresh(participant, ["connections"])
    if participant.connections:
        db.session.commit()
        return None
    bump_version(room)
    db.session.commit()
    return room


def participant_for_sid(sid: str) -> Participant | None:
    """The live participant behind a Socket.IO connection, if it joined a room."""
    connection = db.session.scalar(select(Connection).where(Connection.sid == sid))
    participant = connection.participant if connection else None
    return participant if participant and participant.removed_at is None else None
