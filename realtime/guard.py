"""Per-connection budgets for every Socket.IO event, in one place (issue 10).

Why: one socket sending `join` with an old version 1,000 times a second made the server re-render a room
1,000 times a second and stalled every other room; `typing` went out to the other phones as often as it came
in. So every event a phone may send has a budget here, and `register()` is the only way handlers are bound:
an event without a budget does not start, an event nobody handles counts as flooding.

A budget is a token bucket per connection. An event over budget is dropped silently, and a drop costs one
token of the connection's FLOODING bucket; when that is empty too, the connection is closed. A phone running
static/app.js stays well inside its budgets, so it never loses an event, and other connections never notice.

A connection lives on one worker, so its state is kept in that process's memory, from `connect` to
`disconnect` (an event from a connection that is gone finds no state and is dropped, so nothing leaks).
"""
import threading
import time
from dataclasses import dataclass, field
from functools import wraps

from flask import current_app, request
from flask_socketio import disconnect


@dataclass(frozen=True)
class Budget:
    burst: float  # how many at once
    per_second: float  # how fast it fills up again


BUDGETS = {
    # A phone joins once per connect, and again only when it missed an update: app.js asks at most every 2 s.
    "join": Budget(burst=5, per_second=0.5),
    # app.js sends at most one every 2 s while someone types; a burst of 2 allows a network that bunches them.
    "typing": Budget(burst=2, per_second=1),
}
# Events over budget (or of an unknown name) a connection may send before it is closed: a phone has none.
FLOODING = Budget(burst=20, per_second=1)

clock = time.monotonic  # tests move time on by hand


class TokenBucket:
    def __init__(self, budget: Budget):
        self.budget = budget
        self.tokens = budget.burst
        self.updated = clock()

    def take(self) -> bool:
        now = clock()
        self.tokens = min(self.budget.burst, self.tokens + (now - self.updated) * self.budget.per_second)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class SocketState:
    """One live connection as this worker sees it; dropped at disconnect."""
    buckets: dict[str, TokenBucket] = field(default_factory=lambda: {e: TokenBucket(b) for e, b in BUDGETS.items()})
    flooding: TokenBucket = field(default_factory=lambda: TokenBucket(FLOODING))
    room_code: str | None = None  # the one room this connection follows (realtime/events.py)
    full_render_version: int | None = None  # the version its last whole screen was rendered for


_sockets: dict[str, SocketState] = {}
_lock = threading.Lock()  # handlers may run concurrently (threading mode, or one green thread per event)


def socket_state(sid: str) -> SocketState:
    """This connection's state; a connection that is already gone gets a fresh one that nobody keeps."""
    return _sockets.get(sid) or SocketState()


def register(socketio, handlers: dict, on_disconnect) -> None:
    """Bind `handlers` ({event: handler(payload)}) with their budgets, and the connection's life cycle."""
    for event, handler in handlers.items():
        if event not in BUDGETS:
            raise ValueError(f"Socket.IO event {event!r} has no budget in realtime/guard.py")
        socketio.on_event(event, _limited(event, handler))
    socketio.on_event("*", _unknown_event)
    socketio.on_event("connect", _opened)
    socketio.on_event("disconnect", _closing(on_disconnect))


def _limited(event: str, handler):
    @wraps(handler)
    def within_budget(*args):
        state = _sockets.get(request.sid)
        with _lock:
            allowed = state is not None and state.buckets[event].take()
        if allowed:
            # One payload per event: a missing one is None, extra arguments are ignored.
            return handler(args[0] if args else None)
        if state is not None:
            _dropped(state)
    return within_budget


def _unknown_event(_event, *_args):
    state = _sockets.get(request.sid)
    if state is not None:
        _dropped(state)


def _dropped(state: SocketState) -> None:
    with _lock:
        flooding = not state.flooding.take()
    if flooding and _sockets.pop(request.sid, None) is not None:
        current_app.logger.warning("Socket.IO connection %s kept flooding; closed", request.sid)
        disconnect()


def _opened(_auth=None):
    _sockets[request.sid] = SocketState()


def _closing(on_disconnect):
    @wraps(on_disconnect)
    def closed(*args):
        _sockets.pop(request.sid, None)
        return on_disconnect(*args)
    return closed
