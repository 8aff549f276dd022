"""Garbage collection for a serving process that holds thousands of sockets.

CPython collects the youngest generation every THRESHOLDS[0] net new container objects; what is alive then
moves on, and a full collection scans everything old. A server is full of objects that are alive only while
a request runs (a change is a few hundred), so with the default threshold (700) a collection catches many of
them alive and promotes them; they pile up in the old generation and trigger full collections, each of which
scans every live object: with 3,000 sockets about half a million, 350-390 ms during which no socket is served.

- `gc.freeze()` moves what is alive into a generation that is never scanned: once at start-up (the app, its
  content, the libraries) and once more after warm-up (the caches the first requests fill: compiled templates,
  SQL statements, URL shapes). A full collection then scans only what came after. (Frozen objects are never
  collected: cyclic garbage among them is kept. Freezing after warm-up keeps at most what is alive then.)
- A higher first threshold makes young collections rarer, so far fewer request objects are caught alive and
  promoted: full collections become rare. The young collections get larger, but they stay short.

The figures behind THRESHOLDS are in bench/RESULTS.md ("Render cost after issue 13").
"""
import gc
import threading

THRESHOLDS = (10_000, 10, 100)
WARM_UP_SECONDS = 60.0


def tune_gc(warm_up_seconds: float | None = WARM_UP_SECONDS, thresholds: tuple[int, ...] = THRESHOLDS) -> None:
    """Call once in each serving process, once the app is loaded and its background work started (wsgi.py's
    serve(), gunicorn's post_worker_init): freeze what start-up made, set the thresholds, and freeze again
    after warm-up (a timer; green under eventlet). `warm_up_seconds=None`: no second freeze."""
    gc.collect()  # nothing that is already garbage goes into the frozen generation
    gc.freeze()
    gc.set_threshold(*thresholds)
    if warm_up_seconds:
        timer = threading.Timer(warm_up_seconds, freeze_warm)
        timer.daemon = True
        timer.start()


def freeze_warm() -> None:
    """After warm-up: what the first requests filled in (caches) lives as long as the process. Only the young
    generations are collected first: a full collection now, with the sockets in, would pause every one of them
    (about 110 ms at 900 sockets); what little old garbage there is gets frozen with the rest, once."""
    gc.collect(1)
    gc.freeze()
