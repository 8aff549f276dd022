"""HTTP views of the conversation: the phase, the cards on the table, notes and checklists."""
from flask import Blueprint, abort, render_template, request

from webapp import meeting
from webapp.responses import changed, closed_editor, fragment, participant_in
from webapp.room_view import RoomView
from webapp.rooms import StaleEdit

bp = Blueprint("conversation", __name__, url_prefix="/r/<code>")

TABLE = ["kaartje", "besproken", "gekozen"]


@bp.post("/phase")
def set_phase(code):
    """The student or the stagedocent moves everyone to a phase of the stappenplan."""
    room, me = participant_in(code)
    meeting.set_phase(room, me, request.form.get("phase"))
    return changed(room, me, ["fase", "kaartje"], reset={"fase-inkijk": render_template("partials/fase_inkijk.html")})


@bp.get("/fasen/<phase_id>")
def preview_phase(code, phase_id):
    """Look at another phase on this phone only; 'nu' (or the live phase) goes back to live."""
    room, me = participant_in(code)
    view = RoomView(room)
    phase = view.content.phase(phase_id)
    if phase_id != "nu" and phase is None:
        abort(404)
    if phase is not None and phase.id == view.phase.id:
        phase = None
    return fragment(render_template("partials/fase_inkijk.html", view=view, room=room, phase=phase))


@bp.post("/cards/draw")
def draw_card(code):
    """The student draws a card at random from a deck, or picks one (`card`)."""
    room, me = participant_in(code)
    card = meeting.draw_card(room, me, request.form.get("deck"), request.form.get("card") or None)
    return changed(room, me, TABLE + ["fase"], message=f"Nieuw kaartje: {card.question}")


@bp.post("/cards/discussed")
def mark_discussed(code):
    """The card on the table has been talked about."""
    room, me = participant_in(code)
    meeting.mark_discussed(room, me)
    return changed(room, me, TABLE + ["fase"], reset={"bewerken": closed_editor()})


@bp.post("/cards/return")
def return_card(code):
    """The student puts an unclear card back in the deck."""
    room, me = participant_in(code)
    meeting.return_card(room, me)
    return changed(room, me, TABLE + ["fase"], reset={"bewerken": closed_editor()})


@bp.post("/cards/<card_id>/prepare")
def prepare_card(code, card_id):
    """The student marks a card as 'wil ik bespreken' (prepared=1) or takes it off (prepared=0)."""
    room, me = participant_in(code)
    meeting.set_prepared(room, me, card_id, request.form.get("prepared") == "1")
    return changed(room, me, ["gekozen", "kaartje"])


@bp.get("/cards/<card_id>/note")
def edit_note(code, card_id):
    """The form for the shared note on a card, for this phone's edit panel."""
    room, me = participant_in(code)
    view = RoomView(room)
    card = view.content.card(card_id)
    if card is None:
        abort(404)
    note = view.note_for(card_id)
    return fragment(render_template("partials/notitie_bewerken.html", room=room, card=card,
                                    note=note.note if note else "", rev=note.note_rev if note else 0))


@bp.post("/cards/<card_id>/note")
def save_note(code, card_id):
    """Save the note ('wat we bespraken'); a stale `rev` gets both texts back to merge (409)."""
    room, me = participant_in(code)
    try:
        meeting.save_note(room, me, card_id, request.form.get("note"), request.form.get("rev"))
    except StaleEdit as stale:
        card = RoomView(room).content.card(card_id)
        html = render_template("partials/notitie_bewerken.html", room=room, card=card, note=stale.mine["note"],
                               rev=stale.rev, conflict=stale)
        return fragment(html, 409)
    return changed(room, me, ["kaartje", "besproken"], reset={"bewerken": closed_editor()},
                   message="De notitie is opgeslagen.")


@bp.post("/checklist")
def tick(code):
    """A participant ticks an item of their own checklist for preparing (done=1) or unticks it."""
    room, me = participant_in(code)
    meeting.set_tick(room, me, request.form.get("item", ""), request.form.get("done") == "1")
    mine = render_template("partials/mijn_lijst.html", room=room, checklist=meeting.my_checklist(me))
    return changed(room, me, ["klaar"], also={"mijn-lijst": mine})
