"""Instructions per change, in process, counted by valgrind's callgrind: a figure that does not drift.

bench/compare.py measures CPU time on a live server, and on this machine that moves with the clock by +-15% for the
same code (bench/RESULTS.md, "A fifth pass"): a gain of a few per cent drowns in it. callgrind counts the
instructions a process executes, which stay the same for the same code and inputs, whatever else the machine does.
This runs bench/change_cost.py under callgrind twice per kind of change, with N and N + EXTRA changes, and divides
the difference by EXTRA: start-up, seating and warm-up cancel out. What it counts is the whole POST in process, the
view and the renders as well as the test clients' own work and change_cost's counting (the same before and after).
It says nothing about the network, eventlet's server or the caches of a busy process: compare.py stays the measure
of a server, this one tells whether a change to the code made a change cheaper, and by how much.

Slow (callgrind runs a process some 50 times slower): about two minutes per kind and count. Run from the project
root, on a machine with valgrind (Debian's package):

    .venv/bin/python bench/instructions.py --action phase                      # the working tree
    .venv/bin/python bench/instructions.py --action phase --app-ref HEAD~1     # as committed at a ref
"""
import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from change_cost import ACTIONS, WARMUP  # noqa: E402
from compare import PYTHON, export, working_tree  # noqa: E402

COLLECTED = re.compile(r"Collected : (\d+)")


def instructions(app_dir: Path, action: str, changes: int, directory: Path) -> int:
    """The instructions of one run of change_cost.py (this many changes of one kind), as callgrind counts them."""
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={directory / 'callgrind.out'}",
         PYTHON, "bench/change_cost.py", "--action", action, "--changes", str(changes)],
        cwd=app_dir, capture_output=True, text=True)
    found = COLLECTED.search(run.stderr)
    if run.returncode or not found:
        raise RuntimeError(f"change_cost.py under callgrind failed ({run.returncode}): {run.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--action", choices=list(ACTIONS), action="append",
                        help="a kind of change (again for more); every kind when not given")
    parser.add_argument("--changes", type=int, default=WARMUP + 40, help="the first run's changes, warm-up included")
    parser.add_argument("--extra", type=int, default=200, help="how many more changes the second run makes")
    parser.add_argument("--app-ref", help="count the app as committed at this git ref rather than the working tree")
    args = parser.parse_args()
    if args.changes <= WARMUP or args.extra < 1:
        parser.error(f"--changes must be more than the warm-up ({WARMUP}) and --extra at least 1")

    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as directory:
        app_dir, version = export(args.app_ref, Path(directory)) if args.app_ref else (ROOT, working_tree())
        print(f"the app: {version}; {args.changes} and {args.changes + args.extra} changes per kind", flush=True)
        for action in args.action or list(ACTIONS):
            fewer = instructions(app_dir, action, args.changes, Path(directory))
            more = instructions(app_dir, action, args.changes + args.extra, Path(directory))
            print(f"{action}: {(more - fewer) / args.extra / 1e6:.2f} M instructions per change "
                  f"({fewer:,} and {more:,} in all)", flush=True)


if __name__ == "__main__":
    main()
