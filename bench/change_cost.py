"""The cost of one change, in-process: server time, and bytes pushed to each phone and answered to the actor.

A room is seated as in the tests (the stagedocent starts it, the student and the praktijkopleider join),
each person's browser is a Flask test client with a Flask-SocketIO test client beside it, joined to the
room. Then N changes of one kind are made, each one a POST as htmx sends it, and for every change we
record:

- the server's wall time and process CPU time for the POST (the Flask test client runs the view in this
  process, so this is the whole request: the change, rendering for every role and emitting to the
  sockets, including the Socket.IO test client's encode and decode of each packet);
- per role, the bytes of the `update` payload that role's socket received (JSON, UTF-8), and its
  fragment ids;
- the bytes of the acting phone's HTTP answer and the targets of its `<hx-partial>` blocks;
- the SQL statements the POST ran (a SQLAlchemy engine event: it only watches), the live regions it rendered
  (Flask's `template_rendered` signal, for the templates under regions/), and the garbage collector's
  collections per generation with their pauses (gc.callbacks), over the measured changes.

The first 20 changes of each kind are warm-up and are not counted. The kinds (--action):

- phase: the student moves the phase back and forth between the first two phases of state.json;
- afspraak: the praktijkopleider adds an afspraak (a fresh room every 90, a room holds at most 100);
- note: the student draws a card from the set Leren once, then the stagedocent saves its note over and over.

Only the HTTP routes, state.json and the Socket.IO events are used (and the engine and Flask's signal, to count),
not the app's internals, so the script runs unchanged while those are rewritten. SQLite in a temporary
directory, threading mode, no Redis. Run from the project root:

    .venv/bin/python bench/change_cost.py                      # all kinds, 200 changes each
    .venv/bin/python bench/change_cost.py --action note --changes 500 --json
"""
import argparse
import gc
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from flask.signals import template_rendered  # noqa: E402
from sqlalchemy import event  # noqa: E402

from webapp import create_app  # noqa: E402

WARMUP = 20
ROLES = ("student", "stagedocent", "praktijkopleider")
NAMES = {"student": "Sanne", "stagedocent": "Marieke", "praktijkopleider": "Kees"}
PARTIAL_TARGET = re.compile(r'<hx-partial hx-target="#([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of a page (as tests/support/app.py finds it: a form field or htmx's header config)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'"X-CSRFToken": "([^"]+)"', html)
    if not match:
        raise RuntimeError("page carries no CSRF token")
    return match.group(1)


def make_app(directory: str):
    """The app as the test fixture configures it, with its tables created."""
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "bench-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(directory) / 'bench.db'}",
        "SOCKETIO_ASYNC_MODE": "threading",
        "REDIS_URL": None,
        "MAIL_BACKEND": "locmem",
        "JOIN_RATE_LIMIT": "100000 per minute",
        "CREATE_RATE_LIMIT": "100000 per hour",
    })
    with app.app_context():
        app.extensions["sqlalchemy"].create_all()
        event.listen(app.extensions["sqlalchemy"].engine, "before_cursor_execute", count_statement)
    template_rendered.connect(note_render, app)
    return app


STATEMENTS = [0]  # SQL statements run so far
RENDERED: list[str] = []  # the live regions rendered so far, by id


def count_statement(*_args) -> None:
    STATEMENTS[0] += 1


def note_render(_sender, template, **_extra) -> None:
    if template.name.startswith("regions/"):
        RENDERED.append(template.name.removeprefix("regions/").removesuffix(".html"))


class Collections:
    """The garbage collector's collections while it is on: per generation, how many and how long (ms)."""

    def __init__(self):
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses[info["generation"]].append((time.perf_counter() - self._started) * 1000)

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_exc):
        gc.callbacks.remove(self)


def payload_bytes(payload) -> int:
    return len(json.dumps(payload, ensure_ascii=False).encode())


class Phone:
    """One person's browser: an HTTP client with its cookies, and a Socket.IO client in the room."""

    def __init__(self, app):
        self.app, self.http, self.sio = app, app.test_client(), None
        self.code = self.csrf = None

    def start(self, role: str) -> str:
        token = csrf_from(self.http.get("/").get_data(as_text=True))
        response = self.http.post("/rooms", data={"name": NAMES[role], "role": role, "csrf_token": token})
        _expect(response, 303)
        return response.location.rsplit("/", 1)[-1]

    def join(self, code: str, role: str) -> None:
        token = csrf_from(self.http.get(f"/r/{code}").get_data(as_text=True))
        response = self.http.post(f"/r/{code}/join", data={"name": NAMES[role], "role": role, "csrf_token": token})
        _expect(response, 303)

    def connect(self, code: str) -> None:
        """Take the room page's CSRF token (as htmx sends it), then open the socket and join the room."""
        self.code = code
        self.csrf = csrf_from(self.http.get(f"/r/{code}").get_data(as_text=True))
        self.sio = self.app.extensions["socketio"].test_client(self.app, flask_test_client=self.http)
        if not self.sio.is_connected():
            raise RuntimeError("the socket did not connect")
        self.sio.emit("join", {"code": code, "version": self.state()["version"]})

    def state(self) -> dict:
        response = self.http.get(f"/r/{self.code}/state.json")
        _expect(response, 200)
        return response.get_json()

    def post(self, path: str, data: dict):
        """An htmx POST, timed; returns (wall seconds, CPU seconds, answer body, SQL statements, regions rendered)."""
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf}
        statements = STATEMENTS[0]
        RENDERED.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        response = self.http.post(f"/r/{self.code}{path}", data=data, headers=headers)
        body = response.get_data()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        _expect(response, 200)
        return wall, cpu, body, STATEMENTS[0] - statements, tuple(sorted(RENDERED))

    def updates(self) -> list[dict]:
        return [event["args"][0] for event in self.sio.get_received() if event["name"] == "update"]


