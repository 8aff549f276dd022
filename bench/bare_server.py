"""A bare Flask-SocketIO broadcast server on Stagegesprek's protocol: the baseline for bench/compare.py.

The same HTTP routes and Socket.IO events as the app, as far as bench/load.py uses them, and nothing else:
no database, no templates, no sessions. Rooms live in a dict; a phone is a cookie.

- `GET /`: a page with a `csrf_token` field (and the phone's cookie);
- `POST /rooms` (`name`, `role`, `csrf_token`): a new room, 303 to `/r/<CODE>`;
- `GET /r/<CODE>`: the join form for a stranger, the room page (`hx-headers` with `X-CSRFToken`,
  `data-version`) for a deelnemer;
- `POST /r/<CODE>/join` (`name`, `role`, `csrf_token`): 303 to the room;
- `GET /r/<CODE>/state.json`: `{code, version, phase, phases: [{id}]}`;
- `POST /r/<CODE>/phase` (`phase`, header `X-CSRFToken`): the version goes up by one and the room's phones get
  `update {version, fragments: {"fase": "<small html>"}}` (one emit to the room's channel, so the actor's
  own phone gets it too, as in the app); the answer is a small fragment with `X-Room-Version`;
- Socket.IO `join {code, version}`: the connection enters the room's channel; a phone that is behind gets
  `update {version, fragments, full: true}`; anyone else gets `denied`.

Served as wsgi.py serves the app: eventlet monkey-patched, eventlet's own WSGI server with MAX_CONNECTIONS and
LISTEN_BACKLOG, Flask-SocketIO in SOCKETIO_ASYNC_MODE (eventlet by default), `gc.freeze()` before serving.
With BARE_SERVER=native the mode's own server instead, as bench/app_server.py serves the app: gevent
monkey-patched with gevent.pywsgi (the same pool size and backlog), threading with Werkzeug's threaded server
(as `socketio.run` does), eventlet as above. REDIS_URL makes Redis the message queue (channel BARE_CHANNEL), as
in the app's several-worker setup. HOST, PORT, SOCKETIO_PING_INTERVAL and SOCKETIO_PING_TIMEOUT as for the app.

    SOCKETIO_ASYNC_MODE=eventlet PORT=5001 .venv/bin/python bench/bare_server.py
"""
import os

MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or "eventlet"
SERVER = "eventlet" if os.environ.get("BARE_SERVER", "wsgi") == "wsgi" else MODE
if SERVER == "eventlet":
    import eventlet

    eventlet.monkey_patch()
elif SERVER == "gevent":
    from gevent import monkey

    monkey.patch_all()

import gc  # noqa: E402
import html  # noqa: E402
import itertools  # noqa: E402
import secrets  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from flask import Flask, abort, jsonify, make_response, redirect, request  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "5001"))
MAX_CONNECTIONS = int(os.environ.get("MAX_CONNECTIONS", "10000"))
LISTEN_BACKLOG = int(os.environ.get("LISTEN_BACKLOG", "2048"))
PHASES = ["kennismaken", "voorbereiden", "bespreken", "afspreken"]
ROLES = {"student", "stagedocent", "praktijkopleider"}
COOKIE = "phone"


@dataclass
class Phone:
    csrf: str
    code: str | None = None
    name: str = ""
    role: str = ""


@dataclass
class Room:
    code: str
    version: int = 1
    phase: str = PHASES[0]
    people: list = field(default_factory=list)  # phone tokens

    def fase(self) -> str:
        return (f'<section id="fase" data-status="open"><h2>Fase</h2><p class="activity">Nu: '
                f'{html.escape(self.phase)} (versie {self.version})</p></section>')


phones: dict[str, Phone] = {}
rooms: dict[str, Room] = {}
_codes = itertools.count(100000)

app = Flask(__name__)
socketio = SocketIO(
    app,
    async_mode=MODE,
    message_queue=os.environ.get("REDIS_URL") or None,
    channel=os.environ.get("BARE_CHANNEL", "bare-bench"),
    ping_interval=int(os.environ.get("SOCKETIO_PING_INTERVAL", "10")),
    ping_timeout=int(os.environ.get("SOCKETIO_PING_TIMEOUT", "10")),
    manage_session=False,
)


def phone_of_request() -> tuple[str, Phone]:
    token = request.cookies.get(COOKIE)
    if token in phones:
        return token, phones[token]
    token = secrets.token_urlsafe(16)
    phones[token] = Phone(csrf=secrets.token_urlsafe(16))
    return token, phones[token]


