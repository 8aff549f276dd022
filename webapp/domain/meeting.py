"""The conversation itself: the phase of the stappenplan, the cards on the table, the notes on them and
the checklists for preparing. Every change goes through rooms.change(), which checks the actor's role and the
room's status against the permission table, raises the room's version and commits.
"""
import random

from sqlalchemy import select

from webapp.domain import text
from webapp.domain.content import Card, Phase, get_content
from webapp.domain.refusals import RoomError, StaleEdit
from webapp.domain.rooms import change
from webapp.extensions import db
from webapp.models import ChecklistTick, Participant, Room, RoomCard
from webapp.models.meeting import NOTE_MAX
from webapp.models.room import ACTIVITY_MAX, utcnow

PREPARING_MOMENT = "voor"
_random = random.SystemRandom()


def live_phase(room: Room) -> Phase:
    content = get_content()
    return content.phase(room.phase) or content.phases[0]


def set_phase(room: Room, actor: Participant, phase_id: str) -> Phase:
    phase = get_content().phase(phase_id or "")
    if phase is None:
        raise RoomError("Deze fase bestaat niet. Kies een fase uit het stappenplan.", 400)
    with change(room, actor, "move_phase"):
        if phase.id != live_phase(room).id:
            room.phase = phase.id
            room.phase_started_at = utcnow()
        room.activity = f"{actor.name} ging naar de fase {phase.title}."
    return phase


def room_cards(room: Room) -> dict[str, RoomCard]:
    return {rc.card_id: rc for rc in db.session.scalars(select(RoomCard).where(RoomCard.room_id == room.id))}


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


def draw_card(room: Room, actor: Participant, deck_id: str | None, card_id: str | None = None) -> Card:
    """The student draws at random from the deck's cards not yet discussed here, or picks one."""
    content = get_content()
    deck = content.deck(deck_id or "") or content.deck(live_phase(room).deck or "")
    if deck is None:
        raise RoomError("Kies de set Leren of de set Begeleiden.", 400)
    with change(room, actor, "draw_card"):
        discussed = {rc.card_id for rc in room_cards(room).values() if rc.discussed_at}
        if card_id:
            card = _card(card_id)
            if card.deck != deck.id:
                raise RoomError(f"Dit kaartje zit niet in de set {deck.title}.", 400)
            if card.id in discussed:
                raise RoomError("Dit kaartje hebben jullie al besproken. Kies een ander kaartje.", 409)
        else:
            choices = [c for c in deck.cards if c.id not in discussed and c.id != room.current_card_id]
            if not choices:
                raise RoomError(_deck_empty_message(deck, room.current_card_id), 409)
            card = _random.choice(choices)
        room.current_card_id = card.id
        room.activity = f"{actor.name} {'koos' if card_id else 'trok'} een kaartje: {card.question}"[:ACTIVITY_MAX]
    return card


def _deck_empty_message(deck, current_card_id) -> str:
    if any(card.id == current_card_id for card in deck.cards):
        return f"Het kaartje op tafel is het laatste van de set {deck.title} dat nog niet besproken is."
    return f"Alle kaartjes van de set {deck.title} zijn besproken."


def mark_discussed(room: Room, actor: Participant) -> Card:
    with change(room, actor, "mark_discussed"):
        card = _current_card(room)
        _room_card(room, card.id).discussed_at = utcnow()
        room.current_card_id = None
        room.activity = f"{actor.name} zette het kaartje bij besproken."
    return card


def return_card(room: Room, actor: Participant) -> Card:
    """A card the student finds unclear goes back in the deck, not discussed."""
    with change(room, actor, "return_card"):
        card = _current_card(room)
        room.current_card_id = None
        room.activity = f"{actor.name} legde het kaartje terug."
    return card


def _current_card(room: Room) -> Card:
    if room.current_card_id is None:
        raise RoomError("Er ligt geen kaartje op tafel.", 409)
    return _card(room.current_card_id)


def set_prepared(room: Room, actor: Participant, card_id: str, prepared: bool) -> Card:
    """The student marks a card as 'wil ik bespreken' before or during the conversation."""
    card = _card(card_id)
    with change(room, actor, "prepare_card"):
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
    rows = db.session.execute(select(ChecklistTick.participant_id, ChecklistTick.item)
                              .join(Participant).where(Participant.room_id == room.id))
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
