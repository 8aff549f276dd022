"""docs/nginx.conf, run for real: nginx with TLS in front of two app processes on one PostgreSQL database,
sharing events through Redis, as docs/deployment.md describes."""
import os
import re
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.app import ROOT, need
from tests.support.phones import LivePhone
from tests.support.servers import database_of_its_own, emptied, free_port, two_processes, url_of

pytestmark = pytest.mark.scaleout

SAMPLE = ROOT / "docs" / "nginx.conf"
PUBLIC_URL = "https://stagegesprek.example.nl"  # the sample's server_name
# Behind nginx the app trusts one proxy and knows its public address, as docs/deployment.md says; the test reaches
# nginx (and the processes) on 127.0.0.1, which the processes also trust.
BEHIND_NGINX = {"TRUSTED_PROXIES": "1", "PUBLIC_URL": PUBLIC_URL, "TRUSTED_HOSTS": "127.0.0.1"}
# One line of the sample's access log: the request, its status and the app process that served it.
LOG_LINE = re.compile(r'"(?P<method>\S+) (?P<uri>\S+) [^"]*" (?P<status>\d{3}) \d+ \S+ (?P<upstream>\S+)$')


def render(sample: str, backends: list[int], http_port: int, https_port: int, cert: Path, key: Path,
           folder: Path) -> str:
    """The sample for this test: the two processes' ports, nginx on free ports of 127.0.0.1 (no IPv6) that it also
    answers for by name, the test's certificate, and nginx's pid, logs and temp files in `folder`."""
    replacements = {
        "server 127.0.0.1:5001;": f"server 127.0.0.1:{backends[0]};",
        "server 127.0.0.1:5002;": f"server 127.0.0.1:{backends[1]};",
        "listen 80": f"listen 127.0.0.1:{http_port}",
        "listen 443": f"listen 127.0.0.1:{https_port}",
        "server_name stagegesprek.example.nl;": "server_name stagegesprek.example.nl 127.0.0.1;",
        "/etc/letsencrypt/live/stagegesprek.example.nl/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/stagegesprek.example.nl/privkey.pem": str(key),
        "/run/nginx.pid": str(folder / "nginx.pid"),
        "/var/log/nginx/": f"{folder}/",
        # www-data cannot enter pytest's folders; without root, nginx runs as whoever started it anyway.
        "user www-data;": "user root;" if os.geteuid() == 0 else "",
        # Not /var/lib/nginx: nginx would make the system's temp folders its workers'.
        "http {": "http {\n" + "".join(f"    {kind}_temp_path {folder / kind};\n"
                                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")),
    }
    for old, new in replacements.items():
        assert old in sample, f"docs/nginx.conf no longer has {old!r}: update tests/test_nginx.py with it"
        sample = sample.replace(old, new)
    return "\n".join(line for line in sample.splitlines() if "listen [::]" not in line)


@dataclass
class Nginx:
    url: str  # https, as the phones use it
    http_url: str
    backends: list[str]  # the app processes, as the access log names them
    log_path: Path

    def served(self) -> list[dict]:
        """Every request nginx has finished, in order: method, uri, status and the process that served it."""
        lines = self.log_path.read_text().splitlines() if self.log_path.exists() else []
        return [match.groupdict() for match in map(LOG_LINE.search, lines) if match]

    def served_at_least(self, count: int, timeout: float = 5) -> list[dict]:
        """served(), once it holds `count` requests: nginx logs a request just after it answered it."""
        deadline = time.monotonic() + timeout
        while len(served := self.served()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return served

    def processes(self) -> set[str]:
        """The app processes that served anything so far ("-": nginx answered itself, as its redirect)."""
        return {request["upstream"] for request in self.served()} - {"-"}


@pytest.fixture(scope="module")
def nginx_binary():
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    need(found is not None, "nginx is not installed (apt-get install nginx-light)")
    return found


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, migrated_postgres, redis_server):
    """The two processes behind nginx, for the whole module (about 5 s to start): each test starts rooms of its
    own, in front of them an nginx of its own."""
    with database_of_its_own(template=migrated_postgres) as database:
        with two_processes(tmp_path_factory.mktemp("behind-nginx"), url_of(database), emptied(redis_server),
                           BEHIND_NGINX) as workers:
            yield workers


@pytest.fixture
def nginx(nginx_binary, certificate, two_workers, tmp_path, monkeypatch):
    """docs/nginx.conf in front of the two processes, in the foreground; the phones trust its certificate."""
    cert, _context = certificate
    folder = tmp_path / "nginx"
    folder.mkdir()
    http_port, https_port = free_port(), free_port()
    config = folder / "nginx.conf"
    config.write_text(render(SAMPLE.read_text(), [server.port for server in two_workers], http_port, https_port,
                             cert, cert.with_name("key.pem"), folder))
    output = folder / "nginx.out"
    with open(output, "w") as log:
        process = subprocess.Popen([nginx_binary, "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, f"nginx stopped:\n{output.read_text()}"
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"nginx did not listen:\n{output.read_text()}"
                time.sleep(0.05)
        for variable in ("REQUESTS_CA_BUNDLE", "WEBSOCKET_CLIENT_CA_BUNDLE"):  # requests, and the websockets
            monkeypatch.setenv(variable, str(cert))
        yield Nginx(f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}",
                    [f"127.0.0.1:{server.port}" for server in two_workers], folder / "stagegesprek.log")
    finally:
        process.terminate()
        process.wait(timeout=10)


def browser_phone(nginx: Nginx) -> LivePhone:
    """A phone through nginx. Over https the app's CSRF check also wants a Referer of its own origin (as
    request.host has it, from X-Forwarded-Host); browsers send one (Referrer-Policy: same-origin)."""
    phone = LivePhone(nginx.url)
    phone.http.headers["Referer"] = nginx.url + "/"
    return phone


def phase_change_reaches(phone: LivePhone, version: int) -> None:
    """The phone is sent the update of that version, and it brings the new phase."""
    update = phone.wait_for(lambda event, data: event == "update" and data["version"] == version)
    assert "fase" in update["fragments"]


def test_a_page_loads_over_https_and_links_to_the_public_address(nginx):
    redirect = requests.get(nginx.http_url + "/r/ABCD-EFGH", allow_redirects=False, timeout=5)
    assert (redirect.status_code, redirect.headers["Location"]) == (301, "https://127.0.0.1/r/ABCD-EFGH")

    docent = browser_phone(nginx)
    code = docent.start("Marieke", "stagedocent")
    page = docent.http.get(f"{nginx.url}/r/{code}", timeout=5)
    assert page.status_code == 200
    # The invitation names the public address (PUBLIC_URL), whatever address the phone came in on.
    assert f'<a href="{PUBLIC_URL}/r/{code}">' in page.text
    assert page.headers["Content-Encoding"] in {"br", "gzip"}  # the app's compression, passed on as it is
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    (process,) = nginx.processes()  # one address: one process
    assert process in nginx.backends


def test_a_websocket_through_nginx_gets_the_update_when_a_phone_on_the_other_process_changes_the_phase(
        nginx, two_workers):
    docent = browser_phone(nginx)
    code = docent.start("Marieke", "stagedocent")
    docent.connect(transports=("websocket",))
    assert docent.sio.transport() == "websocket"
    (docent_process,) = nginx.processes()
    # The student's phone has another address, which nginx sends to the other process; here it goes there itself.
    other = next(server for server in two_workers if f"127.0.0.1:{server.port}" != docent_process)
    student = LivePhone(other.url)
    assert student.join(code, "Sanne", "student").status_code == 200
    assert student.post("/phase", {"phase": "leren"}).status_code == 200
    phase_change_reaches(docent, student.state()["version"])
    docent.close()


def test_long_polling_through_nginx_keeps_to_one_process_and_gets_updates(nginx):
    docent = browser_phone(nginx)
    code = docent.start("Marieke", "stagedocent")
    student = browser_phone(nginx)
    assert student.join(code, "Sanne", "student").status_code == 200
    student.connect(transports=("polling",))
    assert student.sio.transport() == "polling"
    session = f"sid={student.sio.eio.sid}"

    def polls():
        return [request for request in nginx.served() if session in request["uri"]]

    deadline = time.monotonic() + 15
    while len(polls()) < 6:  # the app pings every 2 s here: a long poll ends, a pong is posted
        assert time.monotonic() < deadline, f"only {len(polls())} polling requests in 15 s"
        time.sleep(0.2)
    assert docent.post("/phase", {"phase": "leren"}).status_code == 200
    phase_change_reaches(student, docent.state()["version"])
    assert student.sio.connected and student.sio.transport() == "polling"
    assert {request["status"] for request in polls()} == {"200"}
    assert len({request["upstream"] for request in polls()}) == 1, polls()
    student.close()


def handshakes(nginx: Nginx, count: int) -> list[int]:
    """`count` new Socket.IO connections (engine.io's long-polling handshake) from one address at the same moment;
    their statuses."""
    def handshake(_):
        return requests.get(f"{nginx.url}/socket.io/?EIO=4&transport=polling", timeout=10).status_code
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(handshake, range(count)))


def test_a_request_for_another_host_is_closed_without_an_answer(nginx):
    for url in (nginx.url, nginx.http_url):
        with pytest.raises(requests.ConnectionError):  # 444: nginx closes the connection
            requests.get(f"{url}/mijn-gesprekken/inloggen", headers={"Host": "evil.example"}, timeout=5)
    assert requests.get(f"{nginx.url}/mijn-gesprekken/inloggen", timeout=5).status_code == 200
    # The two refused never reached the app; the one for the real name did.
    assert [(r["status"], r["upstream"] in nginx.backends) for r in nginx.served_at_least(3)] == \
        [("444", False), ("444", False), ("200", True)]


def test_a_class_of_thirty_phones_behind_one_address_connects_at_once(nginx):
    assert handshakes(nginx, 30) == [200] * 30


def test_a_flood_of_new_connections_from_one_address_is_cut_off_by_nginx(nginx):
    started = time.monotonic()
    statuses = handshakes(nginx, 150)
    seconds = time.monotonic() - started
    passed_on = [r for r in nginx.served_at_least(150) if r["upstream"] != "-"]
    print(f"\n150 handshakes at once, in {seconds:.2f} s: nginx passed {len(passed_on)} on and refused "
          f"{150 - len(passed_on)} (429); {statuses.count(200)} connected")
    assert set(statuses) <= {200, 429}  # the app keeps the same budget, and may refuse one or two itself
    # nginx passes on its burst of 60 and one more, and 10 a second while the flood lasts; it refuses the rest.
    assert 61 <= len(passed_on) <= 61 + 10 * seconds
