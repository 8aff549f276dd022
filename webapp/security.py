"""HTTP headers that make the browser enforce what the app already promises: only our own scripts,
no framing, no sniffing, and no room codes leaking to other sites through the Referer header."""
from flask import Flask, request

# htmx adds its own <style> for indicators and cards carry their set colour inline: styles need
# 'unsafe-inline'; scripts never do.
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def init_app(app: Flask) -> None:
    @app.after_request
    def harden(response):
        # A room's pages, its verslag and PDF and state.json hold what people said: no copy in any cache,
        # nor in the back-forward cache of a shared school device.
        if request.blueprint in ("room", "mine"):  # mine: Mijn gesprekken, the overview of a signed-in person
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Content-Security-Policy", POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
