"""Bad input always gets a clear Dutch message and a 4xx: never a 500, never a changed room."""
import pytest

from tests.support.actions import post_action, seat_three, state

GARBAGE = [{}, {"x": "y"}, {"deck": "🙂" * 50}, {"card": "../../etc"}, {"phase": "\x00"}, {"rev": "-1e9"},
           {"what": "a" * 5000, "who": ["student"] * 30, "when": "2026-02-30"}, {"email": "x" * 300 + "@a.nl"},
           {"next_date": "31-12-2026", "next_time": "25:61"}, {"locked": ["1", "0"]}, {"item": "voor--1"},
           {"prepared": "ja"}, {"note": "n" * 2000, "rev": "0"}]

PATHS = ["/cards/draw", "/cards/discussed", "/cards/return", "/cards/leren-01/prepare", "/cards/nope/note",
         "/phase", "/checklist", "/agreements", "/agreements/999999", "/agreements/999999/delete",
         "/agreements/999999/restore", "/lock", "/participants/999999/remove", "/close", "/confirm",
         "/next-meeting", "/finalize", "/follow-up", "/mail/retry"]


@pytest.fixture
def table(app):
    return seat_three(app)


@pytest.mark.parametrize("path", PATHS)
def test_garbage_gets_a_4xx_in_dutch(table, path):
    code, people = table
    for role in ("student", "stagedocent"):
        for data in GARBAGE:
            response = post_action(people[role], code, path, data)
            assert response.status_code < 500, (role, path, data, response.get_data(as_text=True)[:300])
            if response.status_code >= 400:
                body = response.get_data(as_text=True)
                assert "melding" in body or "conflict" in body, (path, data, body[:300])


def test_a_too_large_request_is_refused(table):
    code, people = table
    version = state(people["student"], code)["version"]
    response = post_action(people["student"], code, "/agreements", {"what": "x" * 100_000})
    assert response.status_code == 413 and "te groot" in response.get_data(as_text=True)
    assert state(people["student"], code)["version"] == version
