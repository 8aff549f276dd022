"""The room state as plain data: the body of state.json, and what tests compare screens against."""
from webapp.models import Room


def room_state(room: Room) -> dict:
    return {
        "code": room.code,
        "version": room.version,
        "status": room.status,
        "locked": room.admission == "locked",
        "created_at": room.created_at.isoformat() + "Z",
        "expires_at": room.expires_at.isoformat() + "Z",
        "participants": [
            {"id": p.id, "name": p.name, "role": p.role, "online": p.online} for p in room.active_participants
        ],
    }
