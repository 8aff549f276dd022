"""The series: one tap from the conversation before into the vervolggesprek, and looking back on it together."""
from flask import g, request, url_for

from webapp.domain import closing, review
from webapp.domain.rooms import participant_for_token
from webapp.identity import remember, token_for
from webapp.views.limits import count_failure
from webapp.views.responses import changed, navigate
from webapp.views.room import NOT_YOURS, bp, open_to_guests


def was_here_before():
    """This browser's place waiting in this vervolggesprek: the same person as in the conversation before."""
    previous = closing.previous_of(g.room)
    if previous is None:
        return None
    return closing.carried_place(g.room, participant_for_token(previous, token_for(previous)))


@bp.context_processor
def carried_over():
    """The join form offers "Ga verder als ..." to a browser that was in the conversation before."""
    if request.endpoint not in ("room.show", "room.join") or g.get("room") is None or g.get("me") is not None \
            or g.room.previous_room_id is None:
        return {}
    place = was_here_before()
    return {"carried_place": place if place is not None and place.removed_at is None else None}


@bp.post("/verder")
@open_to_guests
def carry_on():
    """One tap from the conversation before: this phone comes in as the same person (their place was waiting).
    A browser that was not in the conversation before gets the same answer as any room that is not theirs."""
    if g.me is None:
        place = was_here_before()
        if place is None:
            count_failure()
            raise NOT_YOURS
        closing.carry_over(g.room, place)
        remember(g.room, place)
    return navigate(url_for(".show", code=g.room.code))


carry_on.unknown_room = NOT_YOURS  # an unknown code answers as a room that is not yours: nothing tells them apart


@bp.post("/review")
def mark_review():
    """Look back together: an afspraak or task of last time (`kind`, `position`) is gedaan, loopt or niet gelukt
    (`outcome`); the last choice counts."""
    review.mark(g.room, g.me, request.form.get("kind"), request.form.get("position"), request.form.get("outcome"))
    return changed(message="Opgeslagen.")
