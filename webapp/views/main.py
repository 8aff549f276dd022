"""The start page: start a conversation or go to one by its code; and the health check."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user
from sqlalchemy import text

from webapp.domain import accounts, codes, invitations, planning, rooms
from webapp.domain.refusals import RoomError
from webapp.errors import error_response, too_many_message
from webapp.extensions import db, limiter
from webapp.identity import remember
from webapp.presentation.invitation_mail import invitation_parts
from webapp.views.limits import count_failure, join_guard
from webapp.views.mine import own_address
from webapp.views.query import id_from

bp = Blueprint("main", __name__)

# Shown once in the room, above Deelnemers (templates/room.html), right after planning.
MAILED = "Het gesprek is gepland. De uitnodiging met een eigen link gaat per mail naar {names}."
# ... and when invitations.queue said no.
NOT_MAILED = ("{name} krijgt geen mail: er zijn al te veel uitnodigingen verstuurd. Het gesprek is wel gepland. "
              "Geef {name} zelf een link: kies hieronder „Nieuwe link voor {name}”.")
NOT_MAILED_SELF = ("Je krijgt zelf geen mail met je link: er zijn al te veel uitnodigingen verstuurd. Het gesprek "
                   "is wel gepland. Op een ander apparaat? Kies „Jouw link voor een ander apparaat”.")


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
    series, with what is known filled in."""
    previous = _series_to_continue()
    if previous is None:
        return render_template("plannen.html", form={})
    if planning.upcoming_in_series(previous.series_id) is not None:
        return redirect(url_for("mine.stage", series_id=previous.series_id))  # one next conversation: that one
    role = accounts.role_in_series(current_user.id, previous.series_id)
    return _form_for_next(previous, planning.form_for_next(previous, role, own_address()))


@bp.post("/plannen")
@limiter.limit(lambda: current_app.config["CREATE_RATE_LIMIT"])
def plan():
    """The planner's place is theirs at once; the others get their own link by mail, or by hand from the room."""
    form, previous = request.form, _series_to_continue()
    # In a stage one is a member of, one's role is the membership's, whatever the form says.
    role, key = (accounts.role_in_series(current_user.id, previous.series_id), current_user.id) if previous \
        else (form.get("role"), None)
    try:
        invitees = planning.read_invitees(form, role)
        room, me = planning.plan(invitees, role, form.get("date"), form.get("time"), form.get("moment"),
                                 invitation_parts, previous=previous, planner_key=key, workplace=form.get("workplace"))
    except RoomError as error:
        typed = {**form, "role": role}
        if previous is not None:
            return _form_for_next(previous, typed, error.message), error.status
        return render_template("plannen.html", error=error.message, form=typed), error.status
    remember(room, me)
    not_mailed = invitations.not_mailed(room)
    mailed = sorted((p for p in room.active_participants if p.email and p not in not_mailed), key=lambda p: p != me)
    if mailed:  # in view on arrival: whom the invitations went to
        flash(MAILED.format(names=_and("jou" if p == me else p.name for p in mailed)), "gemaild")
    for person in not_mailed:  # a budget was spent: planned all the same, the link goes by hand
        flash(NOT_MAILED_SELF if person.id == me.id else NOT_MAILED.format(name=person.name), "niet-gemaild")
    return redirect(url_for("room.show", code=room.code, _anchor="tab-deelnemers"), 303)


def _form_for_next(previous, form, error: str | None = None) -> str:
    """The form for a stage's next conversation, saying how each of the others comes in (`others`)."""
    return render_template("plannen.html", form=form, previous=previous, error=error,
                           others=planning.others_before(previous, form["role"]))


def _and(names) -> str:
    """'Sanne, Kees en jou'."""
    names = list(names)
    return " en ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def _series_to_continue():
    """The newest conversation of the series named by `serie`, when the signed-in student or stagedocent is in
    that series; anyone else's `serie` is ignored (a new series is planned)."""
    series_id = id_from("serie")
    if series_id is None or not current_user.is_authenticated:
        return None
    if accounts.role_in_series(current_user.id, series_id) is None:
        return None
    return planning.newest_in_series(series_id)


@bp.get("/join")
@join_guard
def join_by_code():
    """The start page's code field: a typed code goes to its room; a malformed or unknown one is answered under
    the field, with the code as typed. It says what /r/<code> says of that code (the join form, or that we do
    not know it), nothing more, and a wrong code uses up one try of the same budget."""
    typed = _typed_code()
    code = codes.normalize(typed)
    if code is None:
        count_failure()
        message = "Een gesprekscode heeft 8 tekens, bijvoorbeeld K7MP-3XQ9. Kijk de code goed na."
        return render_template("index.html", code_error=message, code=typed), 400
    try:
        rooms.find_seat(code, None)
    except RoomError as error:
        count_failure()
        return render_template("index.html", code_error=error.message, code=typed), error.status
    return redirect(url_for("room.show", code=code))


def _typed_code() -> str:
    return request.args.get("code", "")[:32]


@bp.errorhandler(RateLimitExceeded)
def too_many(error: RateLimitExceeded):
    """Out of tries on the start page: answered where the form is, as a wrong code or a missing name is (under the
    code field with the code kept, or in the start form with what was typed), not on a page of its own."""
    message = too_many_message(error)
    if request.endpoint == "main.join_by_code":
        return render_template("index.html", code_error=message, code=_typed_code()), 429
    if request.endpoint == "main.create":
        return render_template("index.html", start_error=message, form=request.form), 429
    return error_response(message, 429)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """For load balancers: the process answers and its database does too."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
