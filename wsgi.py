"""Entry point: `python wsgi.py` serves the app and runs the mail sender and the housekeeping beside it. It serves on
eventlet, the default; with SOCKETIO_ASYNC_MODE=gevent on gevent, the way out once eventlet is no longer kept (the
live-server tests run on both). gunicorn serves the same `app` on gevent only (its eventlet worker is gone):
`SOCKETIO_ASYNC_MODE=gevent gunicorn -c gunicorn.conf.py wsgi:app`, whose config starts the mail sender and the
housekeeping in every worker (README, Production)."""
import os

ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or "eventlet"
if ASYNC_MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()
else:
    import eventlet

    eventlet.monkey_patch()

import socket  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.domain.housekeeping import start_background_work  # noqa: E402
from webapp.extensions import socketio  # noqa: E402
from webapp.gc_tuning import tune_gc  # noqa: E402

app = create_app()

# eventlet's defaults break a real deployment: at most 1,024 connections (the rest hang) and a
# listen backlog of 50 (connections dropped during a stall). gevent gets the same two.
MAX_CONNECTIONS = int(os.environ.get("MAX_CONNECTIONS", "10000"))
LISTEN_BACKLOG = int(os.environ.get("LISTEN_BACKLOG", "2048"))


def listen(host: str, port: int) -> socket.socket:
    listener = socket.socket()  # after monkey-patching: the async mode's own socket
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # No Nagle: eventlet.wsgi writes an answer over its 16 KB write buffer in two sends (the head, then the
    # body). Nagle holds the body back until the head is ACKed, and the client delays that ACK for 40 ms:
    # every answer over 16 KB (an htmx answer with the afspraken, the room page) took 40 ms longer. Accepted
    # sockets inherit the option from the listener (Linux, BSD), as gunicorn sets it on its own listeners.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind((host, port))
    listener.listen(LISTEN_BACKLOG)
    return listener


def serve() -> None:
    host, port = app.config["HOST"], app.config["PORT"]
    listener = listen(host, port)
    start_background_work(app)
    # Everything loaded so far lives as long as the process: keep it out of the garbage collector's
    # full collections, which otherwise pause every connection for hundreds of ms at a few thousand.
    tune_gc()
    print(f"Stagegesprek luistert op http://{host}:{port} ({socketio.async_mode})", flush=True)
    if ASYNC_MODE == "gevent":
        from gevent.pool import Pool
        from gevent.pywsgi import WSGIServer

        WSGIServer(listener, app, spawn=Pool(MAX_CONNECTIONS), log=None).serve_forever()
    else:
        import eventlet.wsgi

        eventlet.wsgi.server(listener, app, max_size=MAX_CONNECTIONS, log_output=False)


if __name__ == "__main__":
    serve()
