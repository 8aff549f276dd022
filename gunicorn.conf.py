"""gunicorn settings for Stagegesprek: `gunicorn -c gunicorn.conf.py wsgi:app` (gunicorn also reads this
file by itself when started from the repository root).

Every worker runs the app and its own mail sender (webapp.outbox): senders claim a message before they
send it, so several of them never send one twice. Settings come from the same environment variables as
`python wsgi.py` (see README); options on gunicorn's command line override them.
"""
import os

# Flask-SocketIO on eventlet. gunicorn's load balancing between workers is not sticky, and Socket.IO's
# long-polling needs sticky sessions: run one worker per process, several processes behind a balancer.
worker_class = "eventlet"
workers = 1

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# eventlet's defaults break a real deployment: too few connections per worker (gunicorn's default is
# 1,000; the rest wait) and a listen backlog that drops connections during a stall.
worker_connections = int(os.environ.get("MAX_CONNECTIONS", "10000"))
backlog = int(os.environ.get("LISTEN_BACKLOG", "2048"))
# No 40 ms stall on answers over 16 KB here (see wsgi.py): gunicorn sets TCP_NODELAY on its own listeners, and
# its eventlet worker writes answers itself rather than through eventlet.wsgi (bench/transport.py --server gunicorn).


def post_worker_init(worker):
    """Start the background work (mail sender, housekeeping) in this worker, next to the app it serves."""
    from flask import Flask

    from webapp.domain.housekeeping import start_background_work
    from webapp.gc_tuning import tune_gc

    if not isinstance(worker.wsgi, Flask):  # e.g. gunicorn's error app after a failed reload
        worker.log.warning("Stagegesprek: no mail sender in worker %s: %r is not the Flask app",
                           worker.pid, worker.wsgi)
        return
    start_background_work(worker.wsgi)
    tune_gc()  # see webapp/gc_tuning.py: keep start-up objects out of full collections, and rare
    worker.log.info("Stagegesprek: mail sender started in worker %s", worker.pid)
