"""The app on the server of SOCKETIO_ASYNC_MODE: for comparing async modes.

eventlet and gevent: exactly wsgi.py (it serves both, each on its own server). threading, which wsgi.py does not
serve: what wsgi.py does (create the app, start the background work, tune the garbage collector) on Werkzeug's
threaded server (`socketio.run`). Used by `bench/compare.py --server native`; not a way to run the app in
production.

    SOCKETIO_ASYNC_MODE=gevent DATABASE_URL=sqlite:////tmp/x.db .venv/bin/python bench/app_server.py
"""
import os
import sys

MODE = os.environ.get("SOCKETIO_ASYNC_MODE") or "eventlet"
sys.path.insert(0, os.getcwd())  # the app being measured: bench/compare.py runs this in its directory

if MODE in ("eventlet", "gevent"):
    import wsgi  # noqa: E402  (it monkey-patches for its mode before anything else is imported)

    serve = wsgi.serve
else:
    from webapp import create_app  # noqa: E402
    from webapp.domain.housekeeping import start_background_work  # noqa: E402
    from webapp.extensions import socketio  # noqa: E402
    from webapp.gc_tuning import tune_gc  # noqa: E402

    app = create_app()

    def serve() -> None:
        host, port = app.config["HOST"], app.config["PORT"]
        print(f"Stagegesprek ({MODE} on its own server) on http://{host}:{port}", flush=True)
        start_background_work(app)
        tune_gc()
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True, log_output=False)


if __name__ == "__main__":
    serve()
