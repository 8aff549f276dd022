"""The conversation itself: the phase of the stappenplan, the cards on the table, the notes on them and
the checklists for preparing. Every change goes through rooms.change(), which checks the actor's role and the
room's status against the permission table, raises the room's version and commits.
"""
import random

from sqlalchemy import bindparam, select

from webapp.clock import utcnow
from webapp.domain import text
from webapp.domain.content import Card, Deck, Phase, get_content
from webapp.domain.refusals import Forbidden, RoomError, StaleEdit
from webapp.domain.roles import LABELS, ROLES, STAGEDOCENT, STUDENT, may, may_take, require_card
from webapp.domain.rooms import change
from webapp.extensions import db
from webapp.models import ChecklistTick, Participant, Room, RoomCard
from webapp.models.meeting import NOTE_MAX
from webapp.models.room import ACTIVITY_MAX

PREPARING_MOMENT = "voor"
_random = random.SystemRandom()
# Read on every change that shows the cards: built once (rooms.py says why).
_ROOM_CARDS = select(RoomCard).where(RoomCard.room_id == bindparam("room_id"))
# Read for every screen that shows who is ready (#klaar, #tabs, #mijn-lijst) and for state.json: built once too.
_TICKS = (select(ChecklistTick.participant_id, ChecklistTick.item).join(Participant)
          .where(Participant.room_id == bindparam("room_id")))


def asked_to_prepare(room: Room) -> bool:
    """Planned ahead or a vervolggesprek: everyone was asked to prepare. A quick conversation, made at the
    table, was not."""
    return room.planned_for is not None or room.previous_room_id is not None


def phases_of(room: Room) -> tuple[Phase, ...]:
    """This conversation's steps, in order: the stappenplan's phases that fit it (a quick conversation leaves out
    those `only: voorbereid`). The step list, the counter, Verder and Terug all count these."""
    prepared = asked_to_prepare(room)
    return tuple(phase for phase in get_content().phases if phase.fits(prepared))


def phase_of(room: Room, phase_id: str | None) -> Phase | None:
    """One of this conversation's steps by its id, or None."""
    return next((phase for phase in phases_of(room) if phase.id == phase_id), None)


def live_phase(room: Room) -> Phase:
    return phase_of(room, room.phase) or phases_of(room)[0]


def set_phase(room: Room, actor: Participant, phase_id: str) -> Phase:
    phase = phase_of(room, phase_id)
    if phase is None:
        raise RoomError("Deze stap hoort niet bij dit gesprek. Kies een stap uit het stappenplan.", 400)
    with change(room, actor, "move_phase"):
        if phase.id != live_phase(room).id:
            room.phase = phase.id
            room.phase_started_at = utcnow()
        room.activity = f"{actor.name} ging naar de fase {phase.title}."
    return phase


def room_cards(room: Room) -> dict[str, RoomCard]:
    return {rc.card_id: rc for rc in db.session.scalars(_ROOM_CARDS, {"room_id": room.id})}


def _room_card(room: Room, card_id: str) -> RoomCard:
    found = db.session.scalar(select(RoomCard).where(RoomCard.room_id == room.id, RoomCard.card_id == card_id))
    if found is None:
        found = RoomCard(room_id=room.id, card_id=card_id, note="", note_rev=0, prepared=False)
        db.session.add(found)
    return found


def _card(card_id: str | None) -> Card:
    card = get_content().card(card_id or "")
    if card is None:
        raise RoomError("Dit kaartje bestaat niet.", 404)
    return card


# A private card is asked with the student and the stagedocent alone: it never comes on the shared table.
PRIVATE_HOW = ("Bespreek zo'n vraag als de student en de stagedocent alleen zijn. "
               "Bijvoorbeeld als de praktijkopleider even weggaat, of in een apart gesprek.")
RETIRED = "Dit kaartje gebruiken we niet meer. Kies een ander kaartje."
TABLE_TAKEN = "Er ligt al een kaartje op tafel. Rond dat eerst af, of leg het terug."


def for_the_table(card: Card) -> bool:
    """Whether a card may come on the shared table: not a private one, not a retired one."""
    return not card.private and not card.retired


def sees_private(role: str) -> bool:
    """Private cards are for the student and the stagedocent: the praktijkopleider never sees one."""
    return role in (STUDENT, STAGEDOCENT)


def _check_for_the_table(card: Card) -> None:
    if card.retired:
        raise RoomError(RETIRED, 409)
    if card.private:
        raise RoomError(f"Dit kaartje komt niet op tafel. {PRIVATE_HOW}", 403)


def cards_for(role: str, deck: Deck, action: str = "draw_card") -> list[Card]:
    """The cards of a deck that this role may take to the table (the rule: roles.may_take)."""
    return [card for card in deck.cards if for_the_table(card) and may_take(role, card, action)]


