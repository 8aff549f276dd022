"""HTTP headers that make the browser enforce what the app already promises: only our own scripts,
no framing, no sniffing, and no room codes leaking to other sites through the Referer header; and how long
a browser keeps the static files (long, under a URL that changes with the file's content)."""
import hashlib
import os

from flask import Flask, current_app, request
from werkzeug.security import safe_join

# htmx adds its own <style> for indicators and cards carry their set colour inline: styles need
# 'unsafe-inline'; scripts never do.
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")

# A static URL carries its file's content hash (?v=...): that URL always means these bytes, so the browser keeps
# them for a year without asking again. A URL without the current hash (typed by hand, or an old page's after
# a deploy changed the file) gets the file as it is now, kept for a few minutes only.
STATIC_LONG = "public, max-age=31536000, immutable"
STATIC_SHORT = "public, max-age=300"
_digests: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, digest)


def static_digest(filename: str | None) -> str | None:
    """The first 16 hex digits of the SHA-256 of a static file, or None if there is no such file. The file is
    read once, and again when its size or modification time changes (a stat per URL built)."""
    path = safe_join(current_app.static_folder, filename or "")
    try:
        stat = os.stat(path)
        known = _digests.get(path)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        with open(path, "rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()[:16]
    except (OSError, TypeError):  # TypeError: safe_join refused the name
        return None
    _digests[path] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def init_app(app: Flask) -> None:
    @app.url_defaults
    def static_url_with_digest(endpoint, values):
        # Every url_for('static', filename=...) gets ?v=<content hash>: one mechanism for all static URLs.
        if endpoint == "static" and "v" not in values:
            digest = static_digest(values.get("filename"))
            if digest:
                values["v"] = digest

    @app.after_request
    def harden(response):
        # A room's pages, its verslag and PDF and state.json hold what people said: no copy in any cache,
        # nor in the back-forward cache of a shared school device.
        if request.blueprint in ("room", "mine"):  # mine: Mijn gesprekken, the overview of a signed-in person
            response.headers["Cache-Control"] = "no-store"
        elif request.endpoint == "static" and response.status_code < 400:
            digest = static_digest((request.view_args or {}).get("filename"))
            current = digest is not None and request.args.get("v") == digest
            response.headers["Cache-Control"] = STATIC_LONG if current else STATIC_SHORT
        response.headers.setdefault("Content-Security-Policy", POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
