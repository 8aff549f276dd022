"""A person's phone, two ways: `Phone` on the app's test client, which keeps its screen region by region as
static/app.js does and is judged against a fresh load of the room page; `LivePhone` on a real server
(`python wsgi.py`), with an HTTP session and a python-socketio client, for what only a real server shows
(transports, processes, timing of the network)."""
import difflib
import functools
import queue
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
import requests
import socketio
from bs4 import BeautifulSoup

from tests.support.app import csrf_from
from webapp.extensions import socketio as server_socketio

HTTP_TIMEOUT = 10  # seconds; every call a LivePhone makes ends


def verdict(current: int, update: dict) -> str:
    """static/app.js's verdict(): updates in order, a full re-render when newer, and after a gap: ask again."""
    if update.get("full"):
        return "apply" if update["version"] > current else "ignore"
    if update["version"] == current + 1:
        return "apply"
    return "ignore" if update["version"] <= current else "resync"


# On the test client ---------------------------------------------------------------------------------------------

@dataclass
class Page:
    """The room page as one person loads it: its version, the ids a push may replace, and their HTML."""

    version: int
    regions: list[str]
    html: dict[str, str | None]
    nested: list[tuple[str, str]]  # (inner, outer) regions: a push of the outer one would replace the inner one


def fresh(client, code: str) -> Page:
    """A fresh load of the room page, as this browser's person sees it."""
    response = client.get(f"/r/{code}")
    assert response.status_code == 200, f"the room page answered {response.status_code}"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    room = soup.find(id="room")
    assert room is not None, "the room page has no #room"
    regions = room["data-regions"].split()
    matches = soup.find_all(id=regions)  # one pass over the page
    found = {}
    for element in matches:
        found.setdefault(element["id"], element)  # the first with its id, as soup.find(id=...) gives
    elements = {region: found.get(region) for region in regions}
    nested = sorted({(element["id"], parent["id"]) for element in matches for parent in element.parents
                     if found.get(parent.get("id")) is parent and parent["id"] != element["id"]},
                    key=lambda pair: (regions.index(pair[1]), regions.index(pair[0])))
    return Page(int(room["data-version"]), regions,
                {region: str(element) if element else None for region, element in elements.items()}, nested)


class Phone:
    """A person's phone: their browser (its cookie is who they are), its Socket.IO connection, and what its screen
    shows in each live region."""

    def __init__(self, app, client, code: str, name: str, role: str):
        self.app, self.client, self.code, self.name, self.role = app, client, code, name, role
        self.events: list[str] = []  # what was pushed besides updates: removed, deleted, denied
        self.show(fresh(client, code))
        self.connect()

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    def show(self, page: Page) -> None:
        """Show the room page as loaded."""
        self.version, self.regions, self.screen = page.version, page.regions, dict(page.html)
        self.strays: set[str] = set()  # ids pushed to this screen that data-regions does not list

    def connect(self) -> None:
        """Connect, join the room with the version on the screen, and catch up."""
        self.sio = server_socketio.test_client(self.app, flask_test_client=self.client)
        assert self.sio.is_connected(), f"{self} could not connect"
        self.join()
        self.apply_pushes()

    def join(self) -> None:
        self.sio.emit("join", {"code": self.code, "version": self.version})

    def apply_pushes(self) -> None:
        """Apply what was pushed since last time, in order; after a gap, ask again and apply that too."""
        for _round in range(10):
            received = self.sio.get_received()
            if not received:
                return
            for event in received:
                if event["name"] == "update":
                    self.receive(event["args"][0])
                else:
                    self.events.append(event["name"])
        raise AssertionError(f"{self} keeps asking for a full re-render")

    def receive(self, update: dict) -> None:
        decision = verdict(self.version, update)
        if decision == "resync":
            self.join()
        if decision != "apply":
            return
        self.version = update["version"]
        for region, html in update["fragments"].items():
            if region not in self.screen:
                self.strays.add(region)
            elif self.screen[region] is not None:  # no element with that id on the page: nothing to replace
                self.screen[region] = html

    def text(self, region: str | None = None) -> str:
        """What the screen says, in one region or in all of them."""
        parts = [self.screen.get(region)] if region else list(self.screen.values())
        html = " ".join(part or "" for part in parts)
        return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


@functools.cache
def normalised(html: str | None) -> tuple[str, ...]:
    """HTML parsed and written out again, one tag or text per line, whitespace collapsed."""
    if html is None:
        return ("(no such element)",)
    pretty = BeautifulSoup(html, "html.parser").prettify()
    return tuple(" ".join(line.split()) for line in pretty.splitlines() if line.strip())


def differences(phone: Phone, page: Page) -> list[str]:
    """Where the phone's screen is not what a fresh load of the page shows its person."""
    found = []
    if phone.regions != page.regions:
        found.append(f"{phone}: data-regions on the phone {phone.regions}, on a fresh load {page.regions}")
    if phone.version != page.version:
        found.append(f"{phone}: the phone is at version {phone.version}, a fresh load at {page.version}")
    found += [f"{phone}: was pushed #{region}, which data-regions does not list" for region in sorted(phone.strays)]
    found += [f"{phone}: #{inner} lies inside #{outer}; each region must stand alone" for inner, outer in page.nested]
    found += [f"{phone} was refused its room (`denied`)" for event in phone.events if event == "denied"]
    for region in page.regions:
        shown, loaded = phone.screen.get(region), page.html[region]
        if shown != loaded and normalised(shown) != normalised(loaded):
            found.append(f"{phone} #{region}:\n{diff(shown, loaded)}")
    return found


