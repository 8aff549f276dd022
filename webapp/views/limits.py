"""The one budget for trying gesprekscodes, shared by every way in: the start page's code field and every
route under /r/<code>. Only failures count (a code we do not know, a room this browser is not in).

Two budgets, so people behind one address (a school's network) do not lock each other out: a small one per
browser (JOIN_RATE_LIMIT), which is what a person mistyping meets, and a large one per address
(JOIN_ADDRESS_LIMIT), which is what a guesser who throws away cookies meets. A browser that holds a
deelnemer's token for the code in the address is never held back."""
import secrets

from flask import Blueprint, current_app, g, request, session
from flask_limiter.util import get_remote_address

from webapp.extensions import limiter
from webapp.identity import seated_for_this_code


def count_failure() -> None:
    """Called where a code turns out wrong, or not this browser's: that request uses up one try."""
    g.code_failed = True


def _failed(_response) -> bool:
    return g.get("code_failed", False)


def _browser() -> str:
    """A random name for this browser, kept in its session cookie: it says nothing about the person."""
    if "browser" not in session:
        session["browser"] = secrets.token_urlsafe(12)
    return session["browser"]


_per_browser = limiter.shared_limit(lambda: current_app.config["JOIN_RATE_LIMIT"], scope="code-tries-browser",
                                    key_func=_browser, deduct_when=_failed, exempt_when=seated_for_this_code)
_per_address = limiter.shared_limit(lambda: current_app.config["JOIN_ADDRESS_LIMIT"], scope="code-tries-address",
                                    key_func=get_remote_address, deduct_when=_failed, exempt_when=seated_for_this_code)


@limiter.request_filter
def _seated_here() -> bool:
    """A browser with a seat in the conversation of the address skips the limiter altogether on the room's routes:
    their only limits are the two budgets above, which exempt it anyway, and an action then pays nothing for them."""
    return request.blueprint == "room" and seated_for_this_code()


def join_guard(target):
    """Put a view, or a whole blueprint, under both budgets."""
    if isinstance(target, Blueprint):  # Flask-Limiter registers a blueprint's limits and returns nothing
        _per_browser(target)
        _per_address(target)
        return target
    return _per_address(_per_browser(target))
