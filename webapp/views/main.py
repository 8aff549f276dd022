"""The start page: start a conversation or go to one by its code; and the health check."""
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from webapp.domain import accounts, codes, planning, rooms
from webapp.domain.refusals import RoomError
from webapp.extensions import db, limiter
from webapp.presentation.invitation_mail import invitation_parts
from webapp.views.identity import remember
from webapp.views.limits import count_failure, join_guard

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Start a new conversation, or join one with a code."""
    notice = "Het gesprek is verwijderd, met alles wat erin stond." if request.args.get("verwijderd") else None
    return render_template("index.html", notice=notice)


@bp.post("/rooms")
@limiter.limit(lambda: current_app.config["CREATE_RATE_LIMIT"])
def create():
    """Start a conversation: the creator is its first deelnemer."""
    try:
        room, me = rooms.create_room(request.form.get("name"), request.form.get("role"))
    except RoomError as error:
        return render_template("index.html", start_error=error.message, form=request.form), error.status
    remember(room, me)
    return redirect(url_for("room.show", code=room.code), 303)


@bp.get("/plannen")
def plan_form():
    """Plan a conversation ahead, so everyone can prepare at home; from Mijn gesprekken, the next one of a
    series, with its people filled in."""
    previous = _series_to_continue()
    form = {**planning.form_for_next(previous), "role": accounts.role_in_series(current_user.id, previous.series_id)} \
        if previous else {}
    return render_template("plannen.html", form=form, previous=previous)


@bp.post("/plannen")
@limiter.limit(lambda: current_app.config["CREATE_RATE_LIMIT"])
def plan():
    """The planner's place is theirs at once; the others get their own link by mail, or by hand from the room."""
    form, previous = request.form, _series_to_continue()
    try:
        invitees = planning.read_invitees(form, form.get("role"))
        room, me = planning.plan(invitees, form.get("role"), form.get("date"), form.get("time"),
                                 form.get("moment"), invitation_parts, previous=previous)
    except RoomError as error:
        return render_template("plannen.html", error=error.message, form=form, previous=previous), error.status
    remember(room, me)
    return redirect(url_for("room.show", code=room.code, _anchor="tab-deelnemers"), 303)


def _series_to_continue():
    """The newest conversation of the series named by `serie`, when the signed-in student or stagedocent is in
    that series; anyone else's `serie` is ignored (a new series is planned)."""
    series_id = request.values.get("serie", type=int)
    if series_id is None or not current_user.is_authenticated:
        return None
    if accounts.role_in_series(current_user.id, series_id) is None:
        return None
    return planning.newest_in_series(series_id)


@bp.get("/join")
@join_guard
def join_by_code():
    """The start page's code field: a typed code goes to its room, a malformed one gets a message."""
    code = codes.normalize(request.args.get("code", ""))
    if code is None:
        count_failure()
        message = "Een gesprekscode heeft 8 tekens, bijvoorbeeld K7MP-3XQ9. Kijk de code goed na."
        return render_template("index.html", code_error=message, code=request.args.get("code", "")[:32]), 400
    return redirect(url_for("room.show", code=code))


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """For load balancers: the process answers and its database does too."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