def _expect(response, status: int) -> None:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.path}: {response.status_code}, expected {status}: "
                           f"{response.get_data(as_text=True)[:500]}")


@dataclass
class Table:
    """A room with its three phones, each connected and joined."""

    code: str
    phones: dict[str, Phone]

    @classmethod
    def seat(cls, app) -> "Table":
        phones = {role: Phone(app) for role in ROLES}
        code = phones["stagedocent"].start("stagedocent")
        phones["student"].join(code, "student")
        phones["praktijkopleider"].join(code, "praktijkopleider")
        for phone in phones.values():
            phone.connect(code)
        table = cls(code, phones)
        table.drain()
        return table

    def drain(self) -> None:
        for phone in self.phones.values():
            phone.updates()

    def leave(self) -> None:
        for phone in self.phones.values():
            phone.sio.disconnect()


@dataclass
class Sample:
    wall_ms: float
    cpu_ms: float
    statements: int
    rendered: tuple[str, ...]  # the live regions rendered, one entry per render
    answer_bytes: int
    answer_ids: tuple[str, ...]
    pushed: dict[str, list[dict]]  # role -> the updates that role's socket received


class Phase:
    name, actor, per_room = "phase", "student", None
    what = "the student moves the phase, alternating between the first two phases"

    def prepare(self, table: Table) -> None:
        phases = table.phones[self.actor].state()["phases"]
        self.ids = [phases[1]["id"], phases[0]["id"]]

    def request(self, i: int) -> tuple[str, dict]:
        return "/phase", {"phase": self.ids[i % 2]}


class Afspraak:
    name, actor, per_room = "afspraak", "praktijkopleider", 90
    what = "the praktijkopleider adds an afspraak (a fresh room every 90, so 0-89 afspraken already there)"

    def prepare(self, table: Table) -> None:
        pass

    def request(self, i: int) -> tuple[str, dict]:
        what = f"Afspraak {i + 1}: Sanne vraagt na elke overdracht feedback aan een collega."
        return "/agreements", {"what": what, "who": "student", "when": "voor-volgend-gesprek"}


class Note:
    name, actor, per_room = "note", "stagedocent", None
    what = "the stagedocent saves the note on the card on the table (drawn once by the student)"

    def prepare(self, table: Table) -> None:
        student = table.phones["student"]
        student.post("/cards/draw", {"deck": "leren"})
        self.card_id = student.state()["current_card"]["id"]
        table.drain()

    def request(self, i: int) -> tuple[str, dict]:
        note = f"Notitie {i + 1}: we bespraken hoe Sanne feedback vraagt en wat ze daarmee doet."
        return f"/cards/{self.card_id}/note", {"note": note, "rev": str(i)}


ACTIONS = {action.name: action for action in (Phase, Afspraak, Note)}


def measure(app, action, changes: int) -> tuple[list[Sample], Collections]:
    """`changes` changes of one kind, in as many rooms as it needs; all samples, warm-up included, and the
    garbage collections during the changes after warm-up (seating a new room included)."""
    samples, table, i, collections = [], None, 0, Collections()
    for n in range(changes):
        if n == WARMUP:
            collections.__enter__()
        if table is None or (action.per_room and i == action.per_room):
            if table is not None:
                table.leave()
            table, i = Table.seat(app), 0
            action.prepare(table)
        path, data = action.request(i)
        wall, cpu, body, statements, rendered = table.phones[action.actor].post(path, data)
        pushed = {role: phone.updates() for role, phone in table.phones.items()}
        samples.append(Sample(wall * 1000, cpu * 1000, statements, rendered, len(body),
                              tuple(PARTIAL_TARGET.findall(body.decode())), pushed))
        i += 1
    if changes > WARMUP:
        collections.__exit__()
    table.leave()
    return samples, collections


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "p95": p95(values), "min": min(values), "max": max(values)}


def id_sets(id_lists) -> list[list[str]]:
    """The distinct fragment-id lists seen, most frequent first."""
    counts = {}
    for ids in id_lists:
        counts[tuple(ids)] = counts.get(tuple(ids), 0) + 1
    return [list(ids) for ids, _ in sorted(counts.items(), key=lambda item: -item[1])]


