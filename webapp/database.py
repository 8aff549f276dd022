"""Database set-up that the ORM does not do by itself."""
import os

from flask import Flask
from sqlalchemy import event

from webapp.extensions import db


def init_app(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _owner_only(db.engine.url.database)
            event.listen(db.engine, "connect", _tune_sqlite)


def _owner_only(path: str | None) -> None:
    """Make the SQLite file, before SQLite does, readable by its owner only: SQLite would make it readable for
    everyone (0644 under the usual umask), and it gives its write-ahead log and shared memory the database's own
    permissions. An existing file keeps its own; an empty file is an empty database."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # there already, or another process starting at the same moment made it


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL with synchronous=NORMAL makes a commit ~50x cheaper; under eventlet a SQLite call
    # blocks every connection of the process while it runs.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # Deleted text is overwritten in the file, not just unlinked (not every SQLite build does it by default),
    # and the write-ahead log is kept small: it holds old pages until a checkpoint.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
    cursor.close()


WAL_LIMIT_BYTES = 4 * 1024 * 1024


def forget_deleted() -> None:
    """After a deletion of personal data: on SQLite, move the write-ahead log into the database file (where
    secure_delete has zeroed the deleted pages) and truncate it, so no copy of the deleted text stays in it."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
