"""Stagegesprek: the app factory."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp import resources
from webapp.config import Config
from webapp.extensions import compress, csrf, db, limiter, mail, migrate, socketio
from webapp.presentation.templating import GlobalsOnceEnvironment


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=resources.folder("templates"),
        static_folder=resources.folder("static"),
    )
    app.jinja_environment = GlobalsOnceEnvironment  # before anything makes app.jinja_env
    os.makedirs(app.instance_path, mode=0o700, exist_ok=True)  # the database, the secret key, mail as files
    app.config.from_mapping(Config(app.instance_path).as_dict())
    if test_config:
        app.config.from_mapping(test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=resources.folder("migrations"), render_as_batch=True)
    from webapp import admission, origin
    origin.init_app(app)  # the first before_request hook: a request for a Host that is not ours is refused
    admission.init_app(app)  # then a busy process refuses a newcomer before all else
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    _init_compression(app)
    _init_socketio(app)
    if not app.config.get("WEBSOCKET_COMPRESSION", False):
        app.wsgi_app = _without_websocket_compression(app.wsgi_app)

    from webapp import database, errors, identity, security, workers
    from webapp.domain import content, housekeeping, outbox
    from webapp.presentation import templating
    from webapp.views import main, mine, pages, records, room
    app.session_interface = identity.SessionRenewedHourly()  # signed and sent when it changed, or hourly
    workers.init_app(app)
    content.init_app(app)  # raises on broken content: the app refuses to start
    database.init_app(app)
    housekeeping.init_app(app)  # flask purge
    outbox.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    for blueprint in (main.bp, pages.bp, room.bp, records.bp, mine.bp):
        app.register_blueprint(blueprint)
    mine.init_app(app)  # Flask-Login for Mijn gesprekken; the series' timeline for every template

    from realtime import events, guard, sync
    events.register(socketio)
    guard.init_app(app)  # new sockets per address, in front of engine.io
    sync.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        # Outermost: engine.io answers /socket.io/ before Flask, so only here do its sockets and their budgets
        # per address see the client's address, as the rate limits do, rather than the proxy's.
        # X-Forwarded-Host is the host the browser asked for (a proxy may send its upstream's name as Host): Flask
        # checks it against TRUSTED_HOSTS as it would a Host, and no link is built from it (webapp/origin.py).
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    return app


def _init_compression(app: Flask) -> None:
    """Compress what is text: a 40 KB room page leaves as 5.7 KB, a 25 KB htmx answer as 1.5 KB (bench/transport.py).
    Brotli first (smaller than gzip for our HTML, and faster at these levels), gzip for the rest; zstd is faster
    still but larger, and deflate is covered by gzip. Not the PDF (already compressed) nor images; Socket.IO's
    polling never reaches Flask (engine.io compresses its own answers). BREACH: the session cookie is SameSite=Lax,
    so a page another site makes a browser fetch carries no one's CSRF token to guess at."""
    app.config.setdefault("COMPRESS_MIMETYPES", ["text/html", "application/json", "text/css", "text/javascript",
                                                 "application/javascript", "image/svg+xml"])
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip"])  # static files are sent as streams
    compress.init_app(app)


def _without_websocket_compression(wsgi_app):
    """No permessage-deflate on the websocket. eventlet grants it to every browser that offers it (all do): it
    shrinks a 30 KB update to 1.4 KB, but costs the server 0.16 ms of CPU per frame per socket (0.05 ms for a
    phase change) and a zlib compressor of about 210 KB kept for every socket (630 MB at 3,000). Figures in
    bench/RESULTS.md (Transport); WEBSOCKET_COMPRESSION = True in the config leaves eventlet's default."""
    def app(environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)
    return app


def _init_socketio(app: Flask) -> None:
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["REDIS_URL"],
        ping_interval=app.config["SOCKETIO_PING_INTERVAL"],
        ping_timeout=app.config["SOCKETIO_PING_TIMEOUT"],
        # The session cookie is Flask's; Socket.IO handlers read it, they never write it.
        manage_session=False,
    )
