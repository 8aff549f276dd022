"""gunicorn settings for Stagegesprek: `SOCKETIO_ASYNC_MODE=gevent gunicorn -c gunicorn.conf.py wsgi:app` (gunicorn
also reads this file by itself when started from the repository root; from an installed wheel, give its path and
`'webapp:create_app()'` as the app).

gunicorn serves the app on gevent: its eventlet worker is gone since gunicorn 26, so eventlet, the default, is
served by `python wsgi.py` (README, "Which async mode"). Every worker runs the app and its own mail sender and
housekeeping, as `python wsgi.py` does (webapp/domain/housekeeping.py): senders claim a message before they send it,
so several of them never send one twice. Settings come from the same environment variables as `python wsgi.py`
(see README); options on gunicorn's command line override them.
"""
import os

# Flask-SocketIO must use gevent under the gevent worker (on its own it would pick eventlet, which is installed too):
# set here, in the master, so every worker it forks inherits it. Any other mode cannot run in this worker.
ASYNC_MODE = os.environ["SOCKETIO_ASYNC_MODE"] = os.environ.get("SOCKETIO_ASYNC_MODE") or "gevent"
if ASYNC_MODE != "gevent":
    raise SystemExit(f"gunicorn.conf.py runs gunicorn's gevent worker, not SOCKETIO_ASYNC_MODE={ASYNC_MODE}: "
                     "unset it or set it to gevent (python wsgi.py serves eventlet)")

# gevent's own worker, as Flask-SocketIO's deployment docs say (`gunicorn -k gevent -w 1`); websockets go through
# simple-websocket on gunicorn's socket, so gevent-websocket's worker is not needed. gunicorn's load balancing between
# workers is not sticky, and Socket.IO's long-polling needs sticky sessions: run one worker per process, several
# processes behind a balancer.
worker_class = "gevent"
workers = 1

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# The same limits as python wsgi.py: gunicorn's default of 1,000 connections per worker is too few (the rest wait),
# and its listen backlog drops connections during a stall.
worker_connections = int(os.environ.get("MAX_CONNECTIONS", "10000"))
backlog = int(os.environ.get("LISTEN_BACKLOG", "2048"))
# No 40 ms stall on answers over 16 KB here (see wsgi.py): gunicorn sets TCP_NODELAY on its own listeners, and
# accepted sockets inherit it.


def post_worker_init(worker):
    """Start the background work (mail sender, housekeeping) in this worker, next to the app it serves: after gevent
    has patched the worker, so the sender runs as a greenlet beside the requests."""
    from flask import Flask

    from webapp.domain.housekeeping import start_background_work
    from webapp.extensions import socketio
    from webapp.gc_tuning import tune_gc

    if not isinstance(worker.wsgi, Flask):  # e.g. gunicorn's error app after a failed reload
        worker.log.warning("Stagegesprek: no mail sender in worker %s: %r is not the Flask app",
                           worker.pid, worker.wsgi)
        return
    start_background_work(worker.wsgi)
    tune_gc()  # see webapp/gc_tuning.py: keep start-up objects out of full collections, and rare
    worker.log.info("Stagegesprek: mail sender started in worker %s (%s)", worker.pid, socketio.async_mode)
