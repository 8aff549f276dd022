"""What the embedded mode keeps on disk is its owner's only: the instance folder, the SQLite database with its
write-ahead log and shared memory, and the folder MAIL_BACKEND=file writes whole mails to. Other accounts on the
same machine read no conversation, address or verslag."""
import os
import stat

from sqlalchemy import text

from webapp import create_app
from webapp.domain import outbox
from webapp.extensions import db

OWNER_ONLY_FILE, OWNER_ONLY_FOLDER = 0o600, 0o700


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_instance_folder_the_database_its_wal_and_the_mail_folder_are_owner_only(tmp_path, monkeypatch):
    umask = os.umask(0o022)  # the usual umask, under which files are made readable for everyone
    try:
        instance = tmp_path / "instance"
        monkeypatch.setenv("SECRET_KEY", "test-secret")
        monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda _app: str(instance))
        for name in ("DATABASE_URL", "MAIL_BACKEND", "MAIL_FILE_PATH"):
            monkeypatch.delenv(name, raising=False)  # the embedded defaults: SQLite and mail as files in instance/
        app = create_app({"TESTING": True, "SOCKETIO_ASYNC_MODE": "threading"})
        with app.app_context():
            db.create_all()
            outbox.enqueue(kind=outbox.VERSLAG, recipient="sanne@school.example", subject="Verslag",
                           text_body="Het verslag.")
            db.session.commit()
            assert outbox.deliver_due()["sent"] == 1
            # A reader holds the log open, so its files are there to see.
            with db.engine.connect() as reader:
                reader.execute(text("SELECT count(*) FROM outbox_message"))
                database = instance / "stagegesprek.db"
                files = [database, database.with_name("stagegesprek.db-wal"), database.with_name("stagegesprek.db-shm")]
                assert {path.name: mode(path) for path in files} == {path.name: OWNER_ONLY_FILE for path in files}
            db.engine.dispose()
        mails = instance / "outbox"
        assert (mode(instance), mode(mails)) == (OWNER_ONLY_FOLDER, OWNER_ONLY_FOLDER)
        assert [mode(mail) for mail in mails.iterdir()] == [OWNER_ONLY_FILE]
    finally:
        os.umask(umask)
