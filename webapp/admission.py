"""Admission control: past the knee, a process refuses newcomers so the conversations it already serves go on.

Why: every process serves its phones from one event loop. When more work arrives than the loop can do, every
answer and every push waits, for everyone: pings go unanswered, phones drop and reconnect, which is more work
still (a disconnect storm), and changes arrive too late to count. So when this process is busy, it serves only
the conversations it already holds: a request is served when its URL is a conversation this browser has a
seat in, a static file or the health check; every other one (the start page, starting or joining a
conversation, a welkom link, Mijn gesprekken, a verslag link, /verder into a vervolggesprek) gets a 503 with
Retry-After and a Dutch message, before any other work is done for it.

Busy is one of two signals of this process, read where they are kept, not counted on the side:
- the event loop's lag: a background task sleeps a short tick and notes how late it wakes (LoopLag);
- the sockets with a seat: those whose `join` found this cookie's seat (realtime/guard.py keeps every
  connection's state). Not every engine.io socket: anyone makes one for free with a handshake without a cookie,
  and 650 of those in 0.7 s made this process refuse every newcomer for the 20 s they lived (issue 18). A
  seat is what a newcomer cannot make for free; new sockets per address have a budget in guard.py as well.

Sockets are never refused for being busy (only past their address's budget, guard.py). Socket.IO's requests
never reach Flask's before_request (engine.io's middleware answers /socket.io/ itself), and a socket is worth
nothing until `join` in realtime/events.py has checked that its cookie holds a seat in the room. A seated phone
that lost its network must always come back: refusing its reconnect would turn a slow moment into the
disconnect storm this module is here to prevent.
"""
import itertools
import threading
import time
from collections import deque

from flask import Flask, current_app, make_response, request

from realtime.guard import seated_sockets
from webapp.errors import error_response
from webapp.extensions import socketio
from webapp.identity import seated_for_this_code

BUSY = "Het is nu erg druk. Probeer het over een halve minuut opnieuw. Gesprekken die al bezig zijn, gaan gewoon door."
RETRY_AFTER_SECONDS = 30
# Served whatever the load: static files (a seated phone's page needs them), and the health check, because a
# load balancer or orchestrator that saw it fail would take the process out or restart it, dropping every
# conversation on it at once.
ALWAYS_SERVED = {"static", "main.healthz"}

TICK_SECONDS = 0.1
# The monitor notes the load itself once a second, not on every tick: counting the seated sockets walks every
# connection of the process (1.6% of its CPU at 900 sockets, every tick), and a line in the log a second late says
# the same. A request that asks counts them then.
NOTE_EVERY_TICKS = 10
WINDOW_SECONDS = 2.0
# The figure is the 90th percentile of the wakes in the window, taking the lower one between ranks. A healthy
# loop wakes about 20 times in 2 s: one or two late wakes (a garbage collection, one slow render) are
# ignored, and whenever there are two wakes or more the worst one always is. When every wake is late, late
# wakes are more than a tenth of those in the window within about a second, so the figure rises within 1-2 s;
# once the loop is quick again they are outnumbered or leave the window, and it falls back within 2 s.
PERCENTILE = 0.9


class LoopLag:
    """How late the event loop wakes a task that sleeps TICK_SECONDS, over the last WINDOW_SECONDS (in threading
    mode: how long the other threads kept it waiting). The clock is injectable, so the arithmetic is tested
    without sleeping. One per process, woken by one monitor."""

    def __init__(self, tick: float = TICK_SECONDS, window: float = WINDOW_SECONDS, clock=time.monotonic):
        self.tick, self.window, self.clock = tick, window, clock
        self.last_wake: float | None = None
        self.wakes: deque[tuple[float, float]] = deque()  # (when, seconds late)
        self.lock = threading.Lock()  # request threads read while the monitor writes (threading mode)

    def woke(self) -> None:
        """The monitor woke from its sleep of one tick."""
        now = self.clock()
        with self.lock:
            if self.last_wake is not None:
                self.wakes.append((now, max(0.0, now - self.last_wake - self.tick)))
            self.last_wake = now
            while self.wakes and self.wakes[0][0] <= now - self.window:
                self.wakes.popleft()

    def ms(self) -> float:
        """The smoothed lag in milliseconds; 0 while no monitor runs."""
        now = self.clock()
        with self.lock:
            lags = [late for when, late in self.wakes if when > now - self.window]
            # A wake that is overdue counts too: a loop so busy that the monitor has not woken for the whole
            # window is the busiest of all, not an idle one.
            if self.last_wake is not None and now - self.last_wake > self.tick:
                lags.append(now - self.last_wake - self.tick)
        if not lags:
            return 0.0
        lags.sort()
        return lags[int(PERCENTILE * (len(lags) - 1))] * 1000


loop_lag = LoopLag()
_busy_since: float | None = None
_busy_lock = threading.Lock()


def busy() -> str | None:
    """Why this process takes no newcomers now, or None when it does."""
    config = current_app.config
    lag_ms, sockets = loop_lag.ms(), seated_sockets()
    if lag_ms > config["ADMISSION_MAX_LAG_MS"]:
        reason = f"the event loop wakes {lag_ms:.0f} ms late (ADMISSION_MAX_LAG_MS {config['ADMISSION_MAX_LAG_MS']})"
    elif sockets >= config["ADMISSION_MAX_SOCKETS"]:
        reason = f"{sockets} seated sockets (ADMISSION_MAX_SOCKETS {config['ADMISSION_MAX_SOCKETS']})"
    else:
        reason = None
    _log_change(reason)
    return reason


def _log_change(reason: str | None) -> None:
    """One line when the process becomes busy and one when it is no longer, however many requests ask."""
    global _busy_since
    with _busy_lock:
        if (reason is None) == (_busy_since is None):
            return
        if reason is not None:
            _busy_since = time.monotonic()
            current_app.logger.warning("busy: new conversations and joins are refused; %s", reason)
        else:
            current_app.logger.warning("no longer busy after %.0f s: newcomers are served again",
                                       time.monotonic() - _busy_since)
            _busy_since = None


def watch_load(app: Flask) -> None:
    """The load monitor, one per process (webapp/domain/housekeeping.py starts it): wakes every tick and notes how
    late; once a second it notes when busy starts or ends, also when no request comes to ask."""
    for tick in itertools.count(1):
        socketio.sleep(TICK_SECONDS)
        loop_lag.woke()
        if tick % NOTE_EVERY_TICKS:
            continue
        # The monitor must outlive any failure: without it, its last wake grows overdue and the process would
        # stay busy for good.
        try:
            with app.app_context():
                busy()
        except Exception:
            app.logger.exception("load monitor: checking the load failed")


def refuse_newcomers_when_busy():
    """The rule: when busy, only a conversation this browser has a seat in is served (and ALWAYS_SERVED). A seated
    phone's request is served without asking whether the process is busy: counting the seated sockets walks every
    connection of the process, and the answer would not matter."""
    if request.endpoint in ALWAYS_SERVED or seated_for_this_code() or busy() is None:
        return None
    response = make_response(error_response(BUSY, 503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    """Register the rule. Call it before any other extension adds a before_request hook (CSRF, rate limits):
    a refused newcomer then costs nothing more, and uses up none of their budgets."""
    app.before_request(refuse_newcomers_when_busy)
