"""Closing: afronden, akkoord, versturen, the verslag page and the vervolggesprek."""
from flask import g, make_response, render_template, request, url_for

from webapp.domain import closing, outbox, record_links, verslag
from webapp.domain.refusals import RoomError
from webapp.domain.roles import require_actor
from webapp.identity import remember
from webapp.origin import public_url
from webapp.presentation import timeline
from webapp.presentation.invitation_mail import invitation_parts
from webapp.presentation.regions import Renderer
from webapp.presentation.verslag_mail import composer
from webapp.presentation.verslag_pdf import render_pdf
from webapp.views.responses import changed, fragment, navigate
from webapp.views.room import bp


@bp.post("/close")
def close():
    """The stagedocent starts closing: every phone shows the draft verslag."""
    closing.start_closing(g.room, g.me)
    return changed(focus="#verslag-title")


@bp.post("/reopen")
def reopen():
    """The stagedocent goes back to the conversation."""
    closing.reopen(g.room, g.me)
    return changed(focus="#stap-title")


@bp.post("/next-meeting")
def plan_next():
    """The stagedocent plans (or clears) the date of the vervolggesprek."""
    closing.plan_next(g.room, g.me, request.form.get("next_date"), request.form.get("next_time"))
    return changed(message="Het volgende gesprek staat in het verslag.")


@bp.post("/confirm")
def confirm():
    """Akkoord with the verslag in the version this phone showed (`draft`), with the address to send it to.
    When the text changed meanwhile: 409, and the new draft with this person's form is in view."""
    try:
        closing.confirm(g.room, g.me, request.form.get("email"), request.form.get("remark"),
                        request.form.get("draft"))
    except RoomError as error:
        if error.status != 409:
            raise
        screen = Renderer(g.room).screen_of(g.me)
        return changed(also={"verslag": screen["verslag"], "mijn-akkoord": screen["mijn-akkoord"]},
                       message=error.message, status=409)
    return changed(message="Je gaf akkoord.", focus="#akkoord-title")  # its button left the bar


@bp.post("/finalize")
def finalize():
    """The stagedocent sends: the verslag is frozen and mailed; with force=1 also without everyone's Akkoord."""
    def link_for(participant):  # each person's own link to the verslag, for any device (record_links)
        return public_url("records.record", token=record_links.token_for(participant))

    closing.finalize(g.room, g.me, request.form.get("force") == "1",
                     compose_mail=composer(link_for, record_links.valid_until(g.room)),
                     compose_invitation=invitation_parts)
    return changed(message="Het verslag is verstuurd.", focus="#verslag-title")


@bp.get("/record")
def record():
    """The frozen verslag, for the deelnemers of this conversation."""
    stored = _stored_record()
    return render_template("verslag/page.html", room=g.room, me=g.me, data=stored.data,
                           content_hash=stored.content_hash, follow_up=closing.follow_up_of(g.room))


@bp.get("/record.pdf")
def record_pdf():
    """The frozen verslag as a PDF to download."""
    stored = _stored_record()
    response = make_response(render_pdf(stored.data, stored.content_hash, timeline.stage_lines(g.room)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{verslag.file_name(stored.data)}"'
    return response


def _stored_record():
    stored = closing.record_of(g.room)
    if stored is None:
        raise RoomError("Er is nog geen verslag. Dat komt er als de stagedocent het gesprek afrondt.", 409)
    return stored


@bp.get("/mail")
def mail_status():
    """For the stagedocent: has the verslag reached everyone? Names only, never addresses."""
    require_actor(g.me, "follow_mail")
    names = {p.id: p.name for p in g.room.participants}
    statuses = [(names.get(s.participant_id, "Een deelnemer"), s) for s in outbox.status_for_room(g.room.id)]
    return fragment(render_template("pieces/mailstatus.html", room=g.room, statuses=statuses))


@bp.post("/mail/retry")
def retry_mail():
    """'Probeer opnieuw': mail that failed is sent at once instead of after the waiting time."""
    require_actor(g.me, "follow_mail")
    outbox.retry_now(g.room.id)
    return mail_status()


@bp.post("/record-links/revoke")
def revoke_record_links():
    """The stagedocent ends the links to the verslag in everyone's mail; the verslag stays in the room."""
    record_links.revoke(g.room, g.me)
    return mail_status()


@bp.post("/follow-up")
def follow_up():
    """Start the vervolggesprek: a new room that looks back on these afspraken."""
    new_room, new_me = closing.start_follow_up(g.room, g.me)
    remember(new_room, new_me)
    return navigate(url_for(".show", code=new_room.code))
