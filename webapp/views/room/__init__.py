"""The `room` blueprint: every route under /r/<code>.

The room and the acting deelnemer are loaded once per request, before any view runs (as flaskr's
`login_required` fills `g.user`): `g.room`, `g.me`. A view is for deelnemers only unless it says
`@open_to_guests`, so a new route cannot forget the check.
"""
from flask import Blueprint, current_app, g, request

from webapp.domain import rooms
from webapp.domain.refusals import RoomError
from webapp.views.identity import current_participant
from webapp.views.limits import count_failure, join_guard

bp = Blueprint("room", __name__, url_prefix="/r/<code>")
join_guard(bp)  # every route here is a way of trying a code


def open_to_guests(view):
    """Mark a view that anyone with the code may reach (the join form); `g.me` is then None for them."""
    view.open_to_guests = True
    return view


@bp.url_value_preprocessor
def take_code(_endpoint, values):
    g.code_as_typed = values.pop("code")


@bp.before_request
def load_room_and_deelnemer():
    # In before_request, not in the preprocessor: the rate limit (an app-level before_request) must see
    # the request first, so a failed try of a code counts against its address.
    try:
        g.room = rooms.find_room(g.code_as_typed)
    except RoomError:
        count_failure()
        raise
    g.me = current_participant(g.room)
    view = current_app.view_functions.get(request.endpoint)
    if g.me is None and not getattr(view, "open_to_guests", False):
        count_failure()
        raise RoomError("Je doet niet mee aan dit gesprek. Meld je eerst aan met de gesprekscode.", 403)


from webapp.views.room import agreements, closing, conversation, people  # noqa: E402,F401  (routes on bp)
