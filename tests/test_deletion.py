"""Deleting a conversation leaves nothing behind: not in the database file, not in its write-ahead log,
not in the mail files, not in the instance folder. Searched byte for byte, after a delete and after a purge."""
import secrets
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.actions import agree, post_action, seat_three, state
from tests.support.app import app_on_fresh_database
from webapp.clock import utcnow
from webapp.domain import outbox
from webapp.domain.rooms import purge_expired
from webapp.extensions import db
from webapp.models import Room


@pytest.fixture
def app_on_files(tmp_path):
    """A database file and mail as files, as the embedded mode runs."""
    with app_on_fresh_database(tmp_path, MAIL_BACKEND="file", MAIL_FILE_PATH=str(tmp_path / "outbox")) as app:
        yield app


def a_conversation_with_secrets(app) -> tuple[str, dict, list[bytes]]:
    """A whole conversation, sent and mailed, full of texts we can search for afterwards."""
    marker = secrets.token_hex(6)
    code, people = seat_three(app)
    texts = {"afspraak": f"Afspraak-{marker} over feedback", "notitie": f"Notitie-{marker} bij de kassa",
             "opmerking": f"Opmerking-{marker}", "adres": f"sanne.{marker}@example.nl"}
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-03"})
    post_action(people["praktijkopleider"], code, "/cards/leren-03/note", {"note": texts["notitie"], "rev": "0"})
    post_action(people["student"], code, "/agreements", {"what": texts["afspraak"], "who": ["student"],
                                                          "when": "voor-volgend-gesprek"})
    post_action(people["stagedocent"], code, "/close")
    assert agree(people["student"], code, texts["adres"], texts["opmerking"]).status_code == 200
    assert post_action(people["stagedocent"], code, "/finalize", {"force": "1"}).status_code == 200
    with app.app_context():
        assert outbox.deliver_due()["sent"] == 1
    return code, people, [text.encode() for text in texts.values()]


def files_holding(app, tmp_path: Path, needles: list[bytes]) -> list[str]:
    places = [*tmp_path.rglob("*"), *Path(app.instance_path).rglob("*")]
    return [f"{place}: {needle.decode()}" for place in places if place.is_file()
            for needle in needles if needle in place.read_bytes()]


def test_deleting_a_conversation_leaves_no_trace(app_on_files, tmp_path):
    code, people, needles = a_conversation_with_secrets(app_on_files)
    assert files_holding(app_on_files, tmp_path, needles), "the search finds what is there"
    assert post_action(people["stagedocent"], code, "/delete").status_code == 200
    assert files_holding(app_on_files, tmp_path, needles) == []


def test_purging_an_expired_conversation_leaves_no_trace(app_on_files, tmp_path):
    code, _people, needles = a_conversation_with_secrets(app_on_files)
    other_code, other = seat_three(app_on_files)  # a conversation that stays
    with app_on_files.app_context():
        db.session.query(Room).filter_by(code=code).update({"expires_at": utcnow() - timedelta(days=1)})
        db.session.commit()
        assert purge_expired() == 1
    assert files_holding(app_on_files, tmp_path, needles) == []
    assert state(other["student"], other_code)["code"] == other_code
