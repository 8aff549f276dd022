"""How a room action answers: one shape for every view. What the change did to the screens was decided at
commit (realtime/sync.py); the acting phone's answer carries what its deelnemer was sent, plus its own
pieces."""
from flask import g, make_response, redirect, request, url_for
from markupsafe import Markup

from realtime.sync import VERSION_HEADER, sent_to
from webapp.presentation.regions import as_partials, notice
from webapp.presentation.templating import render_given


def is_htmx() -> bool:
    return bool(request.headers.get("HX-Request"))


def changed(*, also: dict[str, str] | None = None, reset: dict[str, str] | None = None,
            message: str | None = None, focus: str | None = None, status: int = 200):
    """After a committed change, answer the acting phone.

    htmx gets the regions that changed on this deelnemer's screen, `also` (this phone's own pieces, morphed
    like the regions) and `reset` (this phone's forms that were just sent, replaced so they come back
    empty), with the room version in a header, so a late answer never overwrites a newer push; a phone
    without JavaScript is sent back to the room page. `focus` names the heading of what changed, for when
    the control that was used is gone (X-Focus; app.js otherwise keeps focus on that control).
    """
    if not is_htmx():
        return redirect(url_for("room.show", code=g.room.code), 303)
    fragments = {**sent_to(g.me), **(also or {})}
    fragments["meldingen"] = notice(message, "ok")
    response = make_response(as_partials(fragments) + as_partials(reset or {}, swap="outerHTML"), status)
    response.headers[VERSION_HEADER] = str(g.room.version)
    if focus:
        response.headers["X-Focus"] = focus
    return response


def fragment(html: str, status: int = 200):
    """A piece of page for this phone only (an edit form, a preview)."""
    return make_response(Markup(html), status)


def closed_editor() -> str:
    """This phone's edit panel, emptied after a save."""
    return render_given("pieces/bewerken.html", {})


def navigate(url: str):
    """Send this phone to another page: htmx follows HX-Redirect, a plain form a 303."""
    if is_htmx():
        response = make_response("")
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)
