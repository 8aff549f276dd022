"""Everything the room's regions and state.json show, computed once per render from the database."""
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select

from webapp import agreements, meeting, verslag
from webapp.content import Card, Content, Phase, get_content
from webapp.extensions import db
from webapp.models import Agreement, Participant, Record, Room, RoomCard
from webapp.models.room import utcnow


@dataclass(frozen=True)
class Readiness:
    participant: Participant
    done: int
    total: int

    @property
    def ready(self) -> bool:
        return self.total > 0 and self.done >= self.total


class RoomView:
    def __init__(self, room: Room):
        self.room = room
        self.content: Content = get_content()

    @cached_property
    def phase(self) -> Phase:
        return meeting.live_phase(self.room)

    @cached_property
    def phase_index(self) -> int:
        return self.content.phases.index(self.phase)

    @property
    def previous_phase(self) -> Phase | None:
        return self.content.phases[self.phase_index - 1] if self.phase_index > 0 else None

    @property
    def next_phase(self) -> Phase | None:
        phases = self.content.phases
        return phases[self.phase_index + 1] if self.phase_index + 1 < len(phases) else None

    @property
    def phase_elapsed_seconds(self) -> int:
        return max(0, int((utcnow() - self.room.phase_started_at).total_seconds()))

    @cached_property
    def room_cards(self) -> dict[str, RoomCard]:
        return meeting.room_cards(self.room)

    @property
    def current_card(self) -> Card | None:
        return self.content.card(self.room.current_card_id or "")

    def note_for(self, card_id: str) -> RoomCard | None:
        return self.room_cards.get(card_id)

    @cached_property
    def discussed(self) -> list[tuple[Card, RoomCard]]:
        done = sorted((rc for rc in self.room_cards.values() if rc.discussed_at), key=lambda rc: rc.discussed_at)
        return [(self.content.card(rc.card_id), rc) for rc in done if self.content.card(rc.card_id)]

    @cached_property
    def discussed_ids(self) -> set[str]:
        return {card.id for card, _ in self.discussed}

    @cached_property
    def prepared(self) -> list[Card]:
        return [card for card in self.content.cards
                if (rc := self.room_cards.get(card.id)) and rc.prepared]

    @property
    def prepared_ids(self) -> set[str]:
        return {card.id for card in self.prepared}

    def choosable(self, deck_id: str) -> list[Card]:
        """Cards the student may pick from a deck: not yet discussed, their prepared cards first."""
        deck = self.content.deck(deck_id)
        open_cards = [c for c in deck.cards if c.id not in self.discussed_ids and c.id != self.room.current_card_id]
        return sorted(open_cards, key=lambda card: card.id not in self.prepared_ids)

    @property
    def draw_decks(self):
        """The decks to draw from, the live phase's deck first."""
        return sorted(self.content.decks, key=lambda deck: deck.id != self.phase.deck)

    @cached_property
    def agreements(self) -> list[Agreement]:
        return agreements.live_agreements(self.room)

    @cached_property
    def recently_deleted(self) -> list[Agreement]:
        return agreements.recently_deleted(self.room)

    @cached_property
    def previous_record(self) -> dict | None:
        """The verslag of the conversation before this one (a vervolggesprek looks back on it)."""
        if self.room.previous_room_id is None:
            return None
        record = db.session.scalar(select(Record).where(Record.room_id == self.room.previous_room_id))
        return record.data if record else None

    @cached_property
    def record(self) -> Record | None:
        return db.session.scalar(select(Record).where(Record.room_id == self.room.id))

    @cached_property
    def follow_up(self) -> Room | None:
        return db.session.scalar(select(Room).where(Room.previous_room_id == self.room.id).order_by(Room.id))

    @cached_property
    def draft(self) -> dict:
        return verslag.snapshot(self)

    @property
    def not_agreed(self) -> list[Participant]:
        return [p for p in self.room.active_participants if p.agreed_at is None]

    @cached_property
    def readiness(self) -> list[Readiness]:
        return [Readiness(p, len(meeting.ticked(p)), len(meeting.preparing_checklist(p.role)))
                for p in self.room.active_participants]
