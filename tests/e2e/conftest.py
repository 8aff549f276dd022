"""Fixtures shared by the browser tests, and their turns under xdist."""
import pytest

from tests.e2e.steps import join, start

XDIST_GROUP = "browser"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """The browser tests take turns, in one xdist group: two chromiums and two live servers on two cores slow each
    other past Playwright's waits, while the other worker has the rest of the suite to do."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUP))


@pytest.fixture
def three(live_server, phone):
    """A stagedocent, a student and a praktijkopleider in one room, each on their own phone."""
    docent, student, opleider = phone(), phone(), phone()
    code = start(docent, live_server.url, "Marieke", "stagedocent")
    join(student, live_server.url, code, "Sanne", "student")
    join(opleider, live_server.url, code, "Kees", "praktijkopleider")
    return docent, student, opleider
