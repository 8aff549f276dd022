"""The app against the bare stack, on the same load, in one command: bench/bare_server.py, then Stagegesprek.

For each server in turn (each in its own processes, started fresh and stopped after): bench/load.py seats
--rooms rooms of three phones, connects their sockets, and for --duration s makes one change per room every
--interval s (see bench/load.py). Prints one Markdown table row per server and the ratios app/bare for p50
and p99.

- `--workers 1`: one process. The app is `python wsgi.py` on SQLite in a fresh temporary directory
  (`flask db upgrade` first), no Redis.
- `--workers 2`: two processes per server, with Redis (127.0.0.1:6379) as the message queue; the app on a
  fresh PostgreSQL database (127.0.0.1:5432, created, upgraded with `flask db upgrade`, dropped after). The
  load generator keeps every phone of a room on one worker (room i on worker i mod 2), as a sticky balancer
  would keep each phone; the bare server's rooms live in one process's memory, so it needs that too.
- `--mode`: SOCKETIO_ASYNC_MODE for both servers. `--server wsgi` (the default) serves them as wsgi.py does
  (eventlet monkey-patched, eventlet's WSGI server, whatever the mode); `--server native` serves each mode on
  its own server (bench/app_server.py, BARE_SERVER=native): gevent.pywsgi for gevent, Werkzeug for threading.

Server CPU is the servers' processes' CPU time over the timed window (from /proc/<pid>/stat, summed over the
workers; 100% is one core); memory per socket is their RSS growth from idle to all sockets connected, per
socket. The load generator runs on the same machine and shares its cores; its own CPU and event-loop lag are
in the last columns. Run from the project root:

    .venv/bin/python bench/compare.py --rooms 1000
    .venv/bin/python bench/compare.py --rooms 1000 --workers 2
    .venv/bin/python bench/compare.py --rooms 1000 --mode gevent --server native
    .venv/bin/python bench/compare.py --rooms 300 --rounds 3     # bare, app, bare, app, ...: the median ratio

One run's ratio drifts with the machine (the same code gave 2.8x and 3.6x within an hour here): `--rounds N`
alternates the two servers N times, each started fresh, and prints the median of the rounds' CPU-per-change ratios.
Those rounds are minutes apart (the app's seating alone takes a minute at 500 rooms), and this machine drifts in
spells of tens of seconds. `--interleave N` starts both servers and seats both at once, then times them in turns
on their seated rooms: N pairs of windows of --duration s, each pair bare-app or app-bare in turn (so a steady
drift weighs on both alike), each window right after the other; the server not being timed sits at rest with its
sockets open. The median of the pairs' ratios is the figure:

    .venv/bin/python bench/compare.py --rooms 500 --interleave 6 --duration 20
"""
import argparse
import json
import os
import platform
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379"
COLUMNS = ["server", "mode", "workers", "rooms", "sockets", "deliveries", "p50 ms", "p95 ms", "p99 ms", "max ms",
           "lost", "disconnects", "connect failures", "refused", "server CPU %", "CPU ms per change", "KB per socket",
           "gen CPU %", "gen lag p99 ms", "others CPU %"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    raise RuntimeError(f"server did not start (exit {process.poll()}): {log.read_text()[-2000:]}")


class Servers:
    """One server setup: its processes, started with start() and ended with stop()."""

    def __init__(self, kind: str, args, directory: Path, app_dir: Path):
        self.kind, self.args, self.directory = kind, args, directory
        self.cwd = app_dir if kind == "app" else ROOT
        self.processes: list[subprocess.Popen] = []
        self.ports: list[int] = []
        self.logs: list[Path] = []
        self.database = None
        self.redis = f"{REDIS}/{uuid.uuid4().int % 15 + 1}" if args.workers > 1 else None

    def env(self, port: int) -> dict:
        env = {key: value for key, value in os.environ.items()
               if key not in ("DATABASE_URL", "REDIS_URL", "SOCKETIO_PING_INTERVAL", "SOCKETIO_PING_TIMEOUT",
                              "MAX_CONNECTIONS", "LISTEN_BACKLOG", "BARE_SERVER", "ADMISSION_MAX_SOCKETS",
                              "ADMISSION_MAX_LAG_MS")}
        env.update({"HOST": "127.0.0.1", "PORT": str(port), "SOCKETIO_ASYNC_MODE": self.args.mode,
                    "PYTHONUNBUFFERED": "1"})
        if self.redis:
            env["REDIS_URL"] = self.redis
        if self.kind == "bare":
            env["BARE_CHANNEL"] = f"bare-bench-{uuid.uuid4().hex[:8]}"
            if self.args.server == "native":
                env["BARE_SERVER"] = "native"
            return env
        env.update({
            "DATABASE_URL": self.database, "SECRET_KEY": "bench-secret", "MAIL_BACKEND": "file",
            "MAIL_FILE_PATH": str(self.directory / "outbox"),
            "JOIN_RATE_LIMIT": "1000000 per minute", "JOIN_ADDRESS_LIMIT": "1000000 per minute",
            "CREATE_RATE_LIMIT": "1000000 per hour",
            # Every simulated phone connects from 127.0.0.1: one address, thousands of sockets.
            "HANDSHAKE_ADDRESS_BURST": "1000000", "HANDSHAKE_ADDRESS_PER_SECOND": "1000000",
        })
        env.update(setting.split("=", 1) for setting in self.args.app_env)
        return env

    def command(self) -> list[str]:
        if self.kind == "bare":
            return [PYTHON, "bench/bare_server.py"]
        return [PYTHON, "wsgi.py"] if self.args.server == "wsgi" else [PYTHON, str(ROOT / "bench/app_server.py")]

    def start(self) -> "Servers":
        if self.kind == "app":
            self.database = self.create_database()
            upgrade = subprocess.run([PYTHON, "-m", "flask", "--app", "webapp", "db", "upgrade"], cwd=self.cwd,
                                     env=self.env(0), capture_output=True, text=True)
            if upgrade.returncode:
                raise RuntimeError(f"flask db upgrade failed: {upgrade.stderr[-2000:]}")
        for worker in range(self.args.workers):
            port = free_port()
            log = self.directory / f"{self.kind}-{worker}.log"
            process = subprocess.Popen(self.command(), cwd=self.cwd, env=self.env(port), stdout=open(log, "w"),
                                       stderr=subprocess.STDOUT)
            self.processes.append(process), self.ports.append(port), self.logs.append(log)
            wait_for_port(port, process, log)
        time.sleep(1)  # let the background work (housekeeping, mail sender) start
        return self

    def create_database(self) -> str:
        if self.args.workers == 1:
            return f"sqlite:///{self.directory / f'bench-{uuid.uuid4().hex[:8]}.db'}"  # fresh in every round
        import psycopg

        name = f"stagegesprek_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.pg_name = name
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    def alive(self) -> list[str]:
        return [f"worker {i} exited with {p.poll()}" for i, p in enumerate(self.processes) if p.poll() is not None]

    def report_errors(self) -> None:
        """The last lines of each worker's log that name an error, if any."""
        for log in self.logs:
            tail = [line for line in log.read_text(errors="replace").splitlines()
                    if "Traceback" in line or "Error" in line][-5:]
            if tail:
                print(f"  {log.name}: " + " | ".join(tail), flush=True)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if getattr(self, "pg_name", None):
            import psycopg

            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def machine_busy_pct(seconds: float = 2.0) -> float:
    """How busy the machine is right now, in % of one core (all cores: up to 100 x cores)."""
    def busy():
        with open("/proc/stat") as handle:
            fields = [int(value) for value in handle.readline().split()[1:]]
        return sum(fields[:8]) - fields[3] - fields[4]
    before = busy()
    time.sleep(seconds)
    return (busy() - before) / os.sysconf("SC_CLK_TCK") / seconds * 100


def wait_until_quiet(limit_pct: float, patience: float) -> None:
    """Other work on the machine's cores changes the figures: wait (a while) until it is quiet."""
    deadline = time.monotonic() + patience
    while (busy := machine_busy_pct()) > limit_pct and time.monotonic() < deadline:
        print(f"  the machine is busy with other work ({busy:.0f}% of a core); waiting", flush=True)
        time.sleep(10)


def load_command(servers: Servers, args) -> list[str]:
    command = [PYTHON, "bench/load.py", "--rooms", str(args.rooms), "--duration", str(args.duration),
               "--interval", str(args.interval), "--lost-after", str(args.lost_after), "--client", args.client,
               "--pids", ",".join(str(p.pid) for p in servers.processes), "--json"]
    for port in servers.ports:
        command += ["--url", f"http://127.0.0.1:{port}"]
    return command


def run_load(servers: Servers, args) -> dict:
    result = None
    with subprocess.Popen(load_command(servers, args), cwd=ROOT, stdout=subprocess.PIPE, text=True) as load:
        for line in load.stdout:
            if line.startswith("RESULT "):
                result = json.loads(line[len("RESULT "):])
            else:
                print(f"  {line.rstrip()}", flush=True)
    if result is None:
        raise RuntimeError(f"bench/load.py ended without a result (exit {load.returncode})")
    return result


def row(kind: str, args, r: dict) -> list[str]:
    def ms(value):
        return "–" if value is None else f"{value:,.1f}"

    def pct(value):
        return "–" if value is None else f"{value:.0f}"

    return [kind, args.mode + ("" if args.server == "wsgi" else " (native)"), str(args.workers), f"{args.rooms:,}",
            f"{r['sockets']:,}", f"{r['deliveries']:,}", ms(r["p50"]), ms(r["p95"]), ms(r["p99"]), ms(r["max"]),
            f"{r['lost']:,}", f"{r['disconnects']:,}", f"{r['seat_failures'] + r['connect_failures']:,}",
            f"{r['refused']:,}",
            pct(r["server_cpu_pct"]), ms(r["server_cpu_ms_per_change"]), ms(r["server_kb_per_socket"]),
            pct(r["gen_cpu_pct"]), ms(r["gen_lag_p99_ms"]), pct(r["others_cpu_pct"])]


def export(ref: str, directory: Path) -> tuple[Path, str]:
    """The app as committed at `ref`, exported into `directory` (the working tree may be mid-edit)."""
    commit = subprocess.run(["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    target = directory / f"app-{commit}"
    target.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target, f"commit {commit} (exported with git archive)"


def working_tree() -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    changed = subprocess.run(["git", "status", "--short", "--", ".", ":!bench"], cwd=ROOT, capture_output=True,
                             text=True)
    dirty = len(changed.stdout.splitlines())
    return f"working tree at {commit.stdout.strip()}" + (f" with {dirty} changed files outside bench/" if dirty else "")


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", type=int, default=150)
    parser.add_argument("--mode", choices=["eventlet", "gevent", "threading"], default="eventlet")
    parser.add_argument("--server", choices=["wsgi", "native"], default="wsgi",
                        help="wsgi: as wsgi.py serves (eventlet's server); native: the mode's own server")
    parser.add_argument("--workers", type=int, choices=[1, 2], default=1)
    parser.add_argument("--duration", type=float, default=35.0)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--lost-after", type=float, default=10.0)
    parser.add_argument("--client", choices=["raw", "socketio"], default="raw")
    parser.add_argument("--only", choices=["bare", "app"], help="run one of the two")
    parser.add_argument("--app-env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for the app's processes (e.g. ADMISSION_MAX_SOCKETS=1000000)")
    parser.add_argument("--app-ref", help="run the app as committed at this git ref (exported to a temporary "
                                          "directory) rather than the working tree")
    parser.add_argument("--quiet-below", type=float, default=25.0,
                        help="before each server, wait until the machine's other work is below this %% of a core")
    parser.add_argument("--patience", type=float, default=600.0, help="how long to wait for that, at most (s)")
    parser.add_argument("--record", type=Path, help="append the results to this file as JSON lines")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure bare and app this many times, alternating, and give the median ratio")
    parser.add_argument("--interleave", type=int, metavar="N",
                        help="both servers seated at once, then N pairs of windows in turns (instead of --rounds)")
    args = parser.parse_args()
    if args.interleave and (args.only or args.rounds > 1):
        parser.error("--interleave times both servers in its own pairs: not with --only or --rounds")

    invocation = ".venv/bin/python bench/compare.py " + shlex.join(sys.argv[1:])
    rounds = []
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as directory:
        app_dir, app_version = export(args.app_ref, Path(directory)) if args.app_ref else (ROOT, working_tree())
        info = f"{machine()}; the app: {app_version}"
        print(f"{invocation}\n{info}\n", flush=True)
        measured = (measure_interleaved(args, Path(directory), app_dir) if args.interleave else
                    (measure_round(args, Path(directory), app_dir, number) for number in range(1, args.rounds + 1)))
        for number, results in enumerate(measured, start=1):
            rounds.append(results)
            if args.record:
                with args.record.open("a") as handle:
                    handle.write(json.dumps({"command": invocation, "machine": info,
                                             "date": time.strftime("%Y-%m-%d %H:%M"), "round": number,
                                             "args": vars(args) | {"record": str(args.record)},
                                             "results": results}) + "\n")

    print()
    print("| " + " | ".join(COLUMNS) + " |")
    print("| --- |" + " ---: |" * (len(COLUMNS) - 1))
    for results in rounds:
        for kind, result in results.items():
            if "error" in result:
                print(f"| {kind} | {args.mode} | {args.workers} | {args.rooms:,} | not measured: "
                      f"{result['error'].splitlines()[-1][:200]} |")
            else:
                print("| " + " | ".join(row(kind, args, result)) + " |")
    ratios = []
    for results in rounds:
        bare, app = results.get("bare", {}), results.get("app", {})
        if bare.get("p50") and app.get("p50"):
            print(f"\napp/bare: p50 {app['p50'] / bare['p50']:.1f}x, p99 {app['p99'] / bare['p99']:.1f}x", end="")
            if bare.get("server_cpu_ms_per_change") and app.get("server_cpu_ms_per_change"):
                ratios.append(app["server_cpu_ms_per_change"] / bare["server_cpu_ms_per_change"])
                print(f", CPU per change {ratios[-1]:.2f}x", end="")
            print()
        for kind, result in results.items():
            extra = {key: result.get(key) for key in ("changes", "failed_changes", "late_changes", "denied",
                                                       "disconnects_before_window", "server_rss_idle_mb",
                                                       "server_rss_connected_mb", "seat_seconds", "connect_seconds",
                                                       "server_exits", "errors") if result.get(key)}
            if extra:
                print(f"{kind}: {extra}")
    if len(ratios) > 1:
        print(f"\nCPU per change, app/bare over {len(ratios)} {'pairs of windows' if args.interleave else 'rounds'}: "
              f"median {statistics.median(ratios):.2f}x (from {min(ratios):.2f}x to {max(ratios):.2f}x)")


def measure_round(args, directory: Path, app_dir: Path, number: int) -> dict:
    """The bare server, then the app, each started fresh on the same load: one round. Rounds alternate the two,
    so a machine that drifts weighs on both over the same time (not alike: on this machine the app's larger
    process felt it more; bench/RESULTS.md, "A fifth pass")."""
    results = {}
    for kind in ("bare", "app"):
        if args.only and kind != args.only:
            continue
        print(f"{kind}: {args.rooms} rooms, {args.mode}, {args.workers} worker(s)"
              + (f", round {number} of {args.rounds}" if args.rounds > 1 else ""), flush=True)
        servers = Servers(kind, args, directory, app_dir)
        try:
            wait_until_quiet(args.quiet_below, args.patience)
            servers.start()
            results[kind] = run_load(servers, args)
            results[kind]["server_exits"] = servers.alive()
        except Exception as error:
            results[kind] = {"error": str(error)[-3000:]}
            print(f"  {kind} could not be measured: {str(error)[-3000:]}", flush=True)
        finally:
            servers.report_errors()
            servers.stop()
    return results


def measure_interleaved(args, directory: Path, app_dir: Path) -> list[dict]:
    """Both servers started and seated at once (each by its own bench/load.py with --gate), then --interleave pairs
    of windows: pair i times bare then app when i is even, app then bare when it is odd. A pair's results as a
    round's: {"bare": ..., "app": ...}."""
    servers = {kind: Servers(kind, args, directory, app_dir) for kind in ("bare", "app")}
    gates = {kind: directory / f"gate-{kind}" for kind in servers}
    loads: dict[str, subprocess.Popen] = {}
    pairs = []
    print(f"bare and app: {args.rooms} rooms each, {args.mode}, {args.workers} worker(s), "
          f"{args.interleave} pairs of {args.duration:g} s windows", flush=True)
    try:
        wait_until_quiet(args.quiet_below, args.patience)
        for kind, server in servers.items():
            server.start()
            with open(directory / f"load-{kind}.log", "w") as log:  # the child keeps its own copy open
                loads[kind] = subprocess.Popen(load_command(server, args) + ["--windows", str(args.interleave),
                                                                             "--gate", str(gates[kind])],
                                               cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        for kind in servers:
            _wait_for(Path(f"{gates[kind]}.ready"), loads[kind], 900, f"{kind}: seating")
        print("  both seated and connected", flush=True)
        for number in range(args.interleave):
            pair = {}
            for kind in (("bare", "app") if number % 2 == 0 else ("app", "bare")):
                Path(f"{gates[kind]}.go{number}").touch()
                done = Path(f"{gates[kind]}.done{number}")
                _wait_for(done, loads[kind], args.duration + 4 * args.lost_after + 60, f"{kind}: window {number + 1}")
                pair[kind] = json.loads(done.read_text()) | {"server_exits": servers[kind].alive()}
                cost = pair[kind]["server_cpu_ms_per_change"]
                print(f"  pair {number + 1}, {kind}: {cost} ms per change", flush=True)
            pairs.append({"bare": pair["bare"], "app": pair["app"]})
    except Exception as error:
        print(f"  could not be measured: {str(error)[-3000:]}", flush=True)
        for kind in servers:
            log = directory / f"load-{kind}.log"
            if log.exists():
                print(f"  load-{kind}.log: " + " | ".join(log.read_text(errors="replace").splitlines()[-5:]))
    finally:
        for load in loads.values():
            load.kill()
            load.wait()
        for server in servers.values():
            server.report_errors()
            server.stop()
    return pairs


def _wait_for(path: Path, load: subprocess.Popen, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if load.poll() is not None:
            raise RuntimeError(f"{what}: bench/load.py ended (exit {load.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: nothing after {seconds:.0f} s")
        time.sleep(0.1)


if __name__ == "__main__":
    main()
