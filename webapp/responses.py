"""How a room action answers: one shape for every view, so every change is broadcast the same way."""
from flask import make_response, redirect, render_template, request, url_for
from markupsafe import Markup

from realtime.broadcast import broadcast
from webapp import rooms
from webapp.identity import require_participant
from webapp.regions import as_partials


def participant_in(code: str):
    """The room and the acting deelnemer; a RoomError (404/410/403) when either is missing."""
    room = rooms.find_room(code)
    return room, require_participant(room)


def is_htmx() -> bool:
    return bool(request.headers.get("HX-Request"))


def changed(room, me, names, *, also: dict[str, str] | None = None, reset: dict[str, str] | None = None,
            message: str | None = None):
    """After a committed change: tell every phone, and answer the acting phone itself.

    htmx gets the changed regions, `also` (this phone's own elements, morphed like the regions) and
    `reset` (this phone's forms that were just sent, replaced so they come back empty), with the room
    version in a header, so a late answer never overwrites a newer push; a phone without JavaScript is
    sent back to the room page.
    """
    fragments = broadcast(room, names)[me.role]
    if not is_htmx():
        return redirect(url_for("room.show", code=room.code), 303)
    fragments.update(also or {})
    if message:
        fragments["meldingen"] = render_template("partials/meldingen.html", message=message, kind="ok")
    response = make_response(as_partials(fragments) + as_partials(reset or {}, swap="outerHTML"))
    response.headers["X-Room-Version"] = str(room.version)
    return response


def fragment(html: str, status: int = 200):
    """A piece of page for this phone only (an edit form, a preview)."""
    return make_response(Markup(html), status)


def closed_editor() -> str:
    """This phone's edit panel, emptied after a save."""
    return render_template("partials/bewerken.html")


def navigate(url: str):
    """Send this phone to another page: htmx follows HX-Redirect, a plain form a 303."""
    if is_htmx():
        response = make_response("")
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)
