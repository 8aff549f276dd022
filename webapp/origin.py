"""One origin for every link. Every absolute URL the app makes (the links in mail, the .ics, the QR code, a personal
link to share by hand) is PUBLIC_URL and a path, never the Host a request names: anyone can send any Host, and a
sign-in link asked for someone else's address would then lead to the asker's site, token and all.

The other side: the app answers only for its own hosts (TRUSTED_HOSTS, see webapp/config.py). Flask checks the Host
(behind TRUSTED_PROXIES, X-Forwarded-Host as ProxyFix put it in its place) while it makes the request's URL adapter,
and keeps the refusal for later; `refuse_unknown_host` answers it before any other work is done.
"""
from urllib.parse import urlsplit

from flask import Flask, current_app, request, url_for
from flask.globals import request_ctx
from werkzeug.exceptions import SecurityError

from webapp.errors import error_response

UNKNOWN_HOST = "Dit webadres hoort niet bij Stagegesprek. Gebruik het adres dat je van school kreeg."


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint: PUBLIC_URL and the path url_for gives."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def outside_request(app: Flask):
    """A request context for work outside any request (realtime/sync.py, when a commit outside a request renders
    the changed screens and they build their URLs). On PUBLIC_URL's host: any other Host may not be trusted, and
    would leave it without a way to build them."""
    return app.test_request_context(base_url=app.config["PUBLIC_URL"])


def init_app(app: Flask) -> None:
    """Register the refusal. Call it before any other before_request hook, admission control's included: they all
    may render a page, and a refused request has no URL adapter to build its links with until this gives it one."""
    app.before_request(refuse_unknown_host)


def refuse_unknown_host():
    if isinstance(request.routing_exception, SecurityError):  # werkzeug's get_host: a Host not in TRUSTED_HOSTS
        # The refusal page links its stylesheet and icon like every page: on PUBLIC_URL, the one origin.
        parts = urlsplit(current_app.config["PUBLIC_URL"])
        request_ctx.url_adapter = current_app.url_map.bind(parts.netloc, script_name=request.script_root or None,
                                                           url_scheme=parts.scheme)
        return error_response(UNKNOWN_HOST, 400)
    return None
