"""Property-based fuzzing (Hypothesis) of every route under /r/<code> and of the Socket.IO events.

The world: two rooms, A and B, each with three seated deelnemers (A has a card on the table, a note and
afspraken), and a stranger's browser. Every example starts from that same database (a SQLite backup taken
after the set-up), deletes one of A's afspraken (so it can be restored), brings room A into a drawn state
(open, open for one more, closing with a planned vervolggesprek and Akkoorden, or sent), then sends requests
by drawn actors (each of A's roles, each of B's, the stranger) to drawn codes, with drawn path parameters and
the contract's form fields, as htmx sends them (HX-Request and the X-CSRFToken of the actor's own page). The
routes are read from app.url_map (endpoints "room."), so a new route is fuzzed too.

Properties:
- no request gets a 5xx; the app's own exception is chained onto the failure (so Hypothesis tells bugs apart
  and shows each one's minimal example);
- a request by someone who is not in room X leaves X's state.json as it was (only `version` and `online`,
  which presence may move, are ignored); the join form (`@open_to_guests`) may only add the newcomer;
- a Socket.IO event (join, typing, with any payload) never raises, never changes a room its sender is not in,
  and a socket that is in no room receives nothing but `denied`.
"""
import logging
import re
import sqlite3
from collections import Counter
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.actions import post_action, seat_three, state
from tests.support.app import csrf_from
from webapp.domain.codes import ALPHABET, display
from webapp.domain.content import get_content
from webapp.extensions import db, limiter, socketio

ROLES = ("stagedocent", "student", "praktijkopleider")
ACTORS = tuple(f"A-{role}" for role in ROLES) + tuple(f"B-{role}" for role in ROLES) + ("stranger",)
ROOMS = ("A", "B")
CASES = Counter()  # examples run to the end per property (Hypothesis also starts some it drops), printed
ROUTES_FUZZED = Counter()  # requests per route (endpoint, rule)

# Sized for about 60 s for the whole file on a 2-core machine (45 s measured). No example database: a failure
# prints its minimal example (CI runs derandomized, as Hypothesis does where CI is set).
HTTP_EXAMPLES = 300
SOCKET_EXAMPLES = 200
SLOW_IS_FINE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

# ---------------------------------------------------------------------------------------------------------
# Wild values

