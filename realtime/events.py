"""Socket.IO handlers: a phone joins its room's channels, and its presence is kept live."""
import re

from flask import request
from flask_socketio import emit, join_room

from realtime.broadcast import person_channel, send_typing
from realtime.sync import send_full
from webapp.domain import presence, rooms
from webapp.domain.refusals import RoomError
from webapp.views.identity import current_participant


def on_join(data):
    """{code, version}: bind this connection to the cookie's participant and catch up if behind."""
    data = data if isinstance(data, dict) else {}
    try:
        room = rooms.find_room(str(data.get("code", ""))[:32])
    except RoomError as error:
        emit("denied", {"message": error.message})
        return
    me = current_participant(room)
    if me is None:
        emit("denied", {"message": "Je doet niet mee aan dit gesprek."})
        return
    for channel in (room.code, person_channel(me.id)):
        join_room(channel)
    # Coming online is a change like any other: this phone gets it too, as the next version.
    seen = room.version
    presence.connect(room, me, request.sid)
    version = data.get("version")
    if not isinstance(version, int) or version < seen:
        send_full(room, me, request.sid)


def on_disconnect(reason=None):
    presence.disconnect(request.sid)


TYPING_KEY = re.compile(r"^(nieuw|afspraak-\d{1,9}|notitie-[a-z0-9-]{1,40})$")


def on_typing(data):
    """{key}: this phone is typing in an afspraak or a note; the others see who."""
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(key, str) or not TYPING_KEY.match(key):
        return
    me = presence.participant_for_sid(request.sid)
    if me is not None:
        send_typing(me.room.code, key, me.name, request.sid)


def register(socketio) -> None:
    """Bind the handlers to this app's Socket.IO server (each create_app() makes a new one)."""
    socketio.on_event("join", on_join)
    socketio.on_event("typing", on_typing)
    socketio.on_event("disconnect", on_disconnect)