def summarize(action, samples: list[Sample], collections: Collections) -> dict:
    measured = samples[WARMUP:] if len(samples) > WARMUP else samples
    roles = {}
    for role in ROLES:
        updates = [s.pushed[role] for s in measured]
        single = [u[0] for u in updates if len(u) == 1]
        roles[role] = {
            "bytes": spread([payload_bytes(u) for u in single]) if single else None,
            "fragments": id_sets(list(u["fragments"]) for u in single),
            "changes_without_exactly_one_update": sum(len(u) != 1 for u in updates),
            "full_updates": sum(bool(u.get("full")) for us in updates for u in us),
        }
    return {
        "action": action.name, "actor": action.actor, "what": action.what,
        "changes": len(measured), "warmup": len(samples) - len(measured),
        "wall_ms": spread([s.wall_ms for s in measured]),
        "cpu_ms": spread([s.cpu_ms for s in measured]),
        "statements": spread([s.statements for s in measured]),
        "renders": spread([len(s.rendered) for s in measured]),
        "rendered": [{"regions": dict(Counter(rendered)), "changes": n}
                     for rendered, n in Counter(s.rendered for s in measured).most_common()],
        "gc": {f"gen{generation}": {"collections": len(pauses), "pause_ms": round(sum(pauses), 2),
                                    "max_ms": round(max(pauses, default=0), 2)}
               for generation, pauses in collections.pauses.items()},
        "answer_bytes": spread([s.answer_bytes for s in measured]),
        "answer_targets": id_sets(s.answer_ids for s in measured),
        "roles": roles,
    }


def _ids(sets: list[list[str]]) -> str:
    return " / ".join(", ".join(ids) or "–" for ids in sets) or "–"


def _renders(kinds: list[dict]) -> str:
    """'fase 1, stap 3 (170) / ...': the regions rendered and how often, per distinct set, most frequent first."""
    return " / ".join(", ".join(f"{region} {times}" for region, times in kind["regions"].items())
                      + f" ({kind['changes']})" for kind in kinds) or "–"


def markdown(summary: dict) -> str:
    lines = [
        f"### {summary['action']}: {summary['what']}",
        "",
        f"{summary['changes']} changes measured after {summary['warmup']} warm-up.",
        "",
        "| measure | median | p95 | fragments |",
        "| --- | ---: | ---: | --- |",
        f"| server wall time, ms | {summary['wall_ms']['median']:.2f} | {summary['wall_ms']['p95']:.2f} | |",
        f"| server CPU time, ms | {summary['cpu_ms']['median']:.2f} | {summary['cpu_ms']['p95']:.2f} | |",
        f"| SQL statements | {summary['statements']['median']:.0f} | {summary['statements']['p95']:.0f} | |",
        f"| regions rendered | {summary['renders']['median']:.0f} | {summary['renders']['p95']:.0f} | "
        f"{_renders(summary['rendered'])} |",
    ]
    for role, pushed in summary["roles"].items():
        if pushed["bytes"] is None:
            lines.append(f"| `update` to the {role}, bytes | – | – | no single update per change |")
            continue
        lines.append(f"| `update` to the {role}, bytes | {pushed['bytes']['median']:,.0f} | "
                     f"{pushed['bytes']['p95']:,.0f} | {_ids(pushed['fragments'])} |")
    answer = summary["answer_bytes"]
    lines.append(f"| HTTP answer to the {summary['actor']}, bytes | {answer['median']:,.0f} | {answer['p95']:,.0f} | "
                 f"{_ids(summary['answer_targets'])} |")
    odd = [f"the {role} got other than one update for {p['changes_without_exactly_one_update']} changes"
           for role, p in summary["roles"].items() if p["changes_without_exactly_one_update"]]
    odd += [f"the {role} got {p['full_updates']} full re-renders"
            for role, p in summary["roles"].items() if p["full_updates"]]
    if odd:
        lines += ["", "Note: " + "; ".join(odd) + "."]
    collected = ", ".join(f"{name}: {c['collections']} ({c['pause_ms']:.1f} ms, longest {c['max_ms']:.1f} ms)"
                          for name, c in summary["gc"].items())
    lines += ["", f"Garbage collections over the {summary['changes']} changes: {collected}."]
    return "\n".join(lines)


def machine() -> dict:
    return {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=200, help="changes per kind, warm-up included (200)")
    parser.add_argument("--action", choices=["all", *ACTIONS], default="all")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args()
    if args.changes < 1:
        parser.error("--changes must be at least 1")

    names = list(ACTIONS) if args.action == "all" else [args.action]
    with tempfile.TemporaryDirectory(prefix="change-cost-") as directory:
        app = make_app(directory)
        summaries = [summarize(ACTIONS[name], *measure(app, ACTIONS[name](), args.changes)) for name in names]
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
    if args.json:
        print(json.dumps({"machine": machine(), "actions": summaries}, indent=2, ensure_ascii=False))
        return
    info = machine()
    print(f"{info['cores']} cores, Python {info['python']}, {info['platform']}\n")
    print("\n\n".join(markdown(summary) for summary in summaries))


if __name__ == "__main__":
    main()
