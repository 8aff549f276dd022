"""Fixtures shared by the browser tests, and their turns under xdist."""
import pytest

from tests.e2e.steps import take_a_seat
from tests.support.servers import serving

XDIST_GROUP = "browser"


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items):
    """The browser tests take turns, in one xdist group: two chromiums and two live servers on two cores slow each
    other past Playwright's waits, while the other worker has the rest of the suite to do."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group(XDIST_GROUP))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, request):
    """One live server for the browser tests of a module (a start costs about 2 s): each test starts rooms of its
    own, so none sees another's. A test that reads the server's database or outbox as a whole asks for a server of
    its own (test_overview.py)."""
    with serving(tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])) as server:
        yield server


@pytest.fixture
def three(live_server, phone):
    """A stagedocent, a student and a praktijkopleider in one room, each on their own phone (seated over HTTP:
    tests/e2e/test_start_and_join.py is about the forms)."""
    docent, student, opleider = phone(), phone(), phone()
    code = take_a_seat(docent, live_server.url, "Marieke", "stagedocent")
    take_a_seat(student, live_server.url, "Sanne", "student", code)
    take_a_seat(opleider, live_server.url, "Kees", "praktijkopleider", code)
    return docent, student, opleider