def page(token: str, body: str, status: int = 200):
    response = make_response(f"<!doctype html><html><body>{body}</body></html>", status)
    response.set_cookie(COOKIE, token, httponly=True, samesite="Lax")
    return response


def form(token: str, phone: Phone, action: str):
    return page(token, f'<form method="post" action="{action}"><input type="hidden" name="csrf_token" '
                       f'value="{phone.csrf}"><input name="name"><select name="role"></select></form>')


def seat(token: str, phone: Phone, room: Room):
    if request.form.get("csrf_token") != phone.csrf:
        abort(400)
    if request.form.get("role") not in ROLES or phone.code not in (None, room.code):
        abort(400)
    phone.code, phone.name, phone.role = room.code, request.form.get("name", ""), request.form["role"]
    if token not in room.people:
        room.people.append(token)
    response = redirect(f"/r/{room.code}", code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="Lax")
    return response


@app.get("/")
def home():
    token, phone = phone_of_request()
    return form(token, phone, "/rooms")


@app.post("/rooms")
def start():
    token, phone = phone_of_request()
    room = Room(code=f"B{next(_codes)}")
    rooms[room.code] = room
    return seat(token, phone, room)


@app.get("/r/<code>")
def room_page(code):
    room = rooms.get(code) or abort(404)
    token, phone = phone_of_request()
    if phone.code != code:
        return form(token, phone, f"/r/{code}/join")
    return page(token, f'<div hx-headers=\'{{"X-CSRFToken": "{phone.csrf}"}}\'><main id="room" '
                       f'data-code="{code}" data-version="{room.version}">{room.fase()}</main></div>')


@app.post("/r/<code>/join")
def join_form(code):
    room = rooms.get(code) or abort(404)
    token, phone = phone_of_request()
    return seat(token, phone, room)


def deelnemer(code: str) -> tuple[Room, Phone]:
    room = rooms.get(code) or abort(404)
    phone = phones.get(request.cookies.get(COOKIE))
    if phone is None or phone.code != code:
        abort(404)
    return room, phone


@app.get("/r/<code>/state.json")
def state(code):
    room, _ = deelnemer(code)
    return jsonify({"code": code, "version": room.version, "phase": room.phase,
                    "phases": [{"id": phase} for phase in PHASES]})


@app.post("/r/<code>/phase")
def set_phase(code):
    room, phone = deelnemer(code)
    if request.headers.get("X-CSRFToken") != phone.csrf:
        abort(400)
    if phone.role not in ("student", "stagedocent") or request.form.get("phase") not in PHASES:
        abort(400)
    room.phase, room.version = request.form["phase"], room.version + 1
    fragment = room.fase()
    socketio.emit("update", {"version": room.version, "fragments": {"fase": fragment}}, to=code)
    response = make_response(f'<hx-partial hx-target="#fase">{fragment}</hx-partial>')
    response.headers["X-Room-Version"] = str(room.version)
    return response


@socketio.on("join")
def on_join(data):
    data = data if isinstance(data, dict) else {}
    room = rooms.get(str(data.get("code") or ""))
    phone = phones.get(request.cookies.get(COOKIE))
    if room is None or phone is None or phone.code != room.code:
        emit("denied", {"message": "Je doet niet mee aan dit gesprek."})
        return
    join_room(room.code)
    version = data.get("version")
    if not isinstance(version, int) or version < room.version:
        emit("update", {"version": room.version, "fragments": {"fase": room.fase()}, "full": True})


def serve() -> None:
    print(f"bare server ({MODE} on {SERVER}'s server) on http://{HOST}:{PORT}", flush=True)
    if SERVER == "eventlet":
        import eventlet.wsgi

        listener = eventlet.listen((HOST, PORT), backlog=LISTEN_BACKLOG)
        gc.freeze()
        eventlet.wsgi.server(listener, app, max_size=MAX_CONNECTIONS, log_output=False)
    elif SERVER == "gevent":
        from gevent.pool import Pool
        from gevent.pywsgi import WSGIServer

        server = WSGIServer((HOST, PORT), app, spawn=Pool(MAX_CONNECTIONS), backlog=LISTEN_BACKLOG, log=None)
        gc.freeze()
        server.serve_forever()
    else:
        gc.freeze()
        socketio.run(app, host=HOST, port=PORT, allow_unsafe_werkzeug=True, log_output=False)


if __name__ == "__main__":
    serve()
