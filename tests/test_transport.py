"""What the transport does to an answer: no write stall, compression where it pays, static files cached for long
under URLs that change with their content."""
import gzip as gzip_module
import hashlib
import http.client
import json
import re
import statistics
import time
from urllib.parse import urlencode

import pytest
import requests

from tests.support.actions import seat_three
from tests.support.app import csrf_from

AFSPRAAK = {"who": "student", "when": "voor-volgend-gesprek"}


def _room_with_a_large_afspraken_region(base_url):
    """A room whose praktijkopleider's htmx answer to an afspraak edit is over 20 KB: (code, session, csrf)."""
    docent, opleider = requests.Session(), requests.Session()
    token = csrf_from(docent.get(base_url + "/").text)
    code = docent.post(base_url + "/rooms", data={"name": "Marieke", "role": "stagedocent",
                                                  "csrf_token": token}).url.rsplit("/", 1)[-1]
    token = csrf_from(opleider.get(f"{base_url}/r/{code}").text)
    opleider.post(f"{base_url}/r/{code}/join", data={"name": "Kees", "role": "praktijkopleider", "csrf_token": token})
    csrf = csrf_from(opleider.get(f"{base_url}/r/{code}").text)
    headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
    for n in range(20):
        answer = opleider.post(f"{base_url}/r/{code}/agreements", headers=headers,
                               data={"what": f"Sanne zoekt uit welke opleiding bij haar past, stap {n}", **AFSPRAAK})
        assert answer.status_code == 200
    return code, opleider, csrf


