"""Budgets for every Socket.IO event and for new sockets, per connection and per client address, in one place.

Why: one socket sending `join` with an old version 1,000 times a second made the server re-render a room
1,000 times a second and stalled every other room; `typing` went out to the other phones as often as it came
in. So every event a phone may send has a budget here, and `register()` is the only way handlers are bound:
an event without a budget does not start, an event nobody handles counts as flooding.

A budget is a token bucket per connection (issue 10). An event over budget is dropped silently, and a drop
costs one token of the connection's FLOODING bucket; when that is empty too, the connection is closed. A phone
running static/app.js stays well inside its budgets, so it never loses an event, and other connections never
notice.

A connection lives on one worker, so its state is kept in that process's memory, from `connect` to
`disconnect` (an event from a connection that is gone finds no state and is dropped, so nothing leaks).
That state is also the one place that says which sockets have a seat (`seated_sockets`, for admission control).

Budgets per connection are refreshed by connecting again, so what a reconnecting client could repeat has a
budget per client address too (issue 18), shared by every connection from that address: new sockets (an
engine.io handshake, refused with a 429 before engine.io makes a socket; `limit_new_sockets`) and `typing`.
They are sized for a school behind one address, where 30 phones join at once and all reconnect after a network
blip. They are kept per process too: a connection lives on one process, and the sample nginx configuration
sends all of one address to the same process (`ip_hash`). An address's buckets are forgotten once they have
filled up again, which changes nothing (a full bucket is a new one), so only addresses active in the last few
seconds take memory.
"""
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import wraps
from urllib.parse import parse_qs

from flask import Flask, current_app, request
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
# Per client address, across all its connections. New sockets: HANDSHAKE_ADDRESS_BURST and _PER_SECOND in the
# config. Typing: one every 2 s from each of 10 people typing at once behind one address; past that only some
# "is aan het typen" hints are lost, so the budget is small, and running over it never counts as flooding.
ADDRESS_BUDGETS = {
    "typing": Budget(burst=10, per_second=5),
}
TOO_MANY_SOCKETS = "Te veel nieuwe verbindingen vanaf dit adres. Probeer het zo opnieuw."

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

    def full(self, now: float) -> bool:
        """Filled up again since it was last used: the same as a new bucket."""
        return self.tokens + (now - self.updated) * self.budget.per_second >= self.budget.burst


class AddressBudgets:
    """A token bucket per (client address, what) for this process; buckets that filled up again are forgotten."""

    def __init__(self, budgets: dict[str, Budget]):
        self.budgets = budgets
        self.buckets: dict[tuple[str, str], TokenBucket] = {}
        self.swept = clock()
        self.lock = threading.Lock()  # the WSGI middleware and the event handlers take from the same buckets

    def take(self, address: str, what: str) -> bool:
        with self.lock:
            now = clock()
            if now - self.swept >= 1:  # at most once a second: the sweep walks every bucket
                self.buckets = {key: bucket for key, bucket in self.buckets.items() if not bucket.full(now)}
                self.swept = now
            bucket = self.buckets.get((address, what))
            if bucket is None:
                bucket = self.buckets[(address, what)] = TokenBucket(self.budgets[what])
            return bucket.take()


@dataclass
class SocketState:
    """One live connection as this worker sees it; dropped at disconnect."""
    buckets: dict[str, TokenBucket] = field(default_factory=lambda: {e: TokenBucket(b) for e, b in BUDGETS.items()})
    flooding: TokenBucket = field(default_factory=lambda: TokenBucket(FLOODING))
    address: str = ""  # the client's address (client_address), for the budgets per address
    room_code: str | None = None  # the one room this connection follows: set once `join` found its seat
    seat: int | None = None  # the deelnemer whose seat that is
    full_render_version: int | None = None  # the version its last whole screen was rendered for


_lock = threading.Lock()  # handlers may run concurrently (threading mode, or one green thread per event)


def _sockets() -> dict[str, SocketState]:
    """The live connections of this app's Socket.IO server, sid -> state (one app per process; tests make many)."""
    return current_app.extensions["socket_states"]


