"""Stagegesprek: the app factory."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.config import Config
from webapp.extensions import csrf, db, limiter, mail, migrate, socketio


def create_app(test_config: dict | None = None) -> Flask:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(Config(app.instance_path).as_dict())
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(root, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    _init_socketio(app)

    from webapp import database, errors, security, workers
    from webapp.domain import content, outbox
    from webapp.presentation import templating
    from webapp.views import main, mine, pages, records, room
    workers.init_app(app)
    content.init_app(app)  # raises on broken content: the app refuses to start
    database.init_app(app)
    outbox.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    security.init_app(app)
    for blueprint in (main.bp, pages.bp, room.bp, records.bp, mine.bp):
        app.register_blueprint(blueprint)
    mine.init_app(app)  # Flask-Login for Mijn gesprekken; the series' timeline for every template

    from realtime import events, sync
    events.register(socketio)
    sync.init_app(app)
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
