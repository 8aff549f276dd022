"""The one budget for trying gesprekscodes, shared by every way in: the start page's code field and every
route under /r/<code>. Only failures count (a code we do not know, a room this browser is not in), so a
deelnemer's own actions never use it up; and a browser that holds a deelnemer's token for the code in the
address is not held back by failures of others behind the same address."""
from flask import current_app, g, request, session

from webapp.domain import codes
from webapp.extensions import limiter


def count_failure() -> None:
    """Called where a code turns out wrong, or not this browser's: that request uses up one try."""
    g.code_failed = True


def _knows_this_room() -> bool:
    code = codes.normalize((request.view_args or {}).get("code", "") or "")
    return bool(code) and code in session.get("rooms", {})


join_guard = limiter.shared_limit(
    lambda: current_app.config["JOIN_RATE_LIMIT"],
    scope="join",
    deduct_when=lambda _response: g.get("code_failed", False),
    exempt_when=_knows_this_room,
)