def socket_state(sid: str) -> SocketState:
    """This connection's state; a connection that is already gone gets a fresh one that nobody keeps."""
    return _sockets().get(sid) or SocketState()


# A person has a phone, perhaps a laptop and a second tab: past this many sockets one seat counts no further, so
# one cookie opening hundreds of sockets cannot make the process busy for everyone new.
SOCKETS_PER_SEAT = 3


def seated_sockets() -> int:
    """The live sockets of this process that have a seat, at most SOCKETS_PER_SEAT per seat: a bare engine.io socket
    costs nothing to make (a handshake without a cookie), a seat does. list() copies the states at once, while
    handlers add and drop."""
    per_seat = Counter(state.seat for state in list(_sockets().values()) if state.seat is not None)
    return sum(min(count, SOCKETS_PER_SEAT) for count in per_seat.values())


def client_address(environ: dict) -> str:
    """The client's address, as the rate limits see it: behind TRUSTED_PROXIES, ProxyFix (the outermost
    middleware, see create_app) has put the client's own in REMOTE_ADDR."""
    return environ.get("REMOTE_ADDR") or ""


def init_app(app: Flask) -> None:
    """This app's connections and budgets per address, and the budget on new sockets in front of engine.io. Call
    it after Socket.IO's init_app (whose middleware this wraps) and before ProxyFix (which must wrap this)."""
    budgets = AddressBudgets({
        "socket": Budget(burst=app.config["HANDSHAKE_ADDRESS_BURST"],
                         per_second=app.config["HANDSHAKE_ADDRESS_PER_SECOND"]),
        **ADDRESS_BUDGETS,
    })
    app.extensions["address_budgets"] = budgets
    app.extensions["socket_states"] = {}
    app.wsgi_app = limit_new_sockets(app.wsgi_app, budgets, app.extensions["socketio"].sockio_mw.engineio_path)


def limit_new_sockets(wsgi_app, budgets: AddressBudgets, engineio_path: str):
    """A handshake (a request to engine.io without a `sid`, polling or websocket) over its address's budget gets
    a 429 before engine.io makes a socket. This is WSGI middleware because engine.io answers /socket.io/ itself:
    these requests never reach Flask's before_request. Requests of a socket that exists carry its `sid` and pass."""
    def limited(environ, start_response):
        if (environ.get("PATH_INFO", "").startswith(engineio_path)
                and "sid" not in parse_qs(environ.get("QUERY_STRING", ""))  # read as engine.io reads it
                and not budgets.take(client_address(environ), "socket")):
            body = TOO_MANY_SOCKETS.encode()
            start_response("429 Too Many Requests", [("Content-Type", "text/plain; charset=utf-8"),
                                                     ("Content-Length", str(len(body))), ("Retry-After", "1")])
            return [body]
        return wsgi_app(environ, start_response)
    return limited


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
        state = _sockets().get(request.sid)
        with _lock:
            allowed = state is not None and state.buckets[event].take()
        if not allowed:
            if state is not None:
                _dropped(state)
            return None
        # Within the connection's budget but over its address's: dropped, never counted as flooding, since the
        # address may be a whole school's.
        if event in ADDRESS_BUDGETS and not current_app.extensions["address_budgets"].take(state.address, event):
            return None
        # One payload per event: a missing one is None, extra arguments are ignored.
        return handler(args[0] if args else None)
    return within_budget


def _unknown_event(_event, *_args):
    state = _sockets().get(request.sid)
    if state is not None:
        _dropped(state)


def _dropped(state: SocketState) -> None:
    with _lock:
        flooding = not state.flooding.take()
    if flooding and _sockets().pop(request.sid, None) is not None:
        current_app.logger.warning("Socket.IO connection %s kept flooding; closed", request.sid)
        disconnect()


def _opened(_auth=None):
    _sockets()[request.sid] = SocketState(address=client_address(request.environ))


def _closing(on_disconnect):
    @wraps(on_disconnect)
    def closed(*args):
        _sockets().pop(request.sid, None)
        return on_disconnect(*args)
    return closed
