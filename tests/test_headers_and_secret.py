"""What the browser and the server's disk keep: no cached copies of personal pages, the same security
headers on every kind of answer, and a development secret that is whole and for its owner only."""
import os
import threading

from tests.support.actions import agree, post_action, seat_three
from webapp.config import _dev_secret


def test_pages_with_personal_data_are_never_stored_by_a_browser_or_proxy(app):
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/close")
    agree(people["student"], code, "sanne@example.nl")
    post_action(people["stagedocent"], code, "/finalize", {"force": "1"})
    for path in ("", "/state.json", "/record", "/record.pdf"):
        response = people["student"].get(f"/r/{code}{path}")
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    action = post_action(people["student"], code, "/agreements", {"what": "x", "who": ["student"],
                                                                   "when": "voor-volgend-gesprek"})
    assert action.headers["Cache-Control"] == "no-store"


def test_every_kind_of_answer_carries_the_security_headers(app):
    code, people = seat_three(app)
    answers = {
        "page": app.test_client().get("/"),
        "room": people["student"].get(f"/r/{code}"),
        "json": people["student"].get(f"/r/{code}/state.json"),
        "json error": app.test_client().get(f"/r/{code}/state.json"),
        "htmx fragment": post_action(people["student"], code, "/cards/draw", {"deck": "leren"}),
        "htmx error": post_action(people["praktijkopleider"], code, "/cards/draw", {"deck": "leren"}),
        "not found": app.test_client().get("/bestaat-niet"),
        "static": app.test_client().get("/static/app.css"),
        "health": app.test_client().get("/healthz"),
    }
    for kind, response in answers.items():
        for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
            assert header in response.headers, (kind, header)


def test_the_development_secret_is_written_whole_and_for_its_owner_only(tmp_path):
    secrets_read, errors = [], []

    def start_a_process():
        try:
            secrets_read.append(_dev_secret(str(tmp_path)))
        except Exception as error:  # noqa: BLE001 - any failure of a starting process is the finding
            errors.append(error)

    starting = [threading.Thread(target=start_a_process) for _ in range(16)]
    for thread in starting:
        thread.start()
    for thread in starting:
        thread.join()
    assert errors == []
    assert len(set(secrets_read)) == 1 and len(secrets_read[0]) == 64
    assert os.stat(tmp_path / "secret_key").st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # no temporary files left
