"""Every error answers in Dutch with a 4xx (or 5xx), shaped for who asked: a page, an htmx fragment or JSON."""
import math
import time

from flask import Flask, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.domain.refusals import Forbidden, RoomError
from webapp.extensions import limiter
from webapp.presentation.regions import as_partials, notice

MESSAGES = {
    400: "Dit verzoek klopt niet. Probeer het nog eens.",
    403: "Dit mag je niet doen.",
    404: "Deze pagina bestaat niet.",
    405: "Dit kan zo niet. Gebruik de knoppen op de pagina.",
    409: "Iemand anders was je net voor. Kijk wat er veranderd is.",
    410: "Dit is er niet meer.",
    413: "Wat je stuurt is te groot.",
    429: "Te veel pogingen.",  # and how long to wait: see too_many
    500: "Er ging bij ons iets mis. Probeer het over een paar tellen opnieuw.",
}


def error_response(message: str, status: int):
    if request.path.endswith(".json") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": message, "status": status}), status
    if request.headers.get("HX-Request"):
        return as_partials({"meldingen": notice(message, "fout")}), status
    return render_template("errors/error.html", message=message, status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(RoomError)
    def room_error(error: RoomError):
        return error_response(error.message, error.status)

    @app.errorhandler(Forbidden)
    def forbidden(error: Forbidden):
        return error_response(error.message, 403)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return error_response("Deze pagina was te lang open. Laad de pagina opnieuw en probeer het nog eens.", 400)

    @app.errorhandler(RateLimitExceeded)
    def too_many(error: RateLimitExceeded):
        return error_response(too_many_message(error), 429)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        return error_response(MESSAGES.get(status, MESSAGES[400 if status < 500 else 500]), status)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("Unhandled error", exc_info=error)
        return error_response(MESSAGES[500], 500)


def too_many_message(error: RateLimitExceeded) -> str:
    """What was asked too often (the limit's own message, if it has one) and how long to wait: the limit that was
    hit says when its window ends (a minute for codes, an hour for a sign-in link). A page with a form says it
    there (the start page: webapp/views/main.py); everything else answers with error_response."""
    wait = limiter.current_limit.reset_at - time.time()
    return f"{error.limit.error_message or MESSAGES[429]} {_try_again_in(wait)}"


def _try_again_in(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 60:
        wait = "een minuut" if minutes == 1 else f"{minutes} minuten"
    else:
        hours = round(minutes / 60)  # a window's end is given to the second after it: 61 minutes is an hour
        wait = "een uur" if hours == 1 else f"{hours} uur"
    return f"Probeer het over {wait} opnieuw."
