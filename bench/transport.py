"""What the transport adds to an answer: the write stall, HTTP compression and websocket compression.

Starts the real server in its own process on a fresh SQLite file, as production runs it: `python wsgi.py`
(eventlet.wsgi) or, with --server gunicorn, `gunicorn -c gunicorn.conf.py wsgi:app` (gevent's worker). Then:

- stall: a room with enough afspraken that the afspraken region makes the htmx answer to an edit about
  20 KB; that afspraak is edited N times in a row over ONE keep-alive connection (http.client), as a
  phone does; each request is timed from sending to the last byte of the answer. The same for GETs of the
  room page (42 KB+). An answer over eventlet's 16 KB write buffer used to leave in two writes, the second
  held back by Nagle's algorithm until the client's delayed ACK (40 ms on Linux).
- compression: bytes on the wire of the room page, the htmx answer, state.json and the static files,
  without compression and with each encoding the server offers (Accept-Encoding), and the time it takes
  to compress each of them in this process (gzip level 6, brotli level 4: Flask-Compress's defaults).
- websocket: whether the server negotiates permessage-deflate (a browser always offers it), and what it
  costs per message and per socket, measured on real `update` payloads of this room with eventlet's own
  websocket frame encoder: bytes, CPU per message, memory of one socket's compressor.

Run from the project root:

    .venv/bin/python bench/transport.py                    # all parts, python wsgi.py
    .venv/bin/python bench/transport.py --server gunicorn --part stall
"""
import argparse
import gzip
import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
AFSPRAKEN = 20  # in the room: the htmx answer to an edit is then over 20 KB
BROWSER = "gzip, deflate, br, zstd"  # what Chrome and Firefox send; Safari sends "gzip, deflate, br"
WHAT = ("Sanne zoekt uit welke opleiding bij haar past en bespreekt dat met haar mentor, nummer {n}",
        "Sanne bespreekt met haar mentor welke opleiding bij haar past en zoekt dat uit, nummer {n}")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'"X-CSRFToken": "([^"]+)"', html)
    if not match:
        raise RuntimeError("page carries no CSRF token")
    return match.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The app in its own process, on a free port and a fresh SQLite file."""

    def __init__(self, kind: str, directory: str):
        self.port = free_port()
        self.env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port),
                    "DATABASE_URL": f"sqlite:///{Path(directory) / 'transport.db'}",
                    "SECRET_KEY": "bench-secret", "MAIL_BACKEND": "file",
                    "MAIL_FILE_PATH": str(Path(directory) / "outbox"),
                    "JOIN_RATE_LIMIT": "100000 per minute", "CREATE_RATE_LIMIT": "100000 per hour",
                    # every phone connects from 127.0.0.1
                    "HANDSHAKE_ADDRESS_BURST": "1000000", "HANDSHAKE_ADDRESS_PER_SECOND": "1000000"}
        for name in ("REDIS_URL", "SOCKETIO_ASYNC_MODE"):
            self.env.pop(name, None)
        if kind == "gunicorn":
            self.command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "1",
                            "--no-control-socket", "wsgi:app"]
        else:
            self.command = [sys.executable, "wsgi.py"]
        self.log = open(Path(directory) / "server.log", "w")
        self.process = None

    def __enter__(self) -> "Server":
        subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "db", "upgrade"], cwd=ROOT, env=self.env,
                       check=True, capture_output=True)
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start; see {self.log.name}")

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.log.close()


class Browser:
    """One phone: one keep-alive connection with its cookie, as a browser keeps it."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        self.cookies: dict[str, str] = {}
        self.csrf = None

    def request(self, method: str, path: str, form: dict | None = None, headers: dict | None = None):
        """(status, headers, body, seconds from sending to the last byte)."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        seconds = time.perf_counter() - started
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers, data, seconds

    def htmx(self, method: str, path: str, form: dict | None = None, **headers):
        return self.request(method, path, form, {"HX-Request": "true", "X-CSRFToken": self.csrf, **headers})


def seat_room(port: int, with_docent: bool = False):
    """A stagedocent starts a room and a praktijkopleider joins; returns (code, the praktijkopleider) or, with
    with_docent, (code, the praktijkopleider, the stagedocent)."""
    docent, opleider = Browser(port), Browser(port)
    token = csrf_from(docent.request("GET", "/")[2].decode())
    status, headers, _, _ = docent.request("POST", "/rooms", {"name": "Marieke", "role": "stagedocent",
                                                             "csrf_token": token})
    code = headers["Location"].rsplit("/", 1)[-1]
    token = csrf_from(opleider.request("GET", f"/r/{code}")[2].decode())
    opleider.request("POST", f"/r/{code}/join", {"name": "Kees", "role": "praktijkopleider", "csrf_token": token})
    opleider.csrf = csrf_from(opleider.request("GET", f"/r/{code}")[2].decode())
    if with_docent:
        docent.csrf = csrf_from(docent.request("GET", f"/r/{code}")[2].decode())
        return code, opleider, docent
    return code, opleider


def fill_afspraken(code: str, phone: Browser) -> None:
    """Add AFSPRAKEN afspraken: the answer to an edit is then a little over 20 KB."""
    for n in range(AFSPRAKEN):
        status, _, body, _ = phone.htmx("POST", f"/r/{code}/agreements", {"what": WHAT[0].format(n=n),
                                                                          "who": "student",
                                                                          "when": "voor-volgend-gesprek"})
        if status != 200:
            raise RuntimeError(f"adding an afspraak: {status} {body[:300]!r}")


def summary(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"n": len(ms), "p50": statistics.median(ms), "p95": ms[int(0.95 * (len(ms) - 1))], "max": ms[-1]}


def part_stall(port: int, requests: int) -> dict:
    code, phone = seat_room(port)
    fill_afspraken(code, phone)
    state = json.loads(phone.request("GET", f"/r/{code}/state.json")[2])
    first = state["agreements"][0]
    rev, edits, sizes = first["rev"], {"identity": [], BROWSER: []}, {"identity": set(), BROWSER: set()}
    for accept in edits:
        for i in range(requests + 5):  # the first 5 warm up
            form = {"what": WHAT[i % 2].format(n=0), "who": "student", "when": "voor-volgend-gesprek", "rev": rev}
            status, _, body, seconds = phone.htmx("POST", f"/r/{code}/agreements/{first['id']}", form,
                                                  **{"Accept-Encoding": accept})
            if status != 200:
                raise RuntimeError(f"edit: {status} {body[:300]!r}")
            rev += 1
            if i >= 5:
                sizes[accept].add(len(body))
                edits[accept].append(seconds)
    pages, page_size = [], 0
    for i in range(requests + 5):
        status, _, body, seconds = phone.request("GET", f"/r/{code}", headers={"Accept-Encoding": "identity"})
        page_size = len(body)
        if i >= 5:
            pages.append(seconds)
    return {"htmx edit": {**summary(edits["identity"]), "bytes": sorted(sizes["identity"])},
            "htmx edit, compressed for a browser": {**summary(edits[BROWSER]), "bytes": sorted(sizes[BROWSER])},
            "room page GET": {**summary(pages), "bytes": page_size}}


def _time_it(function, body: bytes, rounds: int = 50) -> tuple[int, float]:
    started = time.perf_counter()
    for _ in range(rounds):
        out = function(body)
    return len(out), (time.perf_counter() - started) / rounds * 1000


def _compressors() -> dict:
    """The encodings Flask-Compress offers, at its default levels (the ones this app uses)."""
    compressors = {"gzip": lambda b: gzip.compress(b, 6)}
    try:
        import brotli

        compressors["br"] = lambda b: brotli.compress(b, quality=4)
    except ImportError:
        pass
    try:
        from backports import zstd
    except ImportError:
        try:
            from compression import zstd
        except ImportError:
            zstd = None
    if zstd is not None:
        compressors["zstd"] = lambda b: zstd.compress(b, 3)
    return compressors


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    return body



def part_compression(port: int) -> dict:
    """Per answer: its bytes, what the server sends to a browser (encoding, bytes) and, in this process, the
    bytes and milliseconds of each encoding."""
    code, phone = seat_room(port)
    fill_afspraken(code, phone)
    afspraak = json.loads(phone.request("GET", f"/r/{code}/state.json")[2])["agreements"][0]
    rev = [afspraak["rev"]]

    def edit(accept):
        form = {"what": WHAT[rev[0] % 2].format(n=0), "who": "student", "when": "voor-volgend-gesprek",
                "rev": rev[0]}
        rev[0] += 1
        return phone.htmx("POST", f"/r/{code}/agreements/{afspraak['id']}", form, **{"Accept-Encoding": accept})

    def get(path):
        return lambda accept: phone.htmx("GET", path, **{"Accept-Encoding": accept})

    page = get(f"/r/{code}")("identity")[2]
    static = dict.fromkeys(path.decode() for path in re.findall(rb'(?:href|src)="(/static/[^"]+)"', page))
    answers = {"room page": get(f"/r/{code}"), "htmx answer (afspraak edited)": edit,
               "state.json": get(f"/r/{code}/state.json"),
               **{path.split("?")[0]: get(path) for path in static}}
    compressors = _compressors()
    rows = {}
    for name, fetch in answers.items():
        fetch("identity")  # the first edit after the adds also carries the stap region: not counted
        raw = fetch("identity")[2]
        row = {"bytes": len(raw)}
        for accept in (BROWSER, "gzip"):
            _, headers, body, _ = fetch(accept)
            encoding = headers.get("Content-Encoding", "identity")
            row[f"sent for {accept!r}"] = f"{encoding} {len(body)} of {len(_decode(body, encoding))}"
        for encoding, compress in compressors.items():
            size, ms = _time_it(compress, raw)
            row[encoding] = f"{size} B ({size / len(raw):.0%}) in {ms:.3f} ms"
        rows[name] = row
    return rows


def _handshake_extensions(port: int, phone: Browser) -> str | None:
    """The Sec-WebSocket-Extensions the server answers to a browser's offer on the Socket.IO endpoint."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
        sock.sendall(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
                      f"Host: 127.0.0.1:{port}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                      f"Origin: http://127.0.0.1:{port}\r\nCookie: {cookie}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    match = re.search(rb"(?im)^sec-websocket-extensions:\s*(.+?)\r$", head)
    return match.group(1).decode() if match else None


def _updates(port: int, code: str, phone: Browser, docent: Browser, changes: int) -> list[tuple[str, str]]:
    """The `update` packets the praktijkopleider's socket receives while their afspraak edits and the
    stagedocent's phase changes alternate, as (the regions it carries, the text frame's payload)."""
    import socketio

    frames = []

    def received(data):
        regions = "+".join(sorted(data.get("fragments", {})))
        frames.append((regions, '42["update",' + json.dumps(data, separators=(",", ":")) + "]"))

    client = socketio.Client(reconnection=False)
    client.on("update", received)
    cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
    client.connect(f"http://127.0.0.1:{port}", headers={"Cookie": cookie}, transports=["websocket"])
    state = json.loads(phone.request("GET", f"/r/{code}/state.json")[2])
    client.emit("join", {"code": code, "version": state["version"]})
    time.sleep(0.5)
    first = state["agreements"][0]
    rev, phase_ids = first["rev"], [p["id"] for p in state["phases"]]
    for i in range(changes):
        if i % 2:
            phone.htmx("POST", f"/r/{code}/agreements/{first['id']}", {"what": WHAT[i % 4 // 2].format(n=0),
                                                                       "who": "student", "rev": rev,
                                                                       "when": "voor-volgend-gesprek"})
            rev += 1
        else:
            status = docent.htmx("POST", f"/r/{code}/phase", {"phase": phase_ids[(i // 2) % 2 + 1]})[0]
            if status != 200:
                raise RuntimeError(f"phase: {status}")
        time.sleep(0.05)
    time.sleep(0.5)
    client.disconnect()
    return frames


def part_websocket(port: int, changes: int) -> dict:
    """permessage-deflate as eventlet does it, on this room's real updates in the order they came."""
    from eventlet.websocket import RFC6455WebSocket

    code, phone, docent = seat_room(port, with_docent=True)
    fill_afspraken(code, phone)
    offered = _handshake_extensions(port, phone)
    frames = _updates(port, code, phone, docent, changes)
    if not frames:
        raise RuntimeError("no update reached the socket")

    class Sink:
        def sendall(self, data):
            pass

    def socket_with(extensions):
        return RFC6455WebSocket(Sink(), {}, extensions=extensions)

    result = {"server answers a browser's offer with": offered}
    kinds = sorted({regions for regions, _ in frames})
    modes = (("off", {}), ("deflate", {"permessage-deflate": {}}),
             ("deflate, no context takeover", {"permessage-deflate": {"server_no_context_takeover": True}}))
    for regions in kinds:
        raw = [len(frame.encode()) for kind, frame in frames if kind == regions]
        result[f"update [{regions}]"] = {"count": len(raw), "bytes": statistics.median(raw)}
    for name, extensions in modes:
        ws = socket_with(extensions)
        sizes, cpu = {kind: [] for kind in kinds}, {kind: [] for kind in kinds}
        for _ in range(10):  # the same sequence ten times: as one socket lives through forty minutes of changes
            for kind, frame in frames:
                started = time.perf_counter()
                sizes[kind].append(len(ws._pack_message(frame)))
                cpu[kind].append(time.perf_counter() - started)
        for kind in kinds:
            result[f"update [{kind}]"][name] = (f"{statistics.median(sizes[kind]):.0f} B, "
                                                f"{statistics.median(cpu[kind]) * 1000:.3f} ms")
    # What a socket keeps: its compressor lives as long as the socket (context takeover, what browsers get).
    for label, sequence in (("after the small updates only", [f for k, f in frames if "afspraken" not in k]),
                            ("after all these updates", [f for _, f in frames])):
        if sequence:
            result[f"memory per socket, {label}, KB"] = _compressor_memory(sequence)
    return result


MEMORY = """
import json, sys
from eventlet.websocket import RFC6455WebSocket

def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

class Sink:
    def sendall(self, data):
        pass

frames, sockets, kept = json.load(open(sys.argv[1])), 1000, []
before = rss()
for _ in range(sockets):
    ws = RFC6455WebSocket(Sink(), {}, extensions={"permessage-deflate": {}})
    for frame in frames:
        ws._pack_message(frame)
    kept.append(ws)
print((rss() - before) / sockets)
"""


def _compressor_memory(frames: list[str]) -> float:
    """KB of resident memory per socket for 1,000 sockets that each sent these frames, in a fresh process."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
        json.dump(frames, file)
        file.flush()
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", MEMORY, file.name], capture_output=True,
                             text=True, check=True).stdout
    return round(float(out.strip()), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", choices=("wsgi", "gunicorn"), default="wsgi")
    parser.add_argument("--part", choices=("stall", "compression", "websocket", "all"), default="all")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {"server": args.server, "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                                 f"Python {platform.python_version()}",
               "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory() as directory, Server(args.server, directory) as server:
        if args.part in ("stall", "all"):
            results["stall"] = part_stall(server.port, args.requests)
        if args.part in ("compression", "all"):
            results["compression"] = part_compression(server.port)
        if args.part in ("websocket", "all"):
            results["websocket"] = part_websocket(server.port, 40)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{results['date']}, {results['machine']}, server: {args.server}")
    for name, rows in results.items():
        if isinstance(rows, dict):
            print(f"\n## {name}")
            for key, value in rows.items():
                print(f"- {key}: {json.dumps(value)}")


if __name__ == "__main__":
    main()
