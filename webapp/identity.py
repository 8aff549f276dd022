"""Which deelnemer this browser is: a token per room in Flask's signed session cookie."""
import time

from flask import g, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from webapp.domain import codes
from webapp.domain.rooms import participant_for_token
from webapp.models import Participant, Room

MAX_ROOMS_REMEMBERED = 20
# A permanent session's cookie is signed and sent again at most this often when nothing in it changed: it lasts
# RETENTION_DAYS from the last visit to within this time, and an action does not pay for a signature it needs not.
RENEW_SECONDS = 3600
clock = time.time  # what the signature's timestamp counts in (itsdangerous); tests move it on


class SessionRenewedHourly(SecureCookieSessionInterface):
    """Flask's signed cookie session, sent again when it changed, or (permanent, SESSION_REFRESH_EACH_REQUEST) when
    it was signed RENEW_SECONDS ago or longer; Flask would sign and send it on every answer."""

    def get_signing_serializer(self, app):
        """One serializer per app and keys: Flask builds a new one for every request (1% of a change's CPU)."""
        keys = (tuple(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        built = app.extensions.get("session_serializer")
        if built is None or built[0] != keys:
            built = app.extensions["session_serializer"] = (keys, super().get_signing_serializer(app))
        return built[1]

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        cookie = request.cookies.get(self.get_cookie_name(app)) if serializer else None
        if not cookie:
            return super().open_session(app, request)
        try:
            data, signed_at = serializer.loads(cookie, max_age=int(app.permanent_session_lifetime.total_seconds()),
                                               return_timestamp=True)
        except BadSignature:
            return self.session_class()
        opened = self.session_class(data)
        opened.signed_at = signed_at.timestamp()
        return opened

    def should_set_cookie(self, app, session) -> bool:
        signed_at = getattr(session, "signed_at", None)
        return session.modified or (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"] and (
            signed_at is None or clock() - signed_at >= RENEW_SECONDS))


def remember(room: Room, participant: Participant) -> None:
    rooms = dict(session.get("rooms", {}))
    rooms.pop(room.code, None)
    rooms[room.code] = participant.token
    # The cookie must stay small; the oldest conversations drop out first.
    session["rooms"] = dict(list(rooms.items())[-MAX_ROOMS_REMEMBERED:])
    session.permanent = True


def token_for(room: Room) -> str | None:
    return session.get("rooms", {}).get(room.code)


def token_for_code(typed: str | None) -> str | None:
    """This browser's token for a code as typed (the session keeps them under the canonical code)."""
    return session.get("rooms", {}).get(codes.normalize(typed or ""))


def current_participant(room: Room) -> Participant | None:
    return participant_for_token(room, token_for(room))


def seated_for_this_code() -> bool:
    """Whether this browser has a seat in the conversation whose code is in this request's URL (the code budgets
    and admission control let it past). The room blueprint has taken the code out of view_args by the time its
    views run (its url_value_preprocessor runs first), so it is looked for in both places."""
    typed = g.get("code_as_typed") or (request.view_args or {}).get("code", "")
    return token_for_code(typed) is not None
