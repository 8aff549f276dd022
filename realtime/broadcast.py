"""Push rendered fragments to the phones in a room, after the change is committed.

Channels: `<CODE>` for the whole room, `<CODE>:<role>` per role (controls differ per role) and `p:<id>`
per participant.
"""
from webapp.extensions import socketio
from webapp.regions import Viewer, render_regions
from webapp.roles import ROLES
from webapp.room_view import RoomView


def role_channel(code: str, role: str) -> str:
    return f"{code}:{role}"


def person_channel(participant_id: int) -> str:
    return f"p:{participant_id}"


def broadcast(room, names, skip_sid: str | None = None) -> dict[str, dict[str, str]]:
    """Send the changed regions to every role; every version raise is followed by one of these.
    Returns the fragments per role, so the acting phone's answer need not render them again."""
    view = RoomView(room)
    rendered = {}
    for role in ROLES:
        rendered[role] = render_regions(view, Viewer(role), names)
        payload = {"version": room.version, "fragments": rendered[role]}
        socketio.emit("update", payload, to=role_channel(room.code, role), skip_sid=skip_sid)
    return rendered


def send_full(room, viewer: Viewer, sid: str) -> None:
    """A full re-render for one phone that is behind (after a reconnect or a missed update)."""
    payload = {"version": room.version, "fragments": render_regions(RoomView(room), viewer), "full": True}
    socketio.emit("update", payload, to=sid)


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
