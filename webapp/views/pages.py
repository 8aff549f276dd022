"""The gesprekstool as pages anyone can read without a room: uitgangspunten, instructie, the kaartjes and
what the app keeps about you (privacy)."""
from flask import Blueprint, current_app, render_template

from webapp.domain.content import get_content

bp = Blueprint("pages", __name__)

CARDS_PER_SHEET = 8  # 2 x 4 cards fill an A4 sheet; static/cards.css sizes the cards to match


@bp.get("/uitgangspunten")
def uitgangspunten():
    """The six uitgangspunten of a good conversation, and the stappenplan: who does what, voor, tijdens, na."""
    return render_template("pages/uitgangspunten.html", content=get_content())


@bp.get("/instructie")
def instructie():
    """How and when to use the kaartjes, and the phases of the conversation in the room."""
    return render_template("pages/instructie.html", content=get_content())


@bp.get("/kaarten")
def kaarten():
    """Both decks to browse on a phone, no room needed."""
    return render_template("pages/kaarten.html", decks=get_content().decks)


@bp.get("/kaarten/print")
def kaarten_print():
    """Both decks as A4 sheets of cut-out cards, for where phones are not welcome."""
    return render_template("pages/kaarten_print.html", decks=get_content().decks, per_sheet=CARDS_PER_SHEET)


@bp.get("/privacy")
def privacy():
    """What Stagegesprek keeps about you, why, how long, who sees it and how to have it deleted (B1 Dutch);
    docs/privacy.md says the same for a school's privacy officer."""
    return render_template("pages/privacy.html", retention_days=current_app.config["RETENTION_DAYS"])