def draw_card(room: Room, actor: Participant, deck_id: str | None, card_id: str | None = None) -> Card:
    """Draw at random from the deck's cards for the actor (those that fit the stage moment first), or pick one
    (`card_id`): only a card for the actor, never a private or retired one, and only on a free table."""
    content = get_content()
    deck = content.deck(deck_id or "") or content.deck(live_phase(room).deck or "")
    if deck is None:
        raise RoomError("Kies de set Leren of de set Begeleiden.", 400)
    picked = _card(card_id) if card_id else None
    if picked and picked.deck != deck.id:
        raise RoomError(f"Dit kaartje zit niet in de set {deck.title}.", 400)
    with change(room, actor, "draw_card"):
        if picked:
            require_card(actor.role, picked)
            _check_for_the_table(picked)
        elif not cards_for(actor.role, deck):
            raise Forbidden(f"In de set {deck.title} zijn geen kaartjes voor jou. "
                            f"Alleen {_takers(deck)} kan uit deze set trekken.")
        if room.current_card_id:
            raise RoomError(TABLE_TAKEN, 409)
        discussed = {rc.card_id for rc in room_cards(room).values() if rc.discussed_at}
        if picked and picked.id in discussed:
            raise RoomError("Dit kaartje hebben jullie al besproken. Kies een ander kaartje.", 409)
        card = picked or _draw(room, actor.role, deck, discussed)
        room.current_card_id = card.id
        if room.suggested_card_id == card.id:
            room.suggested_card_id = None
        room.activity = f"{actor.name} {'koos' if picked else 'trok'} een kaartje: {card.question}"[:ACTIVITY_MAX]
    return card


def _draw(room: Room, role: str, deck: Deck, discussed: set[str]) -> Card:
    """At random among this role's cards not yet discussed here; those that fit the stage moment, if any."""
    open_cards = [card for card in cards_for(role, deck) if card.id not in discussed]
    if not open_cards:
        everyone = all(may_take(role, card) for card in deck.cards if for_the_table(card))
        whose = "" if everyone else f"voor de {LABELS[role].lower()} "
        raise RoomError(f"Alle kaartjes {whose}van de set {deck.title} zijn besproken.", 409)
    fitting = [card for card in open_cards if card.fits(room.stage_moment)]
    return _random.choice(fitting or open_cards)


def _takers(deck: Deck) -> str:
    roles = {card.for_role for card in deck.cards if for_the_table(card)}
    return " of ".join(f"de {LABELS[role].lower()}" for role in ROLES if role in roles and may(role, "draw_card"))


def mark_discussed(room: Room, actor: Participant) -> Card:
    """The card on the table has been talked about: the student or the stagedocent says so, or the
    praktijkopleider for their own card."""
    with change(room, actor, "mark_discussed"):
        card = _current_card(room)
        require_card(actor.role, card, "mark_discussed")
        _room_card(room, card.id).discussed_at = utcnow()
        room.current_card_id = None
        if room.suggested_card_id == card.id:
            room.suggested_card_id = None
        room.activity = f"{actor.name} zette het kaartje bij besproken."
    return card


def return_card(room: Room, actor: Participant) -> Card:
    """A card its person finds unclear goes back in the deck, not discussed."""
    with change(room, actor, "return_card"):
        card = _current_card(room)
        require_card(actor.role, card, "return_card")
        room.current_card_id = None
        room.activity = f"{actor.name} legde het kaartje terug."
    return card


def _current_card(room: Room) -> Card:
    if room.current_card_id is None:
        raise RoomError("Er ligt geen kaartje op tafel.", 409)
    return _card(room.current_card_id)


def suggest_card(room: Room, actor: Participant, card_id: str | None) -> Card:
    """The stagedocent suggests a card to the person it is for, who takes it or leaves it; a new suggestion
    replaces the one before."""
    card = _card(card_id)
    with change(room, actor, "suggest_card"):
        if not may(card.for_role, "draw_card"):
            raise RoomError("Dit kaartje kan niemand op tafel leggen. Kies een ander kaartje.", 400)
        _check_for_the_table(card)
        if card.id == room.current_card_id:
            raise RoomError("Dit kaartje ligt al op tafel.", 409)
        if (rc := room_cards(room).get(card.id)) and rc.discussed_at:
            raise RoomError("Dit kaartje hebben jullie al besproken. Kies een ander kaartje.", 409)
        room.suggested_card_id = card.id
        room.activity = (f"{actor.name} stelt de {LABELS[card.for_role].lower()} een kaartje voor: "
                         f"{card.question}")[:ACTIVITY_MAX]
    return card


