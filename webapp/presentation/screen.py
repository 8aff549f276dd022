"""RoomScreen: everything the room's regions and state.json show, read once per render from the database
and shared by every deelnemer's screen rendered for the same change."""
from functools import cached_property

from webapp.domain import agreements, closing, meeting, verslag
from webapp.domain.content import Card, Content, Phase, get_content
from webapp.extensions import db
from webapp.models import Agreement, Participant, Record, Room, RoomCard


class Readiness:
    def __init__(self, participant: Participant, done: int, total: int):
        self.participant, self.done, self.total = participant, done, total

    @property
    def ready(self) -> bool:
        return self.total > 0 and self.done >= self.total


class RoomScreen:
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
        return meeting.discussed(self.room, self.room_cards)

    @cached_property
    def discussed_ids(self) -> set[str]:
        return {card.id for card, _ in self.discussed}

    @cached_property
    def prepared(self) -> list[Card]:
        return [card for card in self.content.cards
                if (rc := self.room_cards.get(card.id)) and rc.prepared]

    @cached_property
    def prepared_ids(self) -> set[str]:
        return {card.id for card in self.prepared}

    def choosable(self, deck_id: str) -> list[Card]:
        """Cards the student may pick from a deck: not yet discussed, their prepared cards first."""
        deck = self.content.deck(deck_id)
        open_cards = [c for c in deck.cards if c.id not in self.discussed_ids and c.id != self.room.current_card_id]
        prepared = self.prepared_ids
        return sorted(open_cards, key=lambda card: card.id not in prepared)

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

    @property
    def is_follow_up(self) -> bool:
        return self.room.previous_room_id is not None

    @cached_property
    def previous_record(self) -> dict | None:
        """The verslag of the conversation before this one (a vervolggesprek looks back on it)."""
        if self.room.previous_room_id is None:
            return None
        previous = db.session.get(Room, self.room.previous_room_id)
        record = closing.record_of(previous) if previous else None
        return record.data if record else None

    @cached_property
    def record(self) -> Record | None:
        return closing.record_of(self.room)

    @cached_property
    def follow_up(self) -> Room | None:
        return closing.follow_up_of(self.room)

    @cached_property
    def draft(self) -> dict:
        return verslag.snapshot(self.room)

    @property
    def not_agreed(self) -> list[str]:
        return closing.not_agreed(self.draft)

    def has_agreed(self, participant: Participant) -> bool:
        """Akkoord with the verslag as it reads now (an Akkoord to an older text no longer counts)."""
        return participant.agreed_at is not None and verslag.has_agreed(participant, self.draft["version"])

    @property
    def removed(self) -> list[Participant]:
        return [p for p in self.room.participants if p.removed_at is not None]

    @cached_property
    def ticks(self) -> dict[int, set[str]]:
        """Every deelnemer's ticked checklist items, in one query for all their screens."""
        return meeting.ticks_in(self.room)

    def checklist_of(self, participant: Participant) -> list[tuple[str, str, bool]]:
        done = self.ticks.get(participant.id, set())
        checklist = meeting.preparing_checklist(participant.role, self.is_follow_up)
        return [(key, text, key in done) for key, text in checklist]

    @cached_property
    def readiness(self) -> list[Readiness]:
        return [Readiness(p, len(self.ticks.get(p.id, ())), len(meeting.preparing_checklist(p.role, self.is_follow_up)))
                for p in self.room.active_participants]
