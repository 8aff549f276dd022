"""HTTP views of closing: afronden, akkoord, versturen, the verslag page and the vervolggesprek."""
from flask import Blueprint, make_response, render_template, request, session, url_for

from realtime.broadcast import broadcast
from webapp import closing, outbox
from webapp.identity import remember
from webapp.responses import changed, fragment, navigate, participant_in
from webapp.roles import require
from webapp.room_view import RoomView
from webapp.rooms import RoomError
from webapp.verslag_pdf import render_pdf

bp = Blueprint("closing", __name__, url_prefix="/r/<code>")


@bp.post("/close")
def close(code):
    """The stagedocent starts closing: every phone shows the draft verslag."""
    room, me = participant_in(code)
    closing.start_closing(room, me)
    return changed(room, me, None)


@bp.post("/reopen")
def reopen(code):
    """The stagedocent goes back to the conversation."""
    room, me = participant_in(code)
    closing.reopen(room, me)
    return changed(room, me, None)


@bp.post("/next-meeting")
def plan_next(code):
    """The stagedocent plans (or clears) the date of the vervolggesprek."""
    room, me = participant_in(code)
    closing.plan_next(room, me, request.form.get("next_date"), request.form.get("next_time"))
    return changed(room, me, ["verslag"], message="Het volgende gesprek staat in het verslag.")


@bp.get("/confirm")
def confirm_form(code):
    """This phone's own Akkoord form: the address is shown to its owner only."""
    room, me = participant_in(code)
    return fragment(_confirm_form(room, me))


@bp.post("/confirm")
def confirm(code):
    """Akkoord with the verslag as it stands, with the address to send it to."""
    room, me = participant_in(code)
    closing.confirm(room, me, request.form.get("email"), request.form.get("remark"))
    if me.email:
        session["email"] = me.email  # offered again in this browser's next conversation
    return changed(room, me, ["verslag"], reset={"mijn-akkoord": _confirm_form(room, me)},
                   message="Je gaf akkoord.")


def _confirm_form(room, me) -> str:
    return render_template("partials/mijn_akkoord.html", room=room, me=me,
                           email=me.email or session.get("email", ""))


@bp.post("/finalize")
def finalize(code):
    """The stagedocent sends: the verslag is frozen and mailed; with force=1 also without everyone's Akkoord."""
    room, me = participant_in(code)
    closing.finalize(room, me, request.form.get("force") == "1")
    return changed(room, me, None, message="Het verslag is verstuurd.")


@bp.get("/record")
def record(code):
    """The frozen verslag, for the deelnemers of this conversation."""
    room, me = participant_in(code)
    view = RoomView(room)
    stored = _stored_record(view)
    return render_template("verslag/page.html", room=room, me=me, data=stored.data,
                           content_hash=stored.content_hash, follow_up=view.follow_up)


@bp.get("/record.pdf")
def record_pdf(code):
    """The frozen verslag as a PDF to download."""
    room, _me = participant_in(code)
    stored = _stored_record(RoomView(room))
    response = make_response(render_pdf(stored.data, stored.content_hash))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="verslag-{stored.data["date"]}.pdf"'
    return response


def _stored_record(view: RoomView):
    if view.record is None:
        raise RoomError("Er is nog geen verslag. Dat komt er als de stagedocent het gesprek afrondt.", 409)
    return view.record


@bp.get("/mail")
def mail_status(code):
    """For the stagedocent: has the verslag reached everyone? Names only, never addresses."""
    room, me = participant_in(code)
    require(me.role, "send_record", "Alleen de stagedocent ziet of de mail is aangekomen.")
    names = {p.id: p.name for p in room.participants}
    statuses = [(names.get(s.participant_id, "Een deelnemer"), s) for s in outbox.status_for_room(room.id)]
    return fragment(render_template("partials/mailstatus.html", room=room, statuses=statuses))


@bp.post("/mail/retry")
def retry_mail(code):
    """'Probeer opnieuw': mail that failed is sent at once instead of after the waiting time."""
    room, me = participant_in(code)
    require(me.role, "send_record", "Alleen de stagedocent kan de mail opnieuw versturen.")
    outbox.retry_now(room.id)
    return mail_status(code)


@bp.post("/follow-up")
def follow_up(code):
    """Start the vervolggesprek: a new room that looks back on these afspraken."""
    room, me = participant_in(code)
    new_room, new_me = closing.start_follow_up(room, me)
    remember(new_room, new_me)
    broadcast(room, ["verslag"])
    return navigate(url_for("room.show", code=new_room.code))
