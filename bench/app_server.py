"""The app as wsgi.py serves it, but on the server of SOCKETIO_ASYNC_MODE: for comparing async modes.

wsgi.py monkey-patches eventlet and serves with eventlet's WSGI server whatever SOCKETIO_ASYNC_MODE says. To
measure the app on gevent and threading as they would be deployed, this does what wsgi.py does (create the
app, start the background work, tune the garbage collector, serve on HOST:PORT without Nagle's delay) with
the mode's own server: gevent monkey-patched with gevent.pywsgi (a pool of MAX_CONNECTIONS, LISTEN_BACKLOG),
threading with Werkzeug's threaded server (`socketio.run`), eventlet with eventlet's (exactly wsgi.py). Used by
`bench/compare.py --server native`; not a way to run the app in production.

    SOCKETIO_ASYNC_MODE=gevent DATABASE_URL=sqlite:////tmp/x.db .venv/bin/python bench/app_server.py
"""
import os
import sys

MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or "eventlet"
if MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
elif MODE == "gevent":
    from gevent import monkey

    monkey.patch_all()

import socket  # noqa: E402

sys.path.insert(0, os.getcwd())  # the app being measured: bench/compare.py runs this in its directory
from webapp import create_app  # noqa: E402
from webapp.domain.housekeeping import start_background_work  # noqa: E402
from webapp.extensions import socketio  # noqa: E402
from webapp.gc_tuning import tune_gc  # noqa: E402

app = create_app()
MAX_CONNECTIONS = int(os.environ.get("MAX_CONNECTIONS", "10000"))
LISTEN_BACKLOG = int(os.environ.get("LISTEN_BACKLOG", "2048"))


def serve() -> None:
    host, port = app.config["HOST"], app.config["PORT"]
    print(f"Stagegesprek ({MODE} on its own server) on http://{host}:{port}", flush=True)
    if MODE == "eventlet":
        import eventlet.wsgi

        listener = eventlet.listen((host, port), backlog=LISTEN_BACKLOG)
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        start_background_work(app)
        tune_gc()
        eventlet.wsgi.server(listener, app, max_size=MAX_CONNECTIONS, log_output=False)
    elif MODE == "gevent":
        from gevent import socket as gevent_socket
        from gevent.pool import Pool
        from gevent.pywsgi import WSGIServer

        listener = gevent_socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        listener.bind((host, port))
        listener.listen(LISTEN_BACKLOG)
        server = WSGIServer(listener, app, spawn=Pool(MAX_CONNECTIONS), log=None)
        start_background_work(app)
        tune_gc()
        server.serve_forever()
    else:
        start_background_work(app)
        tune_gc()
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False)


if __name__ == "__main__":
    serve()
