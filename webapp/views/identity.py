"""Which deelnemer this browser is: a token per room in Flask's signed session cookie."""
from flask import session

from webapp.domain import codes
from webapp.domain.rooms import participant_for_token
from webapp.models import Participant, Room

MAX_ROOMS_REMEMBERED = 20


def remember(room: Room, participant: Participant) -> None:
    rooms = dict(session.get("rooms", {}))
    rooms.pop(room.code, None)
    rooms[room.code] = participant.token
    # The cookie must stay small; the oldest conversations drop out first.
    session["rooms"] = dict(list(rooms.items())[-MAX_ROOMS_REMEMBERED:])
    session.permanent = True


def token_for(room: Room) -> str | None:
    return session.get("rooms", {}).get(room.code)


def token_for_code(typed: str | None) -> str | None:
    """This browser's token for a code as typed (the session keeps them under the canonical code)."""
    return session.get("rooms", {}).get(codes.normalize(typed or ""))


def current_participant(room: Room) -> Participant | None:
    return participant_for_token(room, token_for(room))
