"""Load generator: R rooms of three phones on a Stagegesprek server (or bench/bare_server.py), in one asyncio process.

Seating comes first and is not timed: per room, the stagedocent starts it (`GET /`, `POST /rooms`) and the
student and the praktijkopleider join (`GET /r/<CODE>`, `POST /r/<CODE>/join`), each phone with its own cookies
and following its 303 to the room page, as a browser does (its CSRF token and `data-version`), at most
--seat-concurrency rooms at a time. Once a room's three pages are there, its phones open their sockets
(websocket transport only) and emit `join {code, version}`, as browsers do, before the next room is seated; at
the end we wait until the pushes this causes have died down.

The timed window (--duration s): every room makes one change every --interval s, the rooms' first changes
spread evenly over the first interval (--interval 0: no changes, the window measures the server at rest). A change
is the student moving the phase (`POST /r/<CODE>/phase`, as htmx sends it: `HX-Request` and the room page's
`X-CSRFToken`); its answer's `X-Room-Version` says which version it made. A delivery is one of the other two
phones receiving `update` with that version; its latency runs from just before the POST to the moment the phone's
socket hands over the update. A room waits for its POST's answer before its next change (a person taps again only
once the screen answered); a change whose slot has passed goes at once. A delivery that has not arrived
--lost-after s after its POST counts as lost; we wait for that at the end of the window.

Counted as well: sockets closed by the other side during the window (disconnects), rooms that could not be
seated and sockets that could not connect or join (connect failures), changes whose POST failed. A room whose
seating the server refused with 503 (its admission control: too busy for newcomers) counts as refused (busy),
not as a failure; it is simply not live. With --pids, the server processes' CPU over the window (from
/proc/<pid>/stat) and their RSS before seating and after connecting; and the CPU of everything else on the
machine over the window (from /proc/stat), since other work on the same cores changes the figures. The
generator reports its own CPU and its event loop's lag (how late a 100 ms timer fires), so one can see whether
it, rather than the server, was the limit.

The socket client (--client): `raw` speaks Engine.IO 4 / Socket.IO 5 text packets over aiohttp's websocket
(one task per phone, the version read from the packet's first bytes); `socketio` uses python-socketio's
AsyncClient (two tasks per phone, every packet decoded). Prints a summary, and one JSON line with --json.

--windows N: N timed windows one after another on the same seated rooms, each with its own result (a room goes on
moving between the two phases where it left off). With --gate PATH the generator, once connected, writes PATH.ready
and waits before window i until PATH.go<i> exists, then writes that window's result to PATH.done<i>: so
bench/compare.py --interleave can time the app and the bare server in turns, seconds apart, both seated.

    .venv/bin/python bench/load.py --url http://127.0.0.1:5000 --rooms 150 --duration 35
"""
import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

import aiohttp

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
DATA_VERSION = re.compile(r'data-version="(\d+)"')
UPDATE_VERSION = re.compile(r'42\["update",\{"version":(\d+)')
TICK = os.sysconf("SC_CLK_TCK")
now = time.monotonic


class Refused(Exception):
    pass


class Busy(Refused):
    """503: the server's admission control refused a newcomer (webapp/admission.py); that room is not live."""


def proc_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15 of stat)


