"""The room page, and who is in it: join, lock, remove, delete; and state.json."""
import time

from flask import g, jsonify, redirect, render_template, request, url_for

from realtime.broadcast import announce_deleted, evict
from webapp.domain import rooms
from webapp.domain.refusals import RoomError
from webapp.identity import remember, token_for
from webapp.presentation.invite import qr_svg, room_url
from webapp.presentation.regions import Renderer
from webapp.presentation.screen import RoomScreen
from webapp.presentation.state import room_state
from webapp.views.responses import changed, navigate
from webapp.views.room import bp, open_to_guests


@bp.get("")
@open_to_guests
def show():
    """The room for its deelnemers; the join form (or why joining is not possible) for anyone else."""
    room, me = g.room, g.me
    if g.code_as_typed != room.code:
        return redirect(url_for(".show", code=room.code))
    if me is None:
        return render_join()
    renderer, invite_url = Renderer(room), room_url(room.code)
    return render_template("room.html", room=room, me=me, screen=renderer.screen, regions=renderer.screen_of(me),
                           invite_url=invite_url, qr=qr_svg(invite_url),
                           server_now=int(time.time() * 1000))


def render_join(error: str | None = None, status: int = 200):
    token = token_for(g.room)
    removed = rooms.was_removed(g.room, token)
    # A token this browser kept for the room that is no seat now: someone took up a new link for the place.
    replaced = token is not None and not removed
    return render_template(
        "join.html", room=g.room, error=error, form=request.form,
        may_join=rooms.may_join(g.room), seats=rooms.roles_for_newcomer(g.room), removed=removed, replaced=replaced,
    ), status


@bp.post("/join")
@open_to_guests
def join():
    """Become a deelnemer: the signed cookie binds this browser to the new participant."""
    if g.me is None:
        try:
            g.me = rooms.join_room(g.room, request.form.get("name"), request.form.get("role"), token_for(g.room))
        except RoomError as error:
            return render_join(error.message, error.status)
        remember(g.room, g.me)
    return redirect(url_for(".show", code=g.room.code), 303)


@bp.post("/lock")
def lock():
    """The stagedocent locks the room, or opens it for one more person."""
    rooms.set_locked(g.room, g.me, request.form.get("locked") == "1")
    return changed(focus="#deelnemers-title")


@bp.post("/participants/<int(max=2147483647):participant_id>/remove")
def remove(participant_id):
    """The stagedocent takes someone out; their phone leaves the room at once."""
    target, sids = rooms.remove_participant(g.room, g.me, participant_id)
    evict(target.id, sids, f"{target.name} is uit het gesprek gehaald.")
    return changed(focus="#deelnemers-title")


@bp.post("/participants/<int(max=2147483647):participant_id>/readmit")
def readmit(participant_id):
    """The stagedocent lets someone they took out back in."""
    rooms.readmit_participant(g.room, g.me, participant_id)
    return changed(focus="#deelnemers-title")


@bp.post("/delete")
def delete():
    """The stagedocent deletes the conversation and all its data; every phone goes back to the start."""
    code = g.room.code
    rooms.delete_room(g.room, g.me)
    announce_deleted(code)
    return navigate(url_for("main.index", verwijderd=1))


@bp.post("/delete-series")
def delete_series():
    """The stagedocent ends the stage: all its conversations and their data go; every phone goes to the start."""
    for code in rooms.delete_series(g.room, g.me):
        announce_deleted(code)
    return navigate(url_for("main.index", verwijderd=1))


@bp.get("/state.json")
def state():
    """The room as JSON, for its deelnemers only."""
    return jsonify(room_state(RoomScreen(g.room)))
