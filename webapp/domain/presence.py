"""Who is online: a deelnemer is online while they have a live Socket.IO connection. Connections are
recorded with the worker that holds them (housekeeping.py drops those of a worker that died)."""
from sqlalchemy import bindparam, select

from webapp.domain.rooms import bump_version
from webapp.extensions import db
from webapp.models import Connection, Participant, Room
from webapp.workers import worker_id

# Asked by every screen that shows who is online: built once (rooms.py says why).
_ONLINE = (select(Connection.participant_id).distinct().join(Participant)
           .where(Participant.room_id == bindparam("room_id")))


def connect(room: Room, participant: Participant, sid: str) -> None:
    """Record a live connection; coming online is a change of the room (its phones are told at commit)."""
    if any(c.sid == sid for c in participant.connections):
        return  # the same connection asking to catch up again
    if not participant.connections:
        bump_version(room)
    participant.connections.append(Connection(sid=sid, worker_id=worker_id()))
    db.session.commit()


def disconnect(sid: str) -> None:
    """Forget a closed connection; when it was the participant's last, they went offline: a change."""
    connection = db.session.scalar(select(Connection).where(Connection.sid == sid))
    if connection is None:
        return
    participant = connection.participant
    participant.connections.remove(connection)  # delete-orphan: gone from the table too
    if not participant.connections:
        bump_version(participant.room)
    db.session.commit()


def online_in(room: Room) -> set[int]:
    """The deelnemers of the room who are online now, in one query for every screen that shows it."""
    return set(db.session.scalars(_ONLINE, {"room_id": room.id}))


def participant_for_sid(sid: str) -> Participant | None:
    """The live participant behind a Socket.IO connection, if it joined a room."""
    connection = db.session.scalar(select(Connection).where(Connection.sid == sid))
    participant = connection.participant if connection else None
    return participant if participant and participant.removed_at is None else None
