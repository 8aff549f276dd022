"""A conversation planned ahead: everyone's own link, the calendar file, a new date, and the start."""
from flask import Response, g, redirect, render_template, request, url_for

from realtime.broadcast import evict
from webapp.domain import planning, series
from webapp.domain.content import get_content
from webapp.domain.refusals import RoomError
from webapp.identity import remember
from webapp.presentation.invitation_mail import link_url, planned_ics, student_name, whose
from webapp.views.limits import count_failure
from webapp.views.responses import changed, fragment
from webapp.views.room import LINK_NOT_VALID, bp, open_to_link_holders


@bp.route("/welkom/<secret>", methods=["GET", "POST"])
@open_to_link_holders
def welcome(secret):
    """Someone's own link: it shows who they are in this conversation; saying 'dat ben ik' binds this browser
    to their place. A GET changes nothing, so a mail program that opens links to check them takes nobody's
    place."""
    place = planning.place_for_link(g.room, secret)
    if place is None:
        count_failure()
        raise LINK_NOT_VALID
    if g.me is not None and g.me.id == place.id:
        return redirect(url_for(".show", code=g.room.code), 303)
    if request.method == "POST":
        try:
            replaced = planning.arrive(g.room, place, request.form.get("name"))
        except RoomError as error:
            return _welcome_page(place, error.message), error.status
        evict(place.id, replaced, "Je plek is op een ander apparaat geopend.")  # a seat is one person's
        remember(g.room, place)
        return redirect(url_for(".show", code=g.room.code), 303)
    return _welcome_page(place)


def _welcome_page(place, error: str | None = None) -> str:
    return render_template("welkom.html", content=get_content(), room=g.room, place=place, error=error,
                           student=student_name(g.room), workplace=series.workplace_of(g.room.series_id),
                           whose=whose(g.room))


@bp.post("/start")
def start():
    """One tap at the table starts the conversation on every phone."""
    planning.start(g.room, g.me)
    return changed(focus="#stap-title")


@bp.post("/plan")
def reschedule():
    """Another date or time for the planned conversation."""
    planning.reschedule(g.room, g.me, request.form.get("date"), request.form.get("time"))
    return changed(message="De nieuwe datum staat erin.", focus="#gepland-title")


@bp.post("/moment")
def set_moment():
    """The stagedocent says where in the stage this conversation is: `moment` (start, midden, eind)."""
    planning.set_moment(g.room, g.me, request.form.get("moment"))
    return changed(message="Opgeslagen.")


@bp.post("/participants/<int(max=2147483647):participant_id>/link")
def new_link(participant_id):
    """A new personal link, shown once on this phone, to share by hand; the old one stops working."""
    target, secret = planning.renew_link(g.room, g.me, participant_id)
    return fragment(render_template("pieces/link.html", target=target, url=link_url(g.room, secret), me=g.me))


@bp.get("/gesprek.ics")
def calendar_file():
    """The planned conversation for one's agenda."""
    if g.room.planned_for is None:
        raise RoomError("Dit gesprek heeft geen datum.", 404)
    return Response(planned_ics(g.room), mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="stagegesprek.ics"'})