def take_suggestion(room: Room, actor: Participant) -> Card:
    """The person a suggested card is for puts it on the table ("Neem dit kaartje"), when the table is free."""
    with change(room, actor, "draw_card"):
        card = _suggested_card(room)
        require_card(actor.role, card)
        _check_for_the_table(card)
        if room.current_card_id:
            raise RoomError(f"{TABLE_TAKEN} Daarna kun je dit kaartje nemen.", 409)
        room.current_card_id = card.id
        room.suggested_card_id = None
        room.activity = f"{actor.name} nam het kaartje van de stagedocent: {card.question}"[:ACTIVITY_MAX]
    return card


def leave_suggestion(room: Room, actor: Participant) -> Card:
    """The person a suggested card is for leaves it ("Liever niet")."""
    with change(room, actor, "draw_card"):
        card = _suggested_card(room)
        require_card(actor.role, card)
        room.suggested_card_id = None
        room.activity = f"{actor.name} liet het kaartje van de stagedocent liggen."
    return card


def _suggested_card(room: Room) -> Card:
    if room.suggested_card_id is None:
        raise RoomError("De stagedocent stelt nu geen kaartje voor.", 409)
    return _card(room.suggested_card_id)


def set_prepared(room: Room, actor: Participant, card_id: str, prepared: bool) -> Card:
    """The one a card is for marks it as 'wil ik bespreken' before or during the conversation (a private
    card too: the student and the stagedocent see it apart); a retired card is never chosen again."""
    card = _card(card_id)
    with change(room, actor, "prepare_card"):
        require_card(actor.role, card, "prepare_card")
        if prepared and card.retired:
            raise RoomError(RETIRED, 409)
        _room_card(room, card.id).prepared = prepared
    return card


def save_note(room: Room, actor: Participant, card_id: str, note: str | None, rev: str | None) -> RoomCard:
    """The shared note on a card on the table or discussed ('wat we bespraken')."""
    card = _card(card_id)
    note = text.lines(note, NOTE_MAX, f"De notitie is te lang. Gebruik hoogstens {NOTE_MAX} tekens.")
    base_rev = parse_rev(rev)
    with change(room, actor, "write_note"):
        room_card = _room_card(room, card.id)
        if card.id != room.current_card_id and not room_card.discussed_at:
            raise RoomError("Dit kaartje ligt niet op tafel.", 409)
        if base_rev != room_card.note_rev:
            raise StaleEdit("Iemand anders heeft de notitie net veranderd. Kijk naar beide teksten.",
                            theirs={"note": room_card.note}, mine={"note": note}, rev=room_card.note_rev)
        room_card.note = note
        room_card.note_rev += 1
        room.activity = f"{actor.name} schreef een notitie bij een kaartje."
    return room_card


def parse_rev(rev) -> int:
    try:
        return int(rev)
    except (TypeError, ValueError):
        raise RoomError("Deze versie klopt niet. Laad de pagina opnieuw.", 400) from None


def preparing_checklist(role: str, follow_up: bool = False) -> list[tuple[str, str]]:
    """A role's checklist for preparing, from the stappenplan's 'voor': (key, text) per item that fits a
    first conversation or a vervolggesprek. The key counts every item, so it stays the same either way."""
    moment = next((m for m in get_content().moments if m.id == PREPARING_MOMENT), None)
    tasks = moment.tasks_for(role) if moment else ()
    return [(f"{PREPARING_MOMENT}-{index}", task.text) for index, task in enumerate(tasks) if task.fits(follow_up)]


def discussed(room: Room, cards: dict[str, RoomCard] | None = None) -> list[tuple[Card, RoomCard]]:
    """The cards talked about here, in the order they were done, with their notes."""
    content = get_content()
    cards = cards if cards is not None else room_cards(room)
    done = sorted((rc for rc in cards.values() if rc.discussed_at), key=lambda rc: rc.discussed_at)
    return [(content.card(rc.card_id), rc) for rc in done if content.card(rc.card_id)]


def ticks_in(room: Room) -> dict[int, set[str]]:
    """Each deelnemer's ticked items of their checklist for preparing."""
    rows = db.session.execute(_TICKS, {"room_id": room.id})
    ticks: dict[int, set[str]] = {}
    for participant_id, item in rows:
        ticks.setdefault(participant_id, set()).add(item)
    return ticks


def set_tick(room: Room, actor: Participant, item: str, done: bool) -> None:
    """A participant ticks an item of their own checklist for preparing."""
    if item not in {key for key, _text in preparing_checklist(actor.role, room.previous_room_id is not None)}:
        raise RoomError("Dit punt staat niet op je lijstje.", 400)
    with change(room, actor, "tick_checklist"):
        existing = db.session.scalar(select(ChecklistTick).where(
            ChecklistTick.participant_id == actor.id, ChecklistTick.item == item))
        if done and existing is None:
            db.session.add(ChecklistTick(participant_id=actor.id, item=item))
        elif not done and existing is not None:
            db.session.delete(existing)
