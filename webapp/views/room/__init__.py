"""The `room` blueprint: every route under /r/<code>.

The room and the acting deelnemer are loaded once per request, before any view runs (as flaskr's
`login_required` fills `g.user`): `g.room`, `g.me`. A view is for deelnemers only unless it says
`@open_to_guests`, so a new route cannot forget the check.
"""
from flask import Blueprint, current_app, g, request

from webapp.domain.refusals import RoomError
from webapp.domain.rooms import find_seat
from webapp.identity import token_for_code
from webapp.views.limits import count_failure, join_guard

bp = Blueprint("room", __name__, url_prefix="/r/<code>")

# One answer for "no such room" and "not yours", on every route that is not the join form: nothing tells
# someone without a place in a room whether a code exists.
NOT_YOURS = RoomError("Dit gesprek kennen we niet, of je doet er niet aan mee. Meld je aan met de gesprekscode.", 404)
join_guard(bp)  # every route here is a way of trying a code


LINK_NOT_VALID = RoomError("Deze link werkt niet (meer). Er is misschien een nieuwe link gemaakt. Vraag de student of "
                           "de stagedocent om jouw link.", 404)


def open_to_guests(view):
    """Mark a view that anyone with the code may reach (the join form); `g.me` is then None for them."""
    view.open_to_guests = True
    return view


def open_to_link_holders(view):
    """Mark a view that anyone with a personal link may reach. A wrong code gets the same answer as a wrong
    link, so trying links tells nothing about which codes exist."""
    view.open_to_guests = True
    view.unknown_room = LINK_NOT_VALID
    return view


@bp.url_value_preprocessor
def take_code(_endpoint, values):
    g.code_as_typed = values.pop("code")


@bp.before_request
def load_room_and_deelnemer():
    # In before_request, not in the preprocessor: the rate limit (an app-level before_request) must see
    # the request first, so a failed try of a code counts against its address.
    view = current_app.view_functions.get(request.endpoint)
    guest_view = getattr(view, "open_to_guests", False)
    try:
        g.room, g.me = find_seat(g.code_as_typed, token_for_code(g.code_as_typed))
    except RoomError as error:
        count_failure()
        if guest_view:  # the join form says what is wrong with a typed code
            raise getattr(view, "unknown_room", error) from None
        raise NOT_YOURS from None
    if g.me is None and not guest_view:
        count_failure()
        raise NOT_YOURS


from webapp.views.room import agreements, closing, meeting, planning, rooms, series  # noqa: E402,F401  (routes)