def diff(phone_html: str | None, page_html: str | None, limit: int = 24) -> str:
    lines = list(difflib.unified_diff(normalised(phone_html), normalised(page_html), "on the phone",
                                      "on a fresh load", n=1, lineterm=""))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... and {len(lines) - limit} more lines"]
    return "\n".join("      " + line for line in lines)


def what_differs(*phones: Phone) -> list[str]:
    """Every phone applies what it was pushed; then where it differs from a fresh load of its room."""
    found = []
    for phone in phones:
        phone.apply_pushes()
        found += differences(phone, fresh(phone.client, phone.code))
    return found


# On a real server -----------------------------------------------------------------------------------------------

class FromAddress(requests.adapters.HTTPAdapter):
    """Connections that leave from another loopback address (127.0.0.2, ...): to the server, another client."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


class LivePhone:
    """One person on a real server: an HTTP session (their cookie) and a Socket.IO client that joins their room.
    Everything it is sent goes into `events` (for `wait_for`) and is counted in `seen`; each update is applied to
    `screen` as static/app.js applies it (in order; after a gap it asks again), and `arrived` keeps when each
    version first came. With `address`, the phone's requests and its long-polling socket leave from that loopback
    address (a websocket would not)."""

    def __init__(self, base_url: str, address: str | None = None):
        self.base_url = base_url
        self.http = requests.Session()
        if address:
            self.http.mount("http://", FromAddress(address))
        self.events: queue.Queue = queue.Queue()
        self.seen: Counter = Counter()
        self.arrived: dict[int, float] = {}  # version -> when its update first came (time.monotonic())
        self.version = 0
        self.screen: dict[str, str] = {}  # region -> its HTML, as far as pushed
        self.lock = threading.Lock()
        self.sio = socketio.Client(reconnection=False, http_session=self.http if address else None)
        self.sio.on("*", self._received)
        self.code = None
        self.csrf = None

    def _received(self, event, data=None):
        with self.lock:
            self.seen[event] += 1
            if event == "update":
                self.arrived.setdefault(data["version"], time.monotonic())
                decision = verdict(self.version, data)
                if decision == "resync":
                    try:
                        self.sio.emit("join", {"code": self.code, "version": self.version})
                    except socketio.exceptions.BadNamespaceError:
                        pass  # the phone was being closed as the update came: a closed phone asks nothing
                elif decision == "apply":
                    self.version = data["version"]
                    self.screen.update(data["fragments"])
        self.events.put((event, data))

    def start(self, name, role):
        token = csrf_from(self.http.get(self.base_url + "/", timeout=HTTP_TIMEOUT).text)
        response = self.http.post(self.base_url + "/rooms", data={"name": name, "role": role, "csrf_token": token},
                                  timeout=HTTP_TIMEOUT)
        self.code = response.url.rsplit("/", 1)[-1]
        return self.code

    def join(self, code, name, role):
        self.code = code
        page = self.http.get(f"{self.base_url}/r/{code}", timeout=HTTP_TIMEOUT).text
        return self.http.post(f"{self.base_url}/r/{code}/join", timeout=HTTP_TIMEOUT,
                              data={"name": name, "role": role, "csrf_token": csrf_from(page)})

    def state(self):
        return self.http.get(f"{self.base_url}/r/{self.code}/state.json", timeout=HTTP_TIMEOUT).json()

    def connect(self, transports=("websocket",)):
        """Connect and join the room at the version it has now: from there, every change is pushed."""
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.sio.connect(self.base_url, headers={"Cookie": cookie}, transports=list(transports), wait_timeout=10)
        with self.lock:
            self.version = self.state()["version"]
            self.sio.emit("join", {"code": self.code, "version": self.version})

    def post(self, path, data=None):
        if self.csrf is None:  # the token lives as long as the session, like the page's
            self.csrf = csrf_from(self.http.get(f"{self.base_url}/r/{self.code}", timeout=HTTP_TIMEOUT).text)
        return self.http.post(f"{self.base_url}/r/{self.code}{path}", data=data or {}, timeout=HTTP_TIMEOUT,
                              headers={"X-CSRFToken": self.csrf, "HX-Request": "true"})

    def wait_for(self, predicate, timeout=5.0):
        """The first event that satisfies predicate(name, data), or fail."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                name, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if predicate(name, data):
                return data
        pytest.fail(f"no matching event within {timeout} s")

    def close(self):
        """Hang up: the socket, and the HTTP connections kept alive."""
        if self.sio.connected:
            self.sio.disconnect()
        self.http.close()


def presence_shows(name):
    return lambda event, data: event == "update" and name in data["fragments"].get("deelnemers", "")


def online_in(html, name):
    item = re.search(rf'<li data-participant-id="\d+" data-online="(true|false)">\s*<span[^>]*></span>\s*'
                     rf'<span class="person-name">{name}</span>', html)
    return item and item.group(1) == "true"
