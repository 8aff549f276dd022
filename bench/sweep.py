"""The sweep in bench/RESULTS.md in one command: bench/compare.py for every setup and number of rooms.

Each run is one call of bench/compare.py (the bare server, then the app, on the same load); every result is
appended to --record as a JSON line, and at the end one Markdown table holds them all, with the app/bare
ratios. Setups:

- `eventlet`: one process, as `python wsgi.py` serves (SQLite, no Redis): the default.
- `eventlet-2`: two processes on PostgreSQL with Redis as the message queue, every phone of a room on one
  process (as a sticky balancer keeps it).
- `gevent`, `threading`: one process, each on its own server (bench/app_server.py).

`--knee` measures the app alone with its admission control off (ADMISSION_MAX_SOCKETS and _LAG_MS out of
reach), to find the rooms at which p99 passes 100 ms; the default runs keep it on, as the app is deployed.

    .venv/bin/python bench/sweep.py --rooms 150,500,1000,2000 --setups eventlet,eventlet-2,gevent,threading
    .venv/bin/python bench/sweep.py --knee --rooms 300,400,500,600,800 --setups eventlet
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from compare import COLUMNS, row

ROOT = Path(__file__).resolve().parent.parent
SETUPS = {
    "eventlet": ["--mode", "eventlet"],
    "eventlet-2": ["--mode", "eventlet", "--workers", "2"],
    "gevent": ["--mode", "gevent", "--server", "native"],
    "threading": ["--mode", "threading", "--server", "native"],
}
ADMISSION_OFF = ["--app-env", "ADMISSION_MAX_SOCKETS=1000000", "--app-env", "ADMISSION_MAX_LAG_MS=1000000"]


def ratio(app: float, bare: float) -> str:
    return f"{app / bare:.1f}x" if app >= bare / 10 else f"{app / bare:.2f}x"


def table(records: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS + ["app/bare p50", "app/bare p99"]) + " |",
             "| --- |" + " ---: |" * (len(COLUMNS) + 1)]
    for record in records:
        args = argparse.Namespace(**record["args"])
        results = record["results"]
        bare, app = results.get("bare", {}), results.get("app", {})
        for kind, result in results.items():
            if "error" in result:
                lines.append(f"| {kind} | {args.mode} | {args.workers} | {args.rooms:,} | not measured: "
                             f"{result['error'].splitlines()[-1][:160]} |")
                continue
            ratios = ["", ""]
            if kind == "app" and bare.get("p50") and app.get("p50"):
                ratios = [ratio(app["p50"], bare["p50"]), ratio(app["p99"], bare["p99"])]
            lines.append("| " + " | ".join(row(kind, args, result) + ratios) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rooms", default="150,500,1000,2000")
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument("--duration", default="35")
    parser.add_argument("--knee", action="store_true", help="the app alone, admission control off")
    parser.add_argument("--app-ref", help="passed on to bench/compare.py")
    parser.add_argument("--record", type=Path, default=Path(f"/tmp/sweep-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"))
    args = parser.parse_args()

    records = []
    for setup in args.setups.split(","):
        for rooms in args.rooms.split(","):
            command = [sys.executable, str(ROOT / "bench/compare.py"), "--rooms", rooms, "--duration", args.duration,
                       "--record", str(args.record), *SETUPS[setup]]
            if args.knee:
                command += ["--only", "app", *ADMISSION_OFF]
            if args.app_ref:
                command += ["--app-ref", args.app_ref]
            print(f"\n## {setup}, {rooms} rooms: {' '.join(command[1:])}", flush=True)
            before = args.record.read_text().count("\n") if args.record.exists() else 0
            subprocess.run(command, cwd=ROOT)
            lines = args.record.read_text().splitlines() if args.record.exists() else []
            records += [json.loads(line) for line in lines[before:]]
    print(f"\nAll runs (JSON lines in {args.record}):\n")
    print(table(records))


if __name__ == "__main__":
    main()