def machine_busy_seconds() -> float:
    """CPU time spent by everything on the machine, all cores (from /proc/stat)."""
    with open("/proc/stat") as handle:
        fields = [int(value) for value in handle.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICK  # all but idle and iowait


def proc_rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Phone:
    """One person's browser: cookies, the room page's CSRF token and version, and a socket."""

    def __init__(self, gen: "Generator", base: str):
        self.gen, self.base = gen, base
        self.cookies: dict[str, str] = {}
        self.csrf, self.code, self.version = None, None, 0
        self.received: dict[int, float] = {}  # version -> monotonic time its update arrived
        self.sid = ""  # its socket's id, once connected
        self.ws = self.sio = self.reader = None
        self.open = False

    async def http(self, method: str, path: str, timeout: float = 60, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        async with self.gen.session.request(method, self.base + path, headers=headers, allow_redirects=False,
                                            timeout=aiohttp.ClientTimeout(total=timeout), **kwargs) as response:
            body = await response.text()
            for name, morsel in response.cookies.items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
            return response.status, response.headers, body

    async def form(self, path: str, page: str, data: dict) -> str:
        """GET the page with the form, POST it with its CSRF token; returns the 303's Location."""
        status, _, body = await self.http("GET", page)
        token = CSRF_FIELD.search(body)
        if status != 200 or not token:
            raise (Busy if status == 503 else Refused)(f"GET {page}: {status}")
        status, headers, body = await self.http("POST", path, data={**data, "csrf_token": token.group(1)})
        if status != 303:
            raise (Busy if status == 503 else Refused)(f"POST {path}: {status} {body[:200]}")
        return headers["Location"]

    async def open_room(self, code: str) -> None:
        """The room page the 303 leads to: its CSRF token for htmx, and the version it shows."""
        self.code = code
        status, _, body = await self.http("GET", f"/r/{code}")
        token, version = CSRF_HEADER.search(body), DATA_VERSION.search(body)
        if status != 200 or not token:
            raise (Busy if status == 503 else Refused)(f"GET /r/{code}: {status}")
        self.csrf, self.version = token.group(1), int(version.group(1)) if version else 0

    def got(self, version: int) -> None:
        self.received.setdefault(version, now())
        self.gen.last_update = now()

    def lost_socket(self) -> None:
        if self.open:
            self.open = False
            if self.gen.phase == "window":
                self.gen.disconnects += 1
            elif self.gen.phase != "done":
                self.gen.early_disconnects += 1

    # --- raw Engine.IO 4 / Socket.IO 5 over aiohttp's websocket
    async def connect_raw(self) -> None:
        url = self.base.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        ws = await self.gen.session.ws_connect(url, headers={"Cookie": cookie}, max_msg_size=0, compress=0,
                                               timeout=aiohttp.ClientWSTimeout(ws_close=5))
        self.ws = ws
        opened = await asyncio.wait_for(ws.receive(), 30)
        if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
            raise Refused(f"no Engine.IO open packet: {opened}")
        await ws.send_str("40")
        while True:
            message = await asyncio.wait_for(ws.receive(), 30)
            if message.type != aiohttp.WSMsgType.TEXT:
                raise Refused(f"no Socket.IO connect: {message}")
            if message.data == "2":
                await ws.send_str("3")
                continue
            if not message.data.startswith("40"):
                raise Refused(f"Socket.IO connect refused: {message.data[:200]}")
            self.sid = json.loads(message.data[2:] or "{}").get("sid")
            break
        self.open = True
        await ws.send_str("42" + json.dumps(["join", {"code": self.code, "version": self.version}]))
        self.reader = asyncio.create_task(self.read_raw())

    async def read_raw(self) -> None:
        ws = self.ws
        try:
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = message.data
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith("42"):
                    match = UPDATE_VERSION.match(data)
                    if match:
                        self.got(int(match.group(1)))
                        continue
                    event, *args = json.loads(data[2:])
                    if event == "update":
                        self.got(args[0]["version"])
                    elif event in ("denied", "removed", "deleted"):
                        self.gen.denied += 1
                elif data.startswith("41") or data == "1":
                    break
        except Exception:
            pass
        finally:
            self.lost_socket()

    # --- python-socketio's AsyncClient
    async def connect_sio(self) -> None:
        import socketio

        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sio = socketio.AsyncClient(reconnection=False, http_session=self.gen.session, handle_sigint=False,
                                   websocket_extra_options={"headers": {"Cookie": cookie}})
        self.sio = sio

        @sio.on("update")
        def on_update(data):
            self.got(data["version"])

        @sio.on("denied")
        def on_denied(data):
            self.gen.denied += 1

        sio.on("disconnect", lambda *args: self.lost_socket())
        await sio.connect(self.base, transports=["websocket"], wait_timeout=30)
        self.sid = sio.get_sid()
        self.open = True
        await sio.emit("join", {"code": self.code, "version": self.version})


class Room:
    def __init__(self, index: int, docent: Phone, student: Phone, opleider: Phone):
        self.index, self.docent, self.student, self.opleider = index, docent, student, opleider
        self.phones = (docent, student, opleider)
        self.others = (docent, opleider)  # the phones whose deliveries are timed
        self.ok = False
        self.moves = 0  # changes made so far: the next goes to the other phase, in any window


class Generator:
    def __init__(self, args):
        self.args = args
        self.urls = [url.rstrip("/") for url in args.url]
        self.rooms: list[Room] = []
        self.changes: list[tuple[float, int, Room]] = []  # (sent, version, room)
        self.failed_changes = self.late_changes = 0
        self.seat_failures = self.refused = self.connect_failures = self.denied = 0
        self.disconnects = self.early_disconnects = 0
        self.last_update = now()
        self.phase = "seating"
        self.phases: list[str] = []
        self.lags: list[float] = []
        self.errors: dict[str, int] = {}

    def note_error(self, what: str, error: Exception) -> None:
        key = f"{what}: {type(error).__name__} {str(error)[:120]}"
        self.errors[key] = self.errors.get(key, 0) + 1

    async def seat(self, index: int, limit: asyncio.Semaphore) -> None:
        base = self.urls[index % len(self.urls)]  # a room stays on one worker
        room = Room(index, Phone(self, base), Phone(self, base), Phone(self, base))
        self.rooms.append(room)
        async with limit:
            try:
                location = await room.docent.form("/rooms", "/", {"name": f"Docent {index}", "role": "stagedocent"})
                code = location.rstrip("/").rsplit("/", 1)[-1]
                await room.docent.open_room(code)
                for phone, name, role in ((room.student, f"Student {index}", "student"),
                                          (room.opleider, f"Opleider {index}", "praktijkopleider")):
                    await phone.form(f"/r/{code}/join", f"/r/{code}", {"name": name, "role": role})
                    await phone.open_room(code)
            except Busy:
                self.refused += 1
                return
            except Exception as error:
                self.seat_failures += 1
                self.note_error("seat", error)
                return
            # Each phone opens its socket once its room page is there, as a browser does: so a server counts
            # the sockets of the rooms it took before it decides on the next one (admission control).
            room.ok = all([await self.connect(phone) for phone in room.phones])

    async def connect(self, phone: Phone) -> bool:
        try:
            await asyncio.wait_for(phone.connect_raw() if self.args.client == "raw" else phone.connect_sio(), 60)
            return True
        except Exception as error:
            self.connect_failures += 1
            self.note_error("connect", error)
            return False

    async def change_loop(self, room: Room, first: float, end: float) -> None:
        phases, slot = self.phases, first
        while slot < end:
            await asyncio.sleep(max(0.0, slot - now()))
            phase = phases[(room.moves + 1) % 2]  # the rooms start in the first phase: go to the second, and back
            room.moves += 1
            sent = now()
            try:
                status, headers, body = await room.student.http(
                    "POST", f"/r/{room.student.code}/phase", timeout=self.args.lost_after * 3, data={"phase": phase},
                    # as app.js: the acting phone names its socket and gets its change in the answer only
                    headers={"HX-Request": "true", "X-CSRFToken": room.student.csrf, "X-Socket-Id": room.student.sid})
                if status != 200:
                    raise Refused(f"{status} {body[:120]}")
                self.changes.append((sent, int(headers["X-Room-Version"]), room))
            except Exception as error:
                self.failed_changes += 1
                self.note_error("change", error)
            slot += self.args.interval
            if slot < now():
                self.late_changes += 1
                slot = now()

    async def watch_lag(self) -> None:
        while self.phase in ("window", "grace"):
            before = now()
            await asyncio.sleep(0.1)
            self.lags.append((now() - before - 0.1) * 1000)

    async def run(self) -> list[dict]:
        """Seat and connect the rooms, then time --windows windows; a result per window."""
        args = self.args
        connector = aiohttp.TCPConnector(limit=0, force_close=False, enable_cleanup_closed=True)
        self.session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        pids = args.pids
        rss_idle = sum(proc_rss_kb(pid) for pid in pids)
        started = now()

        limit = asyncio.Semaphore(args.seat_concurrency)
        progress = asyncio.create_task(self.progress())
        await asyncio.gather(*(self.seat(i, limit) for i in range(args.rooms)))
        seated = [room for room in self.rooms if room.ok]
        if not seated:
            progress.cancel()
            await self.session.close()
            raise SystemExit(f"no room could be seated ({self.refused} refused as busy): {list(self.errors)[:3]}")
        status, _, body = await seated[0].student.http("GET", f"/r/{seated[0].student.code}/state.json")
        state = json.loads(body)
        phase_ids = [p["id"] for p in state["phases"]]
        self.phases = [phase_ids[0], phase_ids[1]] if state["phase"] == phase_ids[0] else [state["phase"], phase_ids[0]]
        seat_seconds = now() - started

        self.phase = "connecting"
        started = now()
        live = [room for room in seated if room.ok]
        # Wait until the pushes that joining caused (presence, catching up) have died down.
        self.last_update = now()
        while now() - self.last_update < 2 and now() - started < 120:
            await asyncio.sleep(0.25)
        connect_seconds = now() - started
        progress.cancel()
        rss_connected = sum(proc_rss_kb(pid) for pid in pids)
        sockets = sum(phone.open for room in live for phone in room.phones)
        seated_figures = {
            "rooms": args.rooms, "rooms_live": len(live), "sockets": sockets, "client": args.client,
            "interval": args.interval, "seat_failures": self.seat_failures, "refused": self.refused,
            "connect_failures": self.connect_failures,
            "server_rss_idle_mb": round(rss_idle / 1024, 1), "server_rss_connected_mb": round(rss_connected / 1024, 1),
            "server_kb_per_socket": round((rss_connected - rss_idle) / sockets, 1) if pids and sockets else None,
            "seat_seconds": round(seat_seconds, 1), "connect_seconds": round(connect_seconds, 1),
        }
        if args.gate:
            Path(f"{args.gate}.ready").touch()
        results = []
        for number in range(args.windows):
            if args.gate:
                while not Path(f"{args.gate}.go{number}").exists():
                    await asyncio.sleep(0.1)
            result = seated_figures | await self.window(live, pids)
            results.append(result)
            if args.gate:
                Path(f"{args.gate}.done{number}").write_text(json.dumps(result))
        return results

    async def window(self, live: list[Room], pids: list[int]) -> dict:
        """One timed window on the seated rooms: the changes, their deliveries and the CPU it took."""
        args = self.args
        self.changes, self.lags, self.failed_changes, self.late_changes, self.disconnects = [], [], 0, 0, 0
        self.phase = "window"
        lag = asyncio.create_task(self.watch_lag())
        cpu0, own0, t0 = sum(proc_cpu_seconds(pid) for pid in pids), time.process_time(), now()
        busy0 = machine_busy_seconds()
        end = t0 + args.duration
        if not live:
            print("no room has all three phones connected: nothing to time", file=sys.stderr, flush=True)
        elif args.interval > 0:
            spread = args.interval / len(live)
            await asyncio.gather(*(self.change_loop(room, t0 + i * spread, end) for i, room in enumerate(live)))
        # The window lasts --duration: with --interval 0 (no changes) it measures the process at rest.
        await asyncio.sleep(max(0.0, end - now()))
        window = now() - t0
        cpu1, own1 = sum(proc_cpu_seconds(pid) for pid in pids), time.process_time()
        busy1 = machine_busy_seconds()
        rss_end = sum(proc_rss_kb(pid) for pid in pids)

        self.phase = "grace"  # deliveries still on their way count until lost_after
        while True:
            pending = [(sent, version, room) for sent, version, room in self.changes
                       if now() - sent < args.lost_after and any(version not in p.received for p in room.others)]
            if not pending:
                break
            await asyncio.sleep(0.2)
        self.phase = "between"
        lag.cancel()

        latencies, lost = [], 0
        for sent, version, room in self.changes:
            for phone in room.others:
                arrived = phone.received.get(version)
                if arrived is None or arrived - sent > args.lost_after:
                    lost += 1
                else:
                    latencies.append((arrived - sent) * 1000)
        latencies.sort()

        def pct(seconds):
            return round(seconds / window * 100, 1) if live else None

        def q(p):
            return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1) if latencies else None

        lags = sorted(self.lags) or [0.0]
        return {
            "duration": round(window, 1), "changes": len(self.changes),
            "deliveries": len(latencies), "lost": lost,
            "p50": round(statistics.median(latencies), 1) if latencies else None,
            "p95": q(0.95), "p99": q(0.99), "max": round(latencies[-1], 1) if latencies else None,
            "disconnects": self.disconnects, "disconnects_before_window": self.early_disconnects,
            "denied": self.denied,  # so far: a socket can be turned away at any time
            "failed_changes": self.failed_changes, "late_changes": self.late_changes,
            "server_cpu_pct": pct(cpu1 - cpu0) if pids else None,
            "server_cpu_ms_per_change": round((cpu1 - cpu0) * 1000 / len(self.changes), 2)
            if pids and self.changes else None,
            "server_rss_end_mb": round(rss_end / 1024, 1),
            "gen_cpu_pct": pct(own1 - own0),
            # everything else on the machine over the window (other processes, the kernel's own work)
            "others_cpu_pct": pct((busy1 - busy0) - (cpu1 - cpu0) - (own1 - own0)),
            "gen_lag_p99_ms": round(lags[min(len(lags) - 1, int(0.99 * len(lags)))], 1),
            "gen_lag_max_ms": round(lags[-1], 1),
            "errors": dict(sorted(self.errors.items(), key=lambda item: -item[1])[:8]),
        }

    async def progress(self) -> None:
        while True:
            await asyncio.sleep(10)
            opened = sum(phone.open for room in self.rooms for phone in room.phones)
            print(f"  [{self.phase}] rooms seated {sum(r.ok for r in self.rooms)}/{self.args.rooms}, "
                  f"sockets open {opened}, failures {self.seat_failures + self.connect_failures}",
                  file=sys.stderr, flush=True)


def summary(r: dict) -> str:
    return (f"rooms {r['rooms_live']}/{r['rooms']}, sockets {r['sockets']}, changes {r['changes']} "
            f"in {r['duration']} s, deliveries {r['deliveries']}, lost {r['lost']}\n"
            f"latency ms: p50 {r['p50']}  p95 {r['p95']}  p99 {r['p99']}  max {r['max']}\n"
            f"disconnects {r['disconnects']} (before the window {r['disconnects_before_window']}), "
            f"seat failures {r['seat_failures']}, refused (busy) {r['refused']}, "
            f"connect failures {r['connect_failures']}, "
            f"failed changes {r['failed_changes']}, late changes {r['late_changes']}\n"
            f"server CPU {r['server_cpu_pct']}% ({r['server_cpu_ms_per_change']} ms per change), "
            f"RSS {r['server_rss_idle_mb']} -> {r['server_rss_connected_mb']} MB "
            f"({r['server_kb_per_socket']} KB per socket)\n"
            f"everything else on the machine {r['others_cpu_pct']}%; "
            f"generator CPU {r['gen_cpu_pct']}%, loop lag p99 {r['gen_lag_p99_ms']} ms, max {r['gen_lag_max_ms']} ms; "
            f"seating {r['seat_seconds']} s, connecting {r['connect_seconds']} s"
            + (f"\nerrors: {r['errors']}" if r["errors"] else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", action="append", required=True,
                        help="server base URL; give it once per worker: room i goes to the (i mod n)th")
    parser.add_argument("--rooms", type=int, default=150)
    parser.add_argument("--interval", type=float, default=5.0,
                        help="seconds between two changes of a room (5); 0: no changes, the server at rest")
    parser.add_argument("--duration", type=float, default=35.0, help="seconds of timed load (35)")
    parser.add_argument("--lost-after", type=float, default=10.0, help="a delivery later than this is lost (10 s)")
    parser.add_argument("--client", choices=["raw", "socketio"], default="raw")
    parser.add_argument("--seat-concurrency", type=int, default=4,
                        help="rooms seated at a time (4): people arrive spread out, not 16 rooms at once")
    parser.add_argument("--pids", type=lambda s: [int(p) for p in s.split(",") if p], default=[],
                        help="comma-separated server process ids for CPU and RSS")
    parser.add_argument("--json", action="store_true", help="also print each result as one JSON line")
    parser.add_argument("--windows", type=int, default=1, help="timed windows on the same rooms, one after another")
    parser.add_argument("--gate", help="write PATH.ready once connected; wait for PATH.go<i> before window i and "
                                       "write its result to PATH.done<i> (bench/compare.py --interleave)")
    args = parser.parse_args()
    for result in asyncio.run(Generator(args).run()):
        print(summary(result), flush=True)
        if args.json:
            print("RESULT " + json.dumps(result), flush=True)
    os._exit(0)  # leave the sockets to the server's side: closing thousands one by one only costs time


if __name__ == "__main__":
    main()
