"""HTTP views of a room: thin; they identify the deelnemer, call the domain, then broadcast."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from realtime.broadcast import announce_deleted, broadcast, evict
from webapp import meeting, rooms
from webapp.extensions import limiter
from webapp.identity import current_participant, remember, token_for
from webapp.invite import qr_svg, room_url
from webapp.limits import join_guard
from webapp.regions import Viewer, render_regions
from webapp.responses import changed, navigate, participant_in
from webapp.room_view import RoomView
from webapp.state import room_state

bp = Blueprint("room", __name__)


@bp.post("/rooms")
@limiter.limit(lambda: current_app.config["CREATE_RATE_LIMIT"])
def create():
    """Start a conversation: the creator is its first deelnemer."""
    try:
        room, me = rooms.create_room(request.form.get("name"), request.form.get("role"))
    except rooms.RoomError as error:
        return render_template("index.html", start_error=error.message, form=request.form), error.status
    remember(room, me)
    return redirect(url_for(".show", code=room.code), 303)


@bp.get("/r/<code>")
@join_guard
def show(code):
    """The room for its deelnemers; the join form (or why joining is not possible) for anyone else."""
    room = rooms.find_room(code)
    if code != room.code:
        return redirect(url_for(".show", code=room.code))
    me = current_participant(room)
    if me is None:
        return render_join(room)
    viewer, view, invite_url = Viewer(me.role), RoomView(room), room_url(room.code)
    return render_template(
        "room.html", room=room, me=me, viewer=viewer, view=view, regions=render_regions(view, viewer),
        invite_url=invite_url, qr=qr_svg(invite_url), checklist=meeting.my_checklist(me),
    )


def render_join(room, error: str | None = None, status: int = 200):
    return render_template(
        "join.html", room=room, error=error, form=request.form,
        may_join=rooms.may_join(room), removed=rooms.was_removed(room, token_for(room)),
    ), status


@bp.post("/r/<code>/join")
@join_guard
def join(code):
    """Become a deelnemer: the signed cookie binds this browser to the new participant."""
    room = rooms.find_room(code)
    if current_participant(room):
        return redirect(url_for(".show", code=room.code), 303)
    try:
        me = rooms.join_room(room, request.form.get("name"), request.form.get("role"))
    except rooms.RoomError as error:
        return render_join(room, error.message, error.status)
    remember(room, me)
    broadcast(room, ["deelnemers"])
    return redirect(url_for(".show", code=room.code), 303)


@bp.post("/r/<code>/lock")
def lock(code):
    """The stagedocent locks the room, or opens it for one more person."""
    room, me = participant_in(code)
    rooms.set_locked(room, me, request.form.get("locked") == "1")
    return changed(room, me, ["deelnemers"])


@bp.post("/r/<code>/participants/<int:participant_id>/remove")
def remove(code, participant_id):
    """The stagedocent takes someone out; their phone leaves the room at once."""
    room, me = participant_in(code)
    target, sids = rooms.remove_participant(room, me, participant_id)
    evict(target.id, sids, f"{target.name} is uit het gesprek gehaald.")
    return changed(room, me, ["deelnemers"])


@bp.post("/r/<code>/delete")
def delete(code):
    """The stagedocent deletes the conversation and all its data; every phone goes back to the start."""
    room, me = participant_in(code)
    room_code = room.code
    rooms.delete_room(room, me)
    announce_deleted(room_code)
    return navigate(url_for("main.index", verwijderd=1))


@bp.get("/r/<code>/state.json")
def state(code):
    """The room as JSON, for its deelnemers only."""
    room, _me = participant_in(code)
    response = jsonify(room_state(RoomView(room)))
    response.headers["Cache-Control"] = "no-store"
    return response