@pytest.mark.perf
def test_an_htmx_answer_of_20_kb_arrives_without_the_40_ms_write_stall(live_server):
    """A check of a protocol stall, not a speed test.

    An answer larger than the server's write buffer leaves in two sends, the head and then the body. With
    Nagle's algorithm on, the body waits until the client ACKs the head, and the client delays that ACK by
    40 ms: every answer over 16 KB took 40 ms longer. So the time from the head to the last byte of the body
    is the stall itself (the server renders the whole answer before it sends the head), and the whole request
    must take less than the stall alone (the server's own work is about 10 ms here, so 40 ms leaves room for a
    busy machine). 20 serial edits over one keep-alive connection, as a phone sends them.
    """
    code, opleider, csrf = _room_with_a_large_afspraken_region(live_server.url)
    afspraak = opleider.get(f"{live_server.url}/r/{code}/state.json").json()["agreements"][0]
    cookie = "; ".join(f"{c.name}={c.value}" for c in opleider.cookies)
    connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
    rev, head_to_body, whole, sizes = afspraak["rev"], [], [], set()
    for i in range(22):
        body = urlencode({"what": f"Sanne zoekt uit welke opleiding past, versie {i % 2}", "rev": rev, **AFSPRAAK})
        started = time.perf_counter()
        connection.request("POST", f"/r/{code}/agreements/{afspraak['id']}", body=body, headers={
            "Cookie": cookie, "X-CSRFToken": csrf, "HX-Request": "true", "Accept-Encoding": "identity",
            "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        head = time.perf_counter()
        answer = response.read()
        done = time.perf_counter()
        assert response.status == 200 and response.getheader("Connection") != "close", answer[:300]
        rev += 1
        sizes.add(len(answer))
        if i >= 2:  # the first two warm up
            head_to_body.append((done - head) * 1000)
            whole.append((done - started) * 1000)
    connection.close()
    assert min(sizes) > 20_000, sizes
    assert statistics.median(head_to_body) < 20, head_to_body
    assert statistics.median(whole) < 40, whole


def _static_urls(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_the_room_page_links_each_static_file_under_its_content_hash_cached_for_a_year(app):
    code, people = seat_three(app)
    page = people["student"].get(f"/r/{code}").get_data(as_text=True)
    urls = _static_urls(page)
    assert {url.split("?")[0] for url in urls} >= {"/static/app.css", "/static/cards.css", "/static/app.js",
                                                   "/static/vendor/htmx.min.js", "/static/favicon.svg"}
    for url in urls:
        path, _, query = url.partition("?")
        content = (app.static_folder + path.removeprefix("/static")).replace("//", "/")
        with open(content, "rb") as file:
            digest = hashlib.sha256(file.read()).hexdigest()
        assert query == f"v={digest[:16]}", url
        response = app.test_client().get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", url
        assert "Content-Security-Policy" in response.headers


def test_a_static_url_without_its_current_hash_is_cached_only_briefly(app):
    client = app.test_client()
    hashed = _static_urls(client.get("/").get_data(as_text=True))
    app_css = next(url for url in hashed if url.startswith("/static/app.css?"))
    for url in ("/static/app.css", "/static/app.css?v=0123456789abcdef"):  # typed by hand; an old deploy's hash
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" not in response.headers["Cache-Control"], url
        assert response.headers["Cache-Control"] == "public, max-age=300", url
    assert client.get(app_css).headers["Cache-Control"].endswith("immutable")


def test_a_changed_static_file_gets_a_new_url(tmp_path):
    from tests.support.app import app_on_fresh_database

    static = tmp_path / "static"
    static.mkdir()
    (static / "app.css").write_text("body { color: black; }")
    with app_on_fresh_database(tmp_path) as app:
        app.static_folder = str(static)
        with app.test_request_context():
            from flask import url_for
            before = url_for("static", filename="app.css")
            (static / "app.css").write_text("body { color: navy; }")
            after = url_for("static", filename="app.css")
    assert before != after
    assert after == "/static/app.css?v=" + hashlib.sha256(b"body { color: navy; }").hexdigest()[:16]


def test_pages_fragments_json_and_static_text_are_compressed(app):
    code, people = seat_three(app)
    student = people["student"]
    gzip = {"Accept-Encoding": "gzip"}
    plain = student.get(f"/r/{code}").get_data(as_text=True)
    page = student.get(f"/r/{code}", headers=gzip)
    css = student.get(next(url for url in _static_urls(plain) if url.startswith("/static/app.css?")), headers=gzip)
    token = csrf_from(plain)
    fragment = student.post(f"/r/{code}/agreements", headers={**gzip, "X-CSRFToken": token, "HX-Request": "true"},
                            data={"what": "Sanne zoekt een opleiding uit", **AFSPRAAK})
    state = student.get(f"/r/{code}/state.json", headers=gzip)
    for kind, response in {"page": page, "css": css, "htmx fragment": fragment, "json": state}.items():
        assert response.status_code == 200, kind
        assert response.headers.get("Content-Encoding") == "gzip", kind
        assert "Accept-Encoding" in response.headers.get("Vary", ""), kind
    assert json.loads(gzip_module.decompress(state.data))["code"] == code
    assert gzip_module.decompress(page.data).decode().startswith("<!doctype html>")
    with open(app.static_folder + "/app.css", "rb") as file:
        assert gzip_module.decompress(css.data) == file.read()
    browser = student.get(f"/r/{code}", headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert browser.headers["Content-Encoding"] == "br"  # smaller than gzip for our HTML, and no slower
    assert student.get(f"/r/{code}").headers.get("Content-Encoding") is None  # only when the browser asks


def test_the_pdf_is_not_compressed_again(app):
    from tests.support.actions import agree, post_action

    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/close")
    agree(people["student"], code, "sanne@example.nl")
    post_action(people["stagedocent"], code, "/finalize", {"force": "1"})
    pdf = people["student"].get(f"/r/{code}/record.pdf", headers={"Accept-Encoding": "gzip, br"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers.get("Content-Encoding") is None


def test_the_websocket_is_not_compressed_even_when_the_browser_offers_it(live_server):
    """eventlet would grant permessage-deflate to every browser; its cost per socket is not worth it here
    (webapp._without_websocket_compression, bench/RESULTS.md)."""
    import socket

    with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as sock:
        sock.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1:{live_server.port}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                      f"Origin: {live_server.url}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, head
            head += chunk
    status, _, headers = head.partition(b"\r\n\r\n")[0].partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 101"), head
    assert b"sec-websocket-extensions" not in headers.lower(), head
