"""Fan-out benchmark: R rooms x 3 phones on one `python wsgi.py` (eventlet, SQLite by default).

Every room makes one change every INTERVAL seconds (the student moves the phase back and forth); we
measure, for each change, the time from sending the POST to each of the other two phones receiving its
`update`. Prints p50/p95/p99/max and the server's memory. Bounded: it runs DURATION seconds and stops.

    .venv/bin/python bench/fanout.py --rooms 50 --duration 30
"""
import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import requests
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.app import csrf_from  # noqa: E402
from tests.support.servers import LiveServer  # noqa: E402


class Phone:
    def __init__(self, base_url):
        self.base_url, self.http = base_url, requests.Session()
        self.sio = socketio.Client(reconnection=False)
        self.received = {}  # version -> monotonic time the update arrived
        self.sio.on("update", lambda data: self.received.setdefault(data["version"], time.monotonic()))

    def enter(self, code, name, role):
        if code is None:
            token = csrf_from(self.http.get(self.base_url + "/").text)
            code = self.http.post(self.base_url + "/rooms", data={"name": name, "role": role,
                                                                  "csrf_token": token}).url.rsplit("/", 1)[-1]
        else:
            page = self.http.get(f"{self.base_url}/r/{code}").text
            self.http.post(f"{self.base_url}/r/{code}/join", data={"name": name, "role": role,
                                                                   "csrf_token": csrf_from(page)})
        self.code = code
        self.csrf = csrf_from(self.http.get(f"{self.base_url}/r/{code}").text)
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        self.sio.connect(self.base_url, headers={"Cookie": cookie}, transports=["websocket"], wait_timeout=20)
        self.sio.emit("join", {"code": code, "version": 0})
        return code

    def move_phase(self, phase):
        sent = time.monotonic()
        response = self.http.post(f"{self.base_url}/r/{self.code}/phase", data={"phase": phase},
                                  headers={"X-CSRFToken": self.csrf, "HX-Request": "true"})
        return sent, int(response.headers["X-Room-Version"])


def run_room(student, others, interval, deadline, samples, lock):
    time.sleep(random.random() * interval)  # spread the rooms over the interval
    phases = ["kennismaken", "voorbereiden"]
    n = 0
    while time.monotonic() < deadline:
        sent, version = student.move_phase(phases[n % 2])
        n += 1
        time.sleep(interval)
        with lock:
            for phone in others:
                if version in phone.received:
                    samples.append((phone.received[version] - sent) * 1000)
                else:
                    samples.append(float("inf"))


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--duration", type=float, default=30.0)
    args = parser.parse_args()

    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"fanout-{os.getpid()}"
    tmp.mkdir(parents=True, exist_ok=True)
    server = LiveServer(tmp, {"JOIN_RATE_LIMIT": "100000 per minute", "CREATE_RATE_LIMIT": "100000 per hour",
                              # every phone connects from 127.0.0.1
                              "HANDSHAKE_ADDRESS_BURST": "1000000", "HANDSHAKE_ADDRESS_PER_SECOND": "1000000"})
    server.start()
    try:
        before = rss_mb(server.process.pid)
        rooms = []
        for r in range(args.rooms):
            student, docent, opleider = Phone(server.url), Phone(server.url), Phone(server.url)
            code = student.enter(None, f"Student {r}", "student")
            docent.enter(code, f"Docent {r}", "stagedocent")
            opleider.enter(code, f"Opleider {r}", "praktijkopleider")
            rooms.append((student, [docent, opleider]))
        connected = rss_mb(server.process.pid)
        samples, lock = [], threading.Lock()
        deadline = time.monotonic() + args.duration
        threads = [threading.Thread(target=run_room, args=(s, o, args.interval, deadline, samples, lock))
                   for s, o in rooms]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        delivered = sorted(s for s in samples if s != float("inf"))
        lost = len(samples) - len(delivered)
        quantile = lambda q: delivered[min(len(delivered) - 1, int(q * len(delivered)))]  # noqa: E731
        print(f"rooms {args.rooms}, sockets {3 * args.rooms}, one change per room every {args.interval:g} s, "
              f"{args.duration:g} s")
        print(f"updates measured {len(samples)}, not received within the interval {lost}")
        print(f"fan-out latency ms: p50 {statistics.median(delivered):.1f}  p95 {quantile(0.95):.1f}  "
              f"p99 {quantile(0.99):.1f}  max {delivered[-1]:.1f}")
        print(f"server RSS MB: idle {before:.0f}, with sockets {connected:.0f} "
              f"({(connected - before) * 1024 / (3 * args.rooms):.0f} KB per socket)")
        for student, others in rooms:
            for phone in [student, *others]:
                phone.sio.disconnect()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
