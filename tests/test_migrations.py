"""The migrations build exactly the schema the models describe, so `flask db upgrade` is the truth."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from webapp import create_app
from webapp.extensions import db


def test_upgrading_an_empty_database_gives_the_models_schema(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}",
                      "SOCKETIO_ASYNC_MODE": "threading"})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_conversations_from_before_series_each_get_one_and_a_vervolggesprek_shares_its_previous(tmp_path):
    from sqlalchemy import text

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
                      "SOCKETIO_ASYNC_MODE": "threading"})
    with app.app_context():
        upgrade(revision="32ad9cfc7909")
        with db.engine.begin() as connection:
            for room_id, code, previous in ((1, "AAAAAAAA", None), (2, "BBBBBBBB", 1), (3, "CCCCCCCC", None)):
                connection.execute(text(
                    "INSERT INTO room (id, code, status, version, admission, created_at, expires_at, phase_started_at,"
                    " activity, previous_room_id, pushed, stage_moment) VALUES (:id, :code, 'open', 1, 'filling',"
                    " '2026-11-01', '2026-12-01', '2026-11-01', '', :previous, '{}', 'start')"),
                    {"id": room_id, "code": code, "previous": previous})
        upgrade()
        with db.engine.connect() as connection:
            series = dict(connection.execute(text("SELECT id, series_id FROM room")).fetchall())
    assert series[1] == series[2] != series[3]
