"""Socket.IO handlers: a phone joins its room's channels, and its presence is kept live.

Every handler is bound through realtime/guard.py, which gives each event its budget per connection. One
connection follows one room (a page is one room). `join` answers the same `denied` for a code we do not know,
an expired room and a room this cookie is not in, so the socket tells nothing about which codes exist.
"""
import re

from flask import request
from flask_socketio import emit, join_room

from realtime import guard
from realtime.broadcast import person_channel, send_typing
from realtime.sync import send_full
from webapp.domain import codes, presence, rooms
from webapp.domain.refusals import RoomError
from webapp.identity import current_participant

DENIED = "Je doet niet mee aan dit gesprek."


def on_join(data):
    """{code, version}: bind this connection to the cookie's participant and catch up if behind."""
    data = data if isinstance(data, dict) else {}
    socket = guard.socket_state(request.sid)
    code = codes.normalize(str(data.get("code") or "")[:32])
    # A second room on the same connection is refused rather than swapped in: app.js never asks for one, and
    # leaving the first room would be a change there (presence) that nobody asked for.
    if not code or socket.room_code not in (None, code):
        emit("denied", {"message": DENIED})
        return
    try:
        room = rooms.find_room(code)
    except RoomError:
        room = None
    me = current_participant(room) if room else None
    if me is None:
        emit("denied", {"message": DENIED})
        return
    socket.room_code, socket.seat = room.code, me.id
    for channel in (room.code, person_channel(me.id)):
        join_room(channel)
    # Coming online is a change like any other: this phone gets it too, as the next version.
    seen = room.version
    presence.connect(room, me, request.sid)
    version = data.get("version")
    behind = not isinstance(version, int) or version < seen
    # A whole screen at most once per connection per version: asking again gets nothing new.
    if behind and socket.full_render_version != room.version:
        socket.full_render_version = room.version
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
    guard.register(socketio, {"join": on_join, "typing": on_typing}, on_disconnect=on_disconnect)
