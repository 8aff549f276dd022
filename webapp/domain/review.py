"""The terugblik: a vervolggesprek looks back on the conversation before it. Each afspraak and each role's "na"
task of the previous verslag is marked together as gedaan, loopt or niet gelukt; anyone at the table may set it,
the last choice counts, and the review goes into this conversation's verslag.

What is looked back on is the previous verslag as it was sent (its frozen data), so the list never changes
under people's hands. Each thing has a kind and a position:
- an afspraak: "afspraak" and its place in the previous verslag's `agreements` (from 0);
- a "na" task: "taak" and its place in the flattened list of tasks: the groups of `tasks_after` in their order
  (the order of ROLES, as the verslag kept them), each group's tasks in their order (`tasks_after_flat`).
"""
import re
from dataclasses import dataclass

from sqlalchemy import select

from webapp.domain.refusals import RoomError
from webapp.domain.rooms import change
from webapp.extensions import db
from webapp.models import Participant, Record, Review, Room
from webapp.models.room import ACTIVITY_MAX

AFSPRAAK, TAAK = "afspraak", "taak"
KINDS = (AFSPRAAK, TAAK)
# outcome -> how it reads, in the order of the buttons.
OUTCOMES = {"gedaan": "Gedaan", "loopt": "Loopt nog", "niet-gelukt": "Niet gelukt"}
NOT_YET = "Nog niet besproken"
POSITION = re.compile(r"[0-9]{1,4}")


@dataclass(frozen=True)
class Item:
    """One thing to look back on: what it was, who would do it, and what the table marked (or None)."""

    kind: str
    position: int
    text: str
    who: str
    role: str | None  # a task's role (so each phone can show its own tasks first); None for an afspraak
    when: str | None  # an afspraak's "wanneer"
    outcome: str | None

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome or "", NOT_YET)


def previous_record(room: Room) -> dict | None:
    """The sent verslag of the conversation before this one, or None (no previous one, or not sent)."""
    if room.previous_room_id is None:
        return None
    record = db.session.scalar(select(Record).where(Record.room_id == room.previous_room_id))
    return record.data if record else None


def tasks_after_flat(data: dict) -> list[tuple[dict, str]]:
    """The previous verslag's "na" tasks in the one order their positions count in: (their group, the task)."""
    return [(group, task) for group in data.get("tasks_after") or () for task in group.get("tasks") or ()]


def outcomes_of(room: Room) -> dict[tuple[str, int], str]:
    return {(r.kind, r.position): r.outcome
            for r in db.session.scalars(select(Review).where(Review.room_id == room.id))}


def items(room: Room, data: dict | None = None) -> list[Item]:
    """Everything to look back on, afspraken first, each with the outcome marked so far."""
    data = previous_record(room) if data is None else data
    if not data:
        return []
    marked = outcomes_of(room)
    found = [Item(AFSPRAAK, n, a["what"], a.get("who") or "", None, a.get("when"), marked.get((AFSPRAAK, n)))
             for n, a in enumerate(data.get("agreements") or ())]
    found += [Item(TAAK, n, task, f"{' en '.join(group['names'])} ({group['role_label'].lower()})", group["role"],
                   None, marked.get((TAAK, n)))
              for n, (group, task) in enumerate(tasks_after_flat(data))]
    return found


def text_of(room: Room) -> list[dict]:
    """The review as the verslag holds it: per item its kind, text, who and outcome (None: not marked)."""
    return [{"kind": item.kind, "text": item.text, "who": item.who, "outcome": item.outcome}
            for item in items(room)]


def mark(room: Room, actor: Participant, kind: str | None, position: str | None, outcome: str | None) -> None:
    """Mark one afspraak or task of the previous conversation; the last choice counts."""
    if kind not in KINDS:
        raise RoomError("Kies wat je wilt markeren: een afspraak of een taak van het vorige gesprek.", 400)
    if outcome not in OUTCOMES:
        raise RoomError("Kies gedaan, loopt nog of niet gelukt.", 400)
    if position is None or not POSITION.fullmatch(position):
        raise RoomError("Deze afspraak of taak staat niet in het vorige verslag.", 400)
    with change(room, actor, "review"):
        item = next((i for i in items(room) if i.kind == kind and i.position == int(position)), None)
        if item is None:
            raise RoomError("Deze afspraak of taak staat niet in het vorige verslag.", 400)
        review = db.session.scalar(select(Review).where(
            Review.room_id == room.id, Review.kind == kind, Review.position == item.position))
        if review is None:
            db.session.add(Review(room_id=room.id, kind=kind, position=item.position, outcome=outcome))
        else:
            review.outcome = outcome
        what = "de afspraak" if kind == AFSPRAAK else "de taak"
        short = item.text if len(item.text) <= 80 else item.text[:79] + "…"
        room.activity = f"{actor.name} zette {what} “{short}” op {OUTCOMES[outcome].lower()}."[:ACTIVITY_MAX]
