"""The afspraken: add, edit (with `rev`), delete and undo."""
from flask import g, render_template, request

from webapp.domain import agreements
from webapp.domain.refusals import StaleEdit
from webapp.presentation.templating import render_given
from webapp.views.responses import changed, closed_editor, fragment
from webapp.views.room import bp


def _typed() -> agreements.AgreementInput:
    when = request.form.get("when")
    if when == "datum":  # the form's "op een datum" choice, with the date in its own field
        when = request.form.get("when_date")
    return agreements.clean(request.form.get("what"), request.form.getlist("who"), when)


def _editor(agreement_id: int, values: dict, rev: int, conflict: StaleEdit | None = None) -> str:
    return render_template("pieces/afspraak-bewerken.html", room=g.room, agreement_id=agreement_id,
                           values=values, rev=rev, conflict=conflict)


@bp.post("/agreements")
def add_agreement():
    """Write down a new afspraak."""
    agreements.add(g.room, g.me, _typed())
    return changed(reset={"nieuwe-afspraak": render_given("pieces/nieuwe-afspraak.html", {"room": g.room})},
                   message="De afspraak staat erbij.", focus="#afspraken-title")


@bp.get("/agreements/<int(max=2147483647):agreement_id>/edit")
def edit_agreement_form(agreement_id):
    """The edit form for one afspraak, for this phone's edit panel."""
    agreement = agreements.get_live(g.room, agreement_id)
    return fragment(_editor(agreement.id, {"what": agreement.what, "who": agreement.who, "when": agreement.when},
                            agreement.rev))


@bp.post("/agreements/<int(max=2147483647):agreement_id>")
def edit_agreement(agreement_id):
    """Save an edit; one based on an old `rev` is refused (409) with both versions side by side."""
    try:
        agreements.edit(g.room, g.me, agreement_id, request.form.get("rev"), _typed())
    except StaleEdit as stale:
        return fragment(_editor(agreement_id, stale.mine, stale.rev, stale), 409)
    return changed(reset={"bewerken": closed_editor()}, message="De afspraak is aangepast.",
                   focus="#afspraken-title")


@bp.post("/agreements/<int(max=2147483647):agreement_id>/delete")
def delete_agreement(agreement_id):
    """Take an afspraak away; it can be put back for a short while."""
    try:
        agreements.delete(g.room, g.me, agreement_id, request.form.get("rev"))
    except StaleEdit as stale:
        return fragment(_editor(agreement_id, stale.theirs, stale.rev, stale), 409)
    return changed(message="De afspraak is weggehaald. Je kunt hem nog even terugzetten.", focus="#afspraken-title")


@bp.post("/agreements/<int(max=2147483647):agreement_id>/restore")
def restore_agreement(agreement_id):
    """Undo a recent delete."""
    agreements.restore(g.room, g.me, agreement_id)
    return changed(message="De afspraak staat er weer.", focus="#afspraken-title")
