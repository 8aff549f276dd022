"""The meeting at the table: the phase, the cards on the table, notes and checklists."""
from flask import abort, g, render_template, request

from webapp.domain import meeting
from webapp.domain.content import get_content
from webapp.domain.refusals import RoomError, StaleEdit
from webapp.presentation.screen import RoomScreen
from webapp.presentation.templating import render_given
from webapp.views.responses import changed, closed_editor, fragment
from webapp.views.room import bp


@bp.post("/phase")
def set_phase():
    """The student or the stagedocent moves everyone to a phase of the stappenplan."""
    meeting.set_phase(g.room, g.me, request.form.get("phase"))
    # This phone's look at another step, closed: the live one is where everyone goes.
    return changed(reset={"fase-inkijk": render_given("pieces/fase-inkijk.html", {})})


@bp.get("/fasen/<phase_id>")
def preview_phase(phase_id):
    """Look at another of this conversation's steps on this phone only; 'nu' (or the live one) goes back to live."""
    screen = RoomScreen(g.room)
    phase = meeting.phase_of(g.room, phase_id)
    if phase_id != "nu" and phase is None:
        abort(404)
    if phase is not None and phase.id == screen.phase.id:
        phase = None
    return fragment(render_template("pieces/fase-inkijk.html", screen=screen, room=g.room, me=g.me, phase=phase))


@bp.get("/cards/choose/<deck_id>")
def choose(deck_id):
    """The list to pick a card from one deck, loaded on this phone when opened: the cards for this person,
    or for the stagedocent every card to suggest, with who it is for."""
    return fragment(_chooser(deck_id))


def _chooser(deck_id: str | None = None) -> str:
    screen = RoomScreen(g.room)
    deck = screen.content.deck(deck_id) if deck_id else None
    if deck_id and deck is None:
        abort(404)
    return render_given("pieces/kiezen.html", {"screen": screen, "room": g.room, "viewer": g.me, "deck": deck})


@bp.post("/cards/draw")
def draw_card():
    """The one a card is for draws at random from a deck (their own cards), or picks one (`card`)."""
    meeting.draw_card(g.room, g.me, request.form.get("deck"), request.form.get("card") or None)
    return changed(focus="#kaartje-title")


@bp.post("/cards/discussed")
def mark_discussed():
    """The card on the table has been talked about."""
    meeting.mark_discussed(g.room, g.me)
    return changed(reset={"bewerken": closed_editor()}, focus="#kaartje-title")


@bp.post("/cards/return")
def return_card():
    """The one the card is for puts an unclear card back in the deck."""
    meeting.return_card(g.room, g.me)
    return changed(reset={"bewerken": closed_editor()}, focus="#kaartje-title")


@bp.post("/cards/suggest")
def suggest_card():
    """The stagedocent suggests a card (`card`) to the one it is for; this phone's list closes."""
    meeting.suggest_card(g.room, g.me, request.form.get("card"))
    return changed(reset={"kiezen": _chooser()}, focus="#kaartje-title")


@bp.post("/cards/suggestion/take")
def take_suggestion():
    """The one a suggested card is for puts it on the table ("Neem dit kaartje")."""
    meeting.take_suggestion(g.room, g.me)
    return changed(focus="#kaartje-title")


@bp.post("/cards/suggestion/leave")
def leave_suggestion():
    """The one a suggested card is for leaves it ("Liever niet")."""
    meeting.leave_suggestion(g.room, g.me)
    return changed(focus="#kaartje-title")


@bp.get("/cards/prepare")
def prepare_list():
    """This person's list of cards to mark as 'wil ik bespreken', loaded on this phone when opened."""
    return fragment(_prepare_list())


def _prepare_list() -> str:
    return render_given("pieces/voorbereiden.html",
                        {"screen": RoomScreen(g.room), "room": g.room, "viewer": g.me, "open": True})


@bp.post("/cards/<card_id>/prepare")
def prepare_card(card_id):
    """The one a card is for marks it as 'wil ik bespreken' (prepared=1) or takes it off (prepared=0)."""
    meeting.set_prepared(g.room, g.me, card_id, request.form.get("prepared") == "1")
    return changed(also={"voorbereiden": _prepare_list()})


@bp.get("/cards/<card_id>/note")
def edit_note(card_id):
    """The form for the shared note on a card, for this phone's edit panel."""
    screen = RoomScreen(g.room)
    card = screen.content.card(card_id)
    if card is None:
        abort(404)
    if card.id != g.room.current_card_id and card.id not in screen.discussed_ids:  # as save_note: no stray cards
        raise RoomError("Dit kaartje ligt niet op tafel.", 409)
    note = screen.note_for(card_id)
    return fragment(render_template("pieces/notitie-bewerken.html", room=g.room, card=card,
                                    note=note.note if note else "", rev=note.note_rev if note else 0))


@bp.post("/cards/<card_id>/note")
def save_note(card_id):
    """Save the note ('wat we bespraken'); a stale `rev` gets both texts back to merge (409)."""
    try:
        note = meeting.save_note(g.room, g.me, card_id, request.form.get("note"), request.form.get("rev"))
    except StaleEdit as stale:
        card = get_content().card(card_id)
        html = render_template("pieces/notitie-bewerken.html", room=g.room, card=card, note=stale.mine["note"],
                               rev=stale.rev, conflict=stale)
        return fragment(html, 409)
    on_table = g.room.current_card_id == note.card_id
    return changed(reset={"bewerken": closed_editor()}, message="De notitie is opgeslagen.",
                   focus="#kaartje-title" if on_table else "#besproken-title")


@bp.post("/checklist")
def tick():
    """A participant ticks an item of their own checklist for preparing (done=1) or unticks it."""
    meeting.set_tick(g.room, g.me, request.form.get("item", ""), request.form.get("done") == "1")
    return changed()
