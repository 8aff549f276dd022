"""HTTP views of the afspraken: add, edit (with `rev`), delete and undo."""
from flask import Blueprint, render_template, request

from webapp import agreements
from webapp.responses import changed, closed_editor, fragment, participant_in
from webapp.rooms import StaleEdit

bp = Blueprint("agreements", __name__, url_prefix="/r/<code>/agreements")

REGIONS = ["afspraken"]


def _typed() -> agreements.AgreementInput:
    when = request.form.get("when")
    if when == "datum":  # the form's "op een datum" choice, with the date in its own field
        when = request.form.get("when_date")
    return agreements.clean(request.form.get("what"), request.form.getlist("who"), when)


@bp.post("")
def add(code):
    """Write down a new afspraak."""
    room, me = participant_in(code)
    agreements.add(room, me, _typed())
    return changed(room, me, REGIONS, reset={"nieuwe-afspraak": _new_form(room)},
                   message="De afspraak staat erbij.")


@bp.get("/<int:agreement_id>/edit")
def edit_form(code, agreement_id):
    """The edit form for one afspraak, for this phone's edit panel."""
    room, _me = participant_in(code)
    agreement = agreements.get_live(room, agreement_id)
    return fragment(render_template("partials/afspraak_bewerken.html", room=room, agreement_id=agreement.id,
                                    values={"what": agreement.what, "who": agreement.who, "when": agreement.when},
                                    rev=agreement.rev))


@bp.post("/<int:agreement_id>")
def edit(code, agreement_id):
    """Save an edit; one based on an old `rev` is refused (409) with both versions side by side."""
    room, me = participant_in(code)
    try:
        agreements.edit(room, me, agreement_id, request.form.get("rev"), _typed())
    except StaleEdit as stale:
        html = render_template("partials/afspraak_bewerken.html", room=room, agreement_id=agreement_id,
                               values=stale.mine, rev=stale.rev, conflict=stale)
        return fragment(html, 409)
    return changed(room, me, REGIONS, reset={"bewerken": closed_editor()},
                   message="De afspraak is aangepast.")


@bp.post("/<int:agreement_id>/delete")
def delete(code, agreement_id):
    """Take an afspraak away; it can be put back for a short while."""
    room, me = participant_in(code)
    try:
        agreements.delete(room, me, agreement_id, request.form.get("rev"))
    except StaleEdit as stale:
        html = render_template("partials/afspraak_bewerken.html", room=room, agreement_id=agreement_id,
                               values=stale.theirs, rev=stale.rev, conflict=stale)
        return fragment(html, 409)
    return changed(room, me, REGIONS, message="De afspraak is weggehaald. Je kunt hem nog even terugzetten.")


@bp.post("/<int:agreement_id>/restore")
def restore(code, agreement_id):
    """Undo a recent delete."""
    room, me = participant_in(code)
    agreements.restore(room, me, agreement_id)
    return changed(room, me, REGIONS, message="De afspraak staat er weer.")


def _new_form(room) -> str:
    return render_template("partials/nieuwe_afspraak.html", room=room)
