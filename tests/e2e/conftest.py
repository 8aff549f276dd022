"""Fixtures shared by the browser tests."""
import pytest

from tests.e2e.steps import join, start


@pytest.fixture
def three(live_server, phone):
    """A stagedocent, a student and a praktijkopleider in one room, each on their own phone."""
    docent, student, opleider = phone(), phone(), phone()
    code = start(docent, live_server.url, "Marieke", "stagedocent")
    join(student, live_server.url, code, "Sanne", "student")
    join(opleider, live_server.url, code, "Kees", "praktijkopleider")
    return docent, student, opleider