TEN_KB = 10 * 1024
EDGE_TEXT = (
    "", " ", "\u200d", "\u202e", "\x00", "🙂", "👩\u200d👩\u200d👧\u200d👦", "\u202egnp.exe", "a\x00b", "\ufeff",
    "\r\n", "\t", "\u0301", "\u00a0", "１", "٣", "²", "<script>alert(1)</script>", "{{ 7*7 }}", "' OR 1=1 --",
    "../../etc/passwd", "%00", "null", "None", "NaN", "Infinity", "-0", "1e309", "0x10", " 1 ", "true",
    "x" * TEN_KB, "🙂" * (TEN_KB // 4), "\u202e" * (TEN_KB // 3), "\u200d" * (TEN_KB // 3),
)
BIG_INTS = (0, 1, 2, 3, -1, -(2**70), 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, 2**70, 10**30)
BEYOND_64_BITS = (2**63, 2**64, 2**70, 10**30, 10**400)
EDGE_DATES = ("9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01", "10000-01-01", "+10000-01-01",
              "9999-12-31T23:59", "31-12-2026", "2026-W01", "20261231")
EXTREME_DATES = ("9999-12-31", "0001-01-01")  # the ends of Python's calendar
EXTREME_TIMES = ("23:59", "00:00", "23:59:59.999999")
EDGE_TIMES = ("00:00", "23:59", "24:00", "25:61", "12:00:00.000001", "12:00+01:00", "T12:00", "12", "-1:00")
TODAY = date.today()
SOON = st.dates(min_value=TODAY, max_value=TODAY + timedelta(days=3 * 365)).map(date.isoformat)

wild_text = st.one_of(
    st.sampled_from(EDGE_TEXT),
    st.sampled_from(BIG_INTS).map(str),
    st.sampled_from(EDGE_DATES),
    st.text(max_size=30),
    st.integers().map(str),
    st.dates().map(date.isoformat),
)

# Values that make sense for each form field of the contract (so the fuzzer gets past the first check).
VALID = {
    "name": st.sampled_from(["Piet", "Anouk", "Ça va"]),
    "role": st.sampled_from(ROLES),
    "deck": st.sampled_from(["leren", "begeleiden"]),
    "card": st.sampled_from(["leren-01", "leren-04", "begeleiden-02"]),
    "phase": st.sampled_from(["voorbereiden", "kennismaken", "leren", "begeleiden", "afspraken", "afronden"]),
    "what": st.sampled_from(["Stageverslag inleveren", "Elke week een gesprek"]),
    "when": st.one_of(st.sampled_from(["voor-volgend-gesprek", "bij-volgend-gesprek", "datum"]), SOON),
    "when_date": SOON,
    "rev": st.sampled_from(["0", "1", "2"]),
    "email": st.sampled_from(["", "sanne@example.nl"]),
    "remark": st.sampled_from(["", "Prima zo."]),
    "note": st.sampled_from(["We spraken over feedback.", ""]),
    "next_date": st.one_of(SOON, st.just("")),
    "next_time": st.sampled_from(["", "09:30", "14:00"]),
    "draft": st.just("<draft>"),  # resolved when sent: the version of the draft the actor's room shows
    "locked": st.sampled_from(["0", "1"]),
    "prepared": st.sampled_from(["0", "1"]),
    "done": st.sampled_from(["0", "1"]),
    "item": st.sampled_from(["voor-0", "voor-1", "voor-2", "voor-9"]),
    "force": st.just("1"),
}
FIELDS = tuple(VALID) + ("who",)


def field_values(name: str):
    """One value mostly, sometimes none or several, each a sensible one or a wild one."""
    if name == "who":
        return st.lists(st.one_of(st.sampled_from(ROLES), wild_text), max_size=4)
    if name in ("next_date", "when_date", "when"):
        one = st.one_of(VALID[name], st.sampled_from(EXTREME_DATES), st.sampled_from(EDGE_DATES), wild_text)
    elif name == "next_time":
        one = st.one_of(VALID[name], st.sampled_from(EXTREME_TIMES), st.sampled_from(EDGE_TIMES),
                        st.times().map(str), wild_text)
    else:
        one = st.one_of(VALID[name], wild_text)
    return st.one_of(one.map(lambda value: [value]), st.lists(one, max_size=3))


forms = st.fixed_dictionaries({}, optional={name: field_values(name) for name in FIELDS})


def codes_for(world, actor: str | None = None):
    """Mostly the actor's own room (so requests get past the door), else the other room, a variant of a
    code as people type it, a random code, garbage or a huge string."""
    own = world.codes[actor[0]] if actor and actor != "stranger" else world.codes["A"]
    a, b = world.codes["A"], world.codes["B"]
    return st.one_of(
        st.just(own), st.just(own), st.just(own),
        st.sampled_from([a, b]),
        st.sampled_from([own.lower(), display(own), f" {own} ", display(b).lower()]),
        st.text(alphabet=ALPHABET, min_size=8, max_size=8),
        st.sampled_from(EDGE_TEXT),
        st.text(max_size=20),
        st.sampled_from(["A" * TEN_KB, a * 1000]),
    )


def int_param(world, name):
    """Half the time an id that exists (in room A or B: an afspraak for agreement_id, a deelnemer for
    participant_id, any for a new kind), else an edge: 0, negative, beyond 64 bits, any integer."""
    real = world.ids.get(name) or sorted({n for ids in world.ids.values() for n in ids})
    return st.one_of(st.sampled_from(real), st.sampled_from(real), st.sampled_from(real), st.sampled_from(BIG_INTS),
                     st.sampled_from(BEYOND_64_BITS), st.integers()).map(str)


def str_param(world):
    return st.one_of(st.sampled_from(world.path_words), wild_text)


# ---------------------------------------------------------------------------------------------------------
# The world

class CaughtErrors(logging.Handler):
    """Keeps the exceptions the app logs on its way to a 500 (errors.py logs each one)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.errors = []

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


class World:
    def __init__(self, app):
        self.app = app
        self.ids = {}
        a_code, a_people = seat_three(app)
        b_code, b_people = seat_three(app)
        self.codes = {"A": a_code, "B": b_code}
        # Room A: a card on the table with a note, a card prepared, two afspraken, a tick.
        post_action(a_people["student"], a_code, "/cards/draw", {"deck": "leren", "card": "leren-01"})
        post_action(a_people["student"], a_code, "/cards/leren-01/note", {"note": "Eerste notitie", "rev": "0"})
        post_action(a_people["student"], a_code, "/cards/leren-07/prepare", {"prepared": "1"})
        post_action(a_people["stagedocent"], a_code, "/checklist", {"item": "voor-0", "done": "1"})
        for what in ("Verslag inleveren", "Weg ermee"):
            post_action(a_people["praktijkopleider"], a_code, "/agreements",
                        {"what": what, "who": ["student"], "when": "voor-volgend-gesprek"})
        # The last one is deleted at the start of every example (so it can be restored: undo has a time limit).
        self.gone = state(a_people["student"], a_code)["agreements"][-1]
        post_action(b_people["student"], b_code, "/agreements",
                    {"what": "Van kamer B", "who": ["stagedocent"], "when": "bij-volgend-gesprek"})
        for room, people in (("A", a_people), ("B", b_people)):
            seen = state(people["stagedocent"], self.codes[room])
            self.ids.setdefault("participant_id", []).extend(p["id"] for p in seen["participants"])
            self.ids.setdefault("agreement_id", []).extend(a["id"] for a in seen["agreements"])
        stranger = app.test_client()
        self.csrf = {"stranger": csrf_from(stranger.get("/").get_data(as_text=True))}
        people = {"stranger": stranger}
        for room, seated in (("A", a_people), ("B", b_people)):
            for role, client in seated.items():
                people[f"{room}-{role}"] = client
                self.csrf[f"{room}-{role}"] = csrf_from(client.get(f"/r/{self.codes[room]}").get_data(as_text=True))
        self.cookies = {actor: client.get_cookie("session").value for actor, client in people.items()}
        with app.app_context():
            content = get_content()
            self.path_words = sorted({"nu", "leren-01", "leren-07", "begeleiden-01", "nope"}
                                     | {deck.id for deck in content.decks} | {p.id for p in content.phases}
                                     | {card.id for card in content.cards[:6]})
            self.db_path = db.engine.url.database
        self.rules = sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("room.")),
                            key=lambda rule: (rule.rule, rule.endpoint))
        # Routes with an id in the path (where one room's id could reach another room's data) are drawn 3x.
        self.weighted_rules = self.rules + [rule for rule in self.rules if "<int" in rule.rule] * 2
        self.caught = CaughtErrors()
        app.logger.addHandler(self.caught)
        self.clients, self.members, self.fresh = people, {}, {}
        self.seated = {actor: self.member_of(actor) for actor in ACTORS}
        assert self.seated == {actor: {actor[0]} if actor != "stranger" else set() for actor in ACTORS}
        self.golden = sqlite3.connect(":memory:")
        self._copy(sqlite3.connect(self.db_path), self.golden)
        # Room B as set up: every example starts from it and no scene touches it, so it is read once, not per example.
        self.as_set_up = {"B": self.state_of("B")}

    def _copy(self, source, target):
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        source.backup(target)

    def reset(self):
        """Back to the world as set up: the database, each browser's cookie, the code budget."""
        target = sqlite3.connect(self.db_path)
        self._copy(self.golden, target)
        target.close()
        limiter.reset()
        self.clients, self.members, self.fresh = {}, dict(self.seated), dict(self.as_set_up)
        for actor, cookie in self.cookies.items():
            self.clients[actor] = self.app.test_client()
            self.clients[actor].set_cookie("session", cookie)

    def state_of(self, room: str) -> dict | None:
        """Room X's state.json as its stagedocent sees it (None when the room is gone)."""
        if room not in self.fresh:
            response = self.clients[f"{room}-stagedocent"].get(f"/r/{self.codes[room]}/state.json")
            self.fresh[room] = response.get_json() if response.status_code == 200 else None
        return self.fresh[room]

    def member_of(self, actor: str) -> set[str]:
        """The rooms whose state.json this browser may read (kept until a request changes something)."""
        if actor not in self.members:
            self.members[actor] = {room for room in ROOMS
                                   if self.clients[actor].get(f"/r/{self.codes[room]}/state.json").status_code == 200}
        return self.members[actor]

    def touched(self, actor: str) -> None:
        """Forget the state of the actor's own rooms: what it sent may have changed them."""
        for room in self.member_of(actor):
            self.fresh.pop(room, None)

    def after(self, actor: str, method: str, status: int, moves: bool = True) -> None:
        """Forget what a request may have changed: its actor's rooms, and (when it `moves` people) who is where
        after a change. A refused request changes nothing (rooms.change rolls back whole)."""
        self.touched(actor)
        if moves and method != "GET" and status < 400:
            self.members.clear()

    def draft_for(self, actor: str, code: str) -> str:
        response = self.clients[actor].get(f"/r/{quote(code, safe='')}/state.json")
        version = response.get_json().get("verslag_version") if response.status_code == 200 else None
        return str(version)

    def is_for_guests(self, endpoint: str) -> bool:
        return getattr(self.app.view_functions.get(endpoint), "open_to_guests", False)


@pytest.fixture
def world(app):
    world = World(app)
    yield world
    app.logger.removeHandler(world.caught)


@pytest.fixture
def tally(request, capsys):
    yield
    with capsys.disabled():
        print(f"\n{request.node.name}: {CASES[request.node.name]} Hypothesis cases run")
        if "route" in request.node.name and ROUTES_FUZZED:
            fewest = min(ROUTES_FUZZED.values())
            print(f"  {sum(ROUTES_FUZZED.values())} requests to {len(ROUTES_FUZZED)} routes, each at least {fewest}")


# ---------------------------------------------------------------------------------------------------------
# Checks

def content(seen: dict) -> dict:
    """state.json without what presence may change: the version and who is online."""
    kept = {key: value for key, value in seen.items() if key != "version"}
    kept["participants"] = [{k: v for k, v in p.items() if k != "online"} for p in seen["participants"]]
    return kept


def assert_unchanged_by_outsider(room: str, before: dict, after: dict | None, for_guests: bool, what: str):
    assert after is not None, f"room {room} is gone after {what}"
    before, after = content(before), content(after)
    if for_guests:  # the join form may add the newcomer (and so change the verslag, the Akkoorden, the lock)
        old = {p["id"] for p in before["participants"]}

        def kept(seen):
            return [{k: v for k, v in p.items() if k != "agreed"} for p in seen["participants"] if p["id"] in old]

        assert kept(after) == kept(before), f"joining changed who was in room {room}: {what}"
        assert [c for c in after["checklists"] if c["participant_id"] in old] == before["checklists"], what
        for key in ("participants", "checklists", "activity", "locked", "verslag_version"):
            before.pop(key), after.pop(key)
    assert after == before, f"room {room} changed by someone not in it: {what}"


def send(world, actor: str, method: str, path: str, form: dict | None, endpoint: str, plain: bool = False,
         scene: bool = False):
    """One request as the room page sends it; checks the two HTTP properties around it (a step of the scene,
    by room A's own deelnemers, only for its status)."""
    outsider_of = [] if scene else [room for room in ROOMS if room not in world.member_of(actor)]
    before = {room: world.state_of(room) for room in outsider_of}
    headers = {"X-CSRFToken": world.csrf[actor]}
    if not plain:
        headers["HX-Request"] = "true"
    world.caught.errors.clear()
    response = world.clients[actor].open(path, method=method, headers=headers,
                                         data=None if method == "GET" else form)
    what = f"{actor} {method} {path[:200]} {str(form)[:300]}"
    if response.status_code >= 500:
        cause = world.caught.errors[-1] if world.caught.errors else None
        error = AssertionError(f"{response.status_code} for {what}: {cause!r}")
        error.__context__ = cause  # so Hypothesis reports each distinct app bug with its own minimal example
        raise error from cause
    world.after(actor, method, response.status_code, moves=not scene)
    for room, seen in before.items():
        world.fresh.pop(room, None)
        if seen is not None:
            assert_unchanged_by_outsider(room, seen, world.state_of(room), world.is_for_guests(endpoint), what)
    return response


def as_sent(world, actor: str, form: dict, code: str) -> dict:
    if any("<draft>" in values for values in form.values()):
        draft = world.draft_for(actor, code)
        form = {key: [draft if v == "<draft>" else v for v in values] for key, values in form.items()}
    return form


# ---------------------------------------------------------------------------------------------------------
# Room A's state before the fuzzed requests

SCENARIOS = ("open", "open for one more", "closing", "sent")


def set_the_scene(world, data):
    """Bring room A into a drawn state, by its own deelnemers, with drawn values (checked like any request)."""
    code = world.codes["A"]
    scenario = data.draw(st.sampled_from(SCENARIOS), label="room A")
    steps = [("A-student", f"/agreements/{world.gone['id']}/delete", {"rev": [str(world.gone["rev"])]})]
    if data.draw(st.booleans(), label="room A gets an afspraak with drawn fields"):
        agreement = data.draw(st.fixed_dictionaries({name: field_values(name)
                                                     for name in ("what", "who", "when", "when_date")}),
                              label="  that afspraak")
        steps.append((f"A-{data.draw(st.sampled_from(ROLES), label='  written by')}", "/agreements", agreement))
    if scenario == "open for one more":
        steps.append(("A-stagedocent", "/lock", {"locked": ["0"]}))
    if scenario in ("closing", "sent"):
        steps.append(("A-stagedocent", "/close", {}))
        if data.draw(st.booleans(), label="a vervolggesprek is planned"):
            planned = data.draw(st.one_of(
                st.fixed_dictionaries({"next_date": field_values("next_date"), "next_time": field_values("next_time")}),
                st.fixed_dictionaries({"next_date": st.sampled_from(EXTREME_DATES).map(lambda day: [day]),
                                       "next_time": st.sampled_from(EXTREME_TIMES).map(lambda clock: [clock])}),
            ), label="  on")
            steps.append(("A-stagedocent", "/next-meeting", planned))
        for role in data.draw(st.lists(st.sampled_from(ROLES), unique=True), label="Akkoord from"):
            given_with = data.draw(st.fixed_dictionaries({"email": field_values("email"),
                                                          "remark": field_values("remark")}), label=f"  {role}")
            steps.append((f"A-{role}", "/confirm", given_with | {"draft": ["<draft>"]}))
    if scenario == "sent":
        steps.append(("A-stagedocent", "/finalize", {"force": ["1"]}))
    for actor, path, form in steps:
        send(world, actor, "POST", f"/r/{code}{path}", as_sent(world, actor, form, code), "room.scene", scene=True)


# ---------------------------------------------------------------------------------------------------------
# The properties

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
OTHER_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


@st.composite
def requests_to(draw, world, rule):
    """A request to one route: by a drawn actor, to a drawn code, with drawn path parameters and form."""
    actor = draw(st.sampled_from(ACTORS))
    code = draw(codes_for(world, actor))

    def fill(match):
        converter, name = match.group(1), match.group(2)
        if name == "code":
            value = code
        elif converter == "int":
            value = draw(st.one_of(int_param(world, name), int_param(world, name), int_param(world, name), wild_text))
        else:
            value = draw(str_param(world))
        return quote(value, safe="")

    path = PARAM.sub(fill, rule.rule)
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    method = draw(st.one_of(st.sampled_from(methods), st.sampled_from(methods), st.sampled_from(OTHER_METHODS)))
    form = draw(forms)
    plain = draw(st.sampled_from([False, False, False, True]))  # now and then a plain form post (no htmx)
    return actor, method, path, form, plain, code


@settings(max_examples=HTTP_EXAMPLES, deadline=None, suppress_health_check=SLOW_IS_FINE, database=None)
@given(data=st.data())
def test_no_route_gives_a_5xx_or_lets_an_outsider_change_a_room(world, tally, data):
    """Every example: room A in a drawn state, then requests to drawn routes (about six)."""
    world.reset()
    set_the_scene(world, data)
    for rule in data.draw(st.lists(st.sampled_from(world.weighted_rules), min_size=1, max_size=12), label="routes"):
        actor, method, path, form, plain, code = data.draw(requests_to(world, rule), label=rule.endpoint)
        ROUTES_FUZZED[rule.endpoint, rule.rule] += 1
        send(world, actor, method, path, as_sent(world, actor, form, code), rule.endpoint, plain)
    CASES["test_no_route_gives_a_5xx_or_lets_an_outsider_change_a_room"] += 1


# Socket.IO payloads: what a phone (or anyone with a socket) can emit.
json_scalars = st.one_of(st.none(), st.booleans(), st.sampled_from(BIG_INTS), st.integers(),
                         st.floats(allow_nan=True, allow_infinity=True), wild_text, st.just(b"\x00\xff"))


def join_payloads(world, actor):
    codes = st.one_of(codes_for(world, actor), codes_for(world, actor), json_scalars,
                      st.lists(json_scalars, max_size=2),
                      st.dictionaries(st.text(max_size=5), json_scalars, max_size=2))
    versions = st.one_of(st.integers(-2, 40), json_scalars)
    return st.one_of(
        st.fixed_dictionaries({"code": codes, "version": versions}),
        st.fixed_dictionaries({}, optional={"code": codes, "version": versions, "extra": json_scalars}),
        json_scalars, st.lists(json_scalars, max_size=3),
    )


def typing_payloads(world):
    keys = st.one_of(
        st.sampled_from(["nieuw", "notitie-leren-01", "notitie-" + "x" * 41, "afspraak-" + "9" * 10]),
        st.sampled_from(world.ids["agreement_id"] + list(BIG_INTS)).map(lambda n: f"afspraak-{n}"),
        wild_text.map(lambda text: f"notitie-{text}"),
        json_scalars,
    )
    return st.one_of(st.fixed_dictionaries({"key": keys}), json_scalars, st.lists(keys, max_size=2))


@st.composite
def socket_events(draw, world, actors):
    actor = draw(st.sampled_from(actors))
    name = draw(st.sampled_from(["join", "join", "typing", "typing", "message", "nieuw"]))
    payload = join_payloads(world, actor) if name == "join" else typing_payloads(world)
    args = draw(st.one_of(st.tuples(payload), st.tuples(payload), st.tuples(), st.tuples(payload, json_scalars)))
    return actor, name, args


@settings(max_examples=SOCKET_EXAMPLES, deadline=None, suppress_health_check=SLOW_IS_FINE, database=None)
@given(data=st.data())
def test_socket_events_never_raise_nor_reach_outsiders(app, world, tally, data):
    world.reset()
    actors = data.draw(st.lists(st.sampled_from(ACTORS), min_size=1, max_size=3, unique=True), label="sockets of")
    member_of = {actor: world.member_of(actor) for actor in actors}
    sockets = {}
    try:
        for actor in actors:
            sockets[actor] = socketio.test_client(app, flask_test_client=world.clients[actor])
            assert sockets[actor].is_connected()
        for _ in range(data.draw(st.integers(1, 4), label="events")):
            actor, name, args = data.draw(socket_events(world, actors), label="event")
            if not sockets[actor].is_connected():  # the server may close a connection (realtime/guard.py)
                continue
            what = f"{actor} emitted {name} {args!r:.300}"
            before = {room: world.state_of(room) for room in ROOMS if room not in member_of[actor]}
            world.caught.errors.clear()
            sockets[actor].emit(name, *args)  # the test client raises what the handler raised ...
            assert world.caught.errors == [], what  # ... and nothing may be caught and logged on the way
            world.touched(actor)  # an event changes presence at most, never who is in a room
            for room, seen in before.items():
                world.fresh.pop(room, None)
                assert_unchanged_by_outsider(room, seen, world.state_of(room), False, what)
            for other, sio in sockets.items():
                if not member_of[other] and sio.is_connected():
                    names = {event["name"] for event in sio.get_received()}
                    assert names <= {"denied"}, f"{other}, in no room, received {names}"
        CASES["test_socket_events_never_raise_nor_reach_outsiders"] += 1
    finally:
        for sio in sockets.values():
            if sio.is_connected():
                sio.disconnect()


def test_the_fuzzer_walks_every_room_route(world):
    """The url_map walk finds the routes (a renamed blueprint would silently fuzz nothing)."""
    endpoints = {rule.endpoint for rule in world.rules}
    assert len(endpoints) >= 30 and {"room.show", "room.state", "room.edit_agreement"} <= endpoints
