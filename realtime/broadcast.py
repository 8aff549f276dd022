"""Messages to phones that are not screen updates (those are realtime/sync.py's): typing, removal, deletion.

A phone is in two Socket.IO rooms: `<CODE>` for the whole room and `p:<id>` for its deelnemer.
"""
from webapp.extensions import socketio


def person_channel(participant_id: int) -> str:
    return f"p:{participant_id}"


def send_typing(code: str, key: str, name: str, skip_sid: str) -> None:
    """'<naam> is aan het typen': not room state, so no version; the phones show it for a few seconds."""
    socketio.emit("typing", {"key": key, "name": name}, to=code, skip_sid=skip_sid)


def announce_deleted(code: str) -> None:
    """Every phone in a deleted room leaves it (the room's channel outlives the room only briefly)."""
    socketio.emit("deleted", {}, to=code)
    socketio.close_room(code)


def evict(participant_id: int, sids: list[str], message: str) -> None:
    """Tell a removed participant's phones, then close their connections (on whichever worker)."""
    socketio.emit("removed", {"message": message}, to=person_channel(participant_id))
    for sid in sids:
        socketio.server.disconnect(sid)
