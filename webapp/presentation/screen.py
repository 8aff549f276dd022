"""RoomScreen: everything the room's regions and state.json show, read once per render from the database
and shared by every deelnemer's screen rendered for the same change. Each part is read when a region first
asks for it, so a change that re-renders a few regions reads only what those show."""
from datetime import date, datetime, time, timedelta
from functools import cached_property

from sqlalchemy import bindparam, func, or_, select

from webapp.clock import utcnow
from webapp.domain import agreements, closing, meeting, presence, review, verslag
from webapp.domain.content import STAGE_MOMENTS, Card, Content, Deck, Phase, get_content
from webapp.domain.roles import LABELS, ROLES, may, may_take
from webapp.extensions import db
from webapp.models import Agreement, Participant, Record, Room, RoomCard
from webapp.models.room import Admission, RoomStatus

# Read on every change that shows the afspraken: built once (webapp/domain/rooms.py says why).
_AGREEMENTS = (select(Agreement)
               .where(Agreement.room_id == bindparam("room_id"),
                      or_(Agreement.deleted_at.is_(None), Agreement.deleted_at >= bindparam("since")))
               .order_by(Agreement.id))


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
        self._once: dict[str, str] = {}

    def once(self, name: str, render):
        """A part of a region that no role changes (a macro of its template that reads no `viewer`): rendered for
        the first deelnemer whose screen shows it and shared by the others, as every region is at one version.
        The sync walk holds each phone against a fresh load, which renders it anew for that role alone."""
        if name not in self._once:
            self._once[name] = render()
        return self._once[name]

    @cached_property
    def phases(self) -> tuple[Phase, ...]:
        """This conversation's steps (a quick one has no preparing step): what the counter and the list show."""
        return meeting.phases_of(self.room)

    @cached_property
    def phase(self) -> Phase:
        return meeting.live_phase(self.room)

    @cached_property
    def phase_index(self) -> int:
        return self.phases.index(self.phase)

    @property
    def previous_phase(self) -> Phase | None:
        return self.phases[self.phase_index - 1] if self.phase_index > 0 else None

    @property
    def next_phase(self) -> Phase | None:
        return self.phases[self.phase_index + 1] if self.phase_index + 1 < len(self.phases) else None

    @property
    def quick(self) -> bool:
        """Started at the table, not planned and not a vervolggesprek: nobody was asked to prepare."""
        return not meeting.asked_to_prepare(self.room)

    @property
    def lobby(self) -> bool:
        """Whether the room waits for the three to come in (the quick path): the Gesprek tab is a lobby then."""
        return self.room.status == RoomStatus.OPEN and self.room.admission == Admission.FILLING

    @property
    def missing_roles(self) -> list[str]:
        """The roles nobody has taken yet, in the usual order."""
        taken = {p.role for p in self.room.active_participants}
        return [role for role in ROLES if role not in taken]

    @cached_property
    def invite_url(self) -> str:
        from webapp.presentation import invite  # here: invite needs webapp.origin, which imports the regions
        return invite.room_url(self.room.code)

    @cached_property
    def invite_qr(self):
        from webapp.presentation import invite
        return invite.qr_svg(self.invite_url)

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
    def _marked(self) -> list[Card]:
        """Every card someone marked 'wil ik bespreken' (a retired one only once it was discussed here)."""
        return [card for card in self.content.cards if (rc := self.room_cards.get(card.id)) and rc.prepared
                and (not card.retired or rc.discussed_at)]

    @cached_property
    def prepared(self) -> list[Card]:
        """The cards someone wants to discuss at the table: never a private one (see prepared_private)."""
        return [card for card in self._marked if not card.private]

    @cached_property
    def prepared_ids(self) -> set[str]:
        return {card.id for card in self._marked}

    @property
    def prepared_by_role(self) -> list[tuple[str, list[Card]]]:
        """(role, the cards they want to discuss at the table), for each role that chose any."""
        return [(role, cards) for role in ROLES if (cards := [c for c in self.prepared if c.for_role == role])]

    def prepared_private(self, role: str) -> list[Card]:
        """The private cards the student wants to discuss with the stagedocent alone; for nobody else."""
        return [card for card in self._marked if card.private] if meeting.sees_private(role) else []

    private_how = meeting.PRIVATE_HOW

    @property
    def stage_moment(self) -> str:
        """'eind van de stage': the moment of the stage this conversation is at."""
        return STAGE_MOMENTS.get(self.room.stage_moment, "")

    def _first(self, cards: list[Card]) -> list[Card]:
        """Prepared cards first, then those that fit the stage moment, then the rest."""
        prepared, moment = self.prepared_ids, self.room.stage_moment
        return sorted(cards, key=lambda card: (card.id not in prepared, not card.fits(moment)))

    def moment_orders(self, cards: list[Card]) -> bool:
        """Whether the stage moment puts some of these cards first: some fit it and some do not."""
        return {card.fits(self.room.stage_moment) for card in cards} == {True, False}

    def _still_open(self, card: Card) -> bool:
        return card.id not in self.discussed_ids and card.id != self.room.current_card_id

    def choosable(self, deck_id: str, role: str) -> list[Card]:
        """Cards this role may pick from a deck now (roles.may_take; never private or retired), not yet
        discussed: their prepared cards first, then those that fit the stage moment."""
        deck = self.content.deck(deck_id)
        return self._first([card for card in meeting.cards_for(role, deck) if self._still_open(card)])

    def suggestible(self, deck_id: str) -> list[Card]:
        """Cards the stagedocent may suggest from a deck: any card someone at the table may take, not yet
        discussed; prepared cards first, then those that fit the stage moment."""
        deck = self.content.deck(deck_id)
        cards = [card for card in deck.cards if meeting.for_the_table(card) and may(card.for_role, "draw_card")]
        return self._first([card for card in cards if self._still_open(card)])

    @property
    def draw_decks(self):
        """The decks to draw from, the live phase's deck first."""
        return sorted(self.content.decks, key=lambda deck: deck.id != self.phase.deck)

    def decks_of(self, role: str) -> list[Deck]:
        """The decks with cards for this role (every deck for the stagedocent, who suggests), live phase's first."""
        if may(role, "suggest_card"):
            return self.draw_decks
        return [deck for deck in self.draw_decks if meeting.cards_for(role, deck)]

    def draw_decks_for(self, role: str) -> list[Deck]:
        """The decks this role draws from now: in a cards step its deck, when it has cards for this role (the
        student, the praktijkopleider); in any other step none (a step is for what it is for)."""
        return self._draw_decks.get(role, [])

    @cached_property
    def _draw_decks(self) -> dict[str, list[Deck]]:
        """draw_decks_for, worked out once for every role: #kaartje asks for each role, `drawers` for all three."""
        if self.phase.purpose != "cards":
            return {}
        return {role: [deck for deck in self.decks_of(role) if deck.id == self.phase.deck]
                for role in ROLES if may(role, "draw_card")}

    @cached_property
    def drawers(self) -> str:
        """Who draws or chooses a card now: 'de student of de praktijkopleider'."""
        return " of ".join(f"de {LABELS[role].lower()}" for role in ROLES if self.draw_decks_for(role))

    @property
    def suggestion(self) -> Card | None:
        """The card the stagedocent suggests, waiting for the one it is for."""
        return self.content.card(self.room.suggested_card_id or "")

    def preparable(self, role: str) -> list[tuple[Deck, list[Card]]]:
        """Per deck, the cards this role may mark 'wil ik bespreken' for the table."""
        return [(deck, cards) for deck in self.content.decks
                if (cards := meeting.cards_for(role, deck, "prepare_card"))]

    def preparable_private(self, role: str) -> list[Card]:
        """The private cards this role may mark, to discuss with the stagedocent alone."""
        return [card for card in self.content.cards
                if card.private and not card.retired and may_take(role, card, "prepare_card")]

    @cached_property
    def _agreements(self) -> tuple[list[Agreement], list[Agreement]]:
        """(the live afspraken, by id; those deleted within the undo time, oldest first), in one query: what
        agreements.live_agreements and agreements.recently_deleted each read."""
        since = utcnow() - timedelta(seconds=agreements.UNDO_SECONDS)
        found = db.session.scalars(_AGREEMENTS, {"room_id": self.room.id, "since": since}).all()
        live = [a for a in found if a.deleted_at is None]
        return live, sorted((a for a in found if a.deleted_at is not None), key=lambda a: a.deleted_at)

    @property
    def agreements(self) -> list[Agreement]:
        return self._agreements[0]

    @property
    def recently_deleted(self) -> list[Agreement]:
        return self._agreements[1]

    def valid_until(self, region: str) -> datetime | None:
        """When what a region shows changes by time alone, as rendered now (regions.READS names them with
        "clock"): the afspraken when the oldest 'Zet terug' goes; the draft verslag, which carries today's
        date, at midnight."""
        if region == "afspraken" and self.recently_deleted:
            return self.recently_deleted[0].deleted_at + timedelta(seconds=agreements.UNDO_SECONDS)
        if region == "verslag" and self.room.status == RoomStatus.CLOSING:
            return datetime.combine(date.fromisoformat(self.draft["date"]) + timedelta(days=1), time())
        return None

    @cached_property
    def series_size(self) -> int:
        """How many conversations the stage this one is part of has (this one included)."""
        return db.session.scalar(select(func.count()).select_from(Room).where(Room.series_id == self.room.series_id))

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

    review_outcomes = review.OUTCOMES  # outcome -> its label, in the order of the buttons

    @cached_property
    def review_items(self) -> list[review.Item]:
        """What a vervolggesprek looks back on (the previous afspraken and "na" tasks), each with its outcome."""
        return review.items(self.room, self.previous_record)

    @cached_property
    def record(self) -> Record | None:
        return closing.record_of(self.room)

    @cached_property
    def follow_up(self) -> Room | None:
        return closing.follow_up_of(self.room)

    @cached_property
    def draft(self) -> dict:
        return verslag.snapshot(self.room)

    @cached_property
    def draft_changes(self) -> verslag.DraftChanges | None:
        """What the draft marks: each line changed since the agreed text, once a change took Akkoorden back."""
        return verslag.changes_since_agreed(self.draft, self.room.agreed_text)

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
    def online_ids(self) -> set[int]:
        return presence.online_in(self.room)

    def is_online(self, participant: Participant) -> bool:
        return participant.id in self.online_ids

    @property
    def online_count(self) -> int:
        return sum(1 for p in self.room.active_participants if p.id in self.online_ids)

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
