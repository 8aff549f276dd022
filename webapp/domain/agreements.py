"""Afspraken: what, who and when, made together. Everyone may add, edit and delete; an edit based on an
old revision is refused with both texts, and a delete can be undone for a short while.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from webapp.clock import utcnow
from webapp.domain import text
from webapp.domain.dates import dutch_date
from webapp.domain.meeting import parse_rev
from webapp.domain.refusals import RoomError, StaleEdit
from webapp.domain.roles import LABELS, ROLES
from webapp.domain.rooms import change
from webapp.extensions import db
from webapp.models import Agreement, Participant, Room
from webapp.models.meeting import WHAT_MAX

UNDO_SECONDS = 60
MAX_AGREEMENTS = 100  # a conversation has a handful; the cap keeps a room, its page and its mail small
NEXT_CONVERSATION = {
    "voor-volgend-gesprek": "Voor het volgende gesprek",
    "bij-volgend-gesprek": "Bij het volgende gesprek",
}


@dataclass(frozen=True)
class AgreementInput:
    what: str
    who: str
    when: str

    def as_dict(self) -> dict:
        return {"what": self.what, "who": self.who, "when": self.when}


def clean(what: str | None, who: list[str], when: str | None) -> AgreementInput:
    """Check a typed afspraak; every problem gets a message that says what to do."""
    what = text.line(what, WHAT_MAX, f"De afspraak is te lang. Gebruik hoogstens {WHAT_MAX} tekens.")
    if not text.has_letters_or_digits(what):
        raise RoomError("Schrijf op wat jullie afspreken.", 400)
    roles = [role for role in ROLES if role in set(who)]
    if not roles or len(roles) != len(set(who)):
        raise RoomError("Kies wie het doet: de student, de stagedocent of de praktijkopleider.", 400)
    return AgreementInput(what, ",".join(roles), _clean_when(when))


def _clean_when(when: str | None) -> str:
    value = (when or "").strip()
    if value in NEXT_CONVERSATION:
        return value
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise RoomError("Kies wanneer: een datum, of voor of bij het volgende gesprek.", 400) from None
    if not date.today() - timedelta(days=365) <= day <= date.today() + timedelta(days=3 * 365):
        raise RoomError("Deze datum ligt te ver weg. Kies een andere datum.", 400)
    return day.isoformat()


def when_label(when: str) -> str:
    if when in NEXT_CONVERSATION:
        return NEXT_CONVERSATION[when]
    return dutch_date(date.fromisoformat(when))


def who_by_name(who: str, room: Room) -> str:
    """Who does an afspraak, by the first names of who holds each role in the room ("Sanne, Kees"); a role
    nobody in the room holds, by its label."""
    names = [[p.name for p in room.active_participants if p.role == role] or [LABELS[role]]
             for role in who.split(",") if role in LABELS]
    return ", ".join(name for group in names for name in group)


def live_agreements(room: Room) -> list[Agreement]:
    return list(db.session.scalars(select(Agreement).where(
        Agreement.room_id == room.id, Agreement.deleted_at.is_(None)).order_by(Agreement.id)))


def recently_deleted(room: Room) -> list[Agreement]:
    since = utcnow() - timedelta(seconds=UNDO_SECONDS)
    return list(db.session.scalars(select(Agreement).where(
        Agreement.room_id == room.id, Agreement.deleted_at >= since).order_by(Agreement.deleted_at)))


def add(room: Room, actor: Participant, data: AgreementInput) -> Agreement:
    with change(room, actor, "edit_agreements"):
        if len(live_agreements(room)) >= MAX_AGREEMENTS:
            raise RoomError(f"Er staan al {MAX_AGREEMENTS} afspraken. Haal er eerst een weg.", 409)
        agreement = Agreement(room_id=room.id, rev=1, edited_by=actor.name, **data.as_dict())
        db.session.add(agreement)
        room.activity = f"{actor.name} schreef een afspraak op."
    return agreement


def edit(room: Room, actor: Participant, agreement_id: int, rev: str | None, data: AgreementInput) -> Agreement:
    base_rev = parse_rev(rev)
    with change(room, actor, "edit_agreements"):
        agreement = _find(room, agreement_id, data)
        if agreement.rev != base_rev:
            raise StaleEdit(f"{_changed_by(agreement)} heeft deze afspraak net veranderd. Kijk naar beide versies.",
                            theirs=_as_dict(agreement), mine=data.as_dict(), rev=agreement.rev)
        agreement.what, agreement.who, agreement.when = data.what, data.who, data.when
        agreement.edited_by = actor.name
        agreement.rev += 1
        room.activity = f"{actor.name} veranderde een afspraak."
    return agreement


def delete(room: Room, actor: Participant, agreement_id: int, rev: str | None) -> Agreement:
    """Soft delete; with a `rev`, a delete of a version someone just changed is refused like an edit."""
    with change(room, actor, "edit_agreements"):
        agreement = _find(room, agreement_id)
        if rev not in (None, "") and parse_rev(rev) != agreement.rev:
            raise StaleEdit(f"{_changed_by(agreement)} heeft deze afspraak net veranderd. Wil je hem nog steeds "
                            "weghalen?",
                            theirs=_as_dict(agreement), mine=_as_dict(agreement), rev=agreement.rev)
        agreement.deleted_at = utcnow()
        agreement.deleted_by = actor.name
        agreement.rev += 1
        room.activity = f"{actor.name} haalde een afspraak weg."
    return agreement


def restore(room: Room, actor: Participant, agreement_id: int) -> Agreement:
    with change(room, actor, "edit_agreements"):
        agreement = db.session.get(Agreement, agreement_id)
        if agreement is None or agreement.room_id != room.id or agreement.deleted_at is None:
            raise RoomError("Deze afspraak is niet weggehaald.", 409)
        if agreement.deleted_at < utcnow() - timedelta(seconds=UNDO_SECONDS):
            raise RoomError("Terugzetten kan niet meer. Schrijf de afspraak opnieuw op.", 409)
        agreement.deleted_at = None
        agreement.deleted_by = None
        agreement.edited_by = actor.name
        agreement.rev += 1
        room.activity = f"{actor.name} zette een afspraak terug."
    return agreement


def get_live(room: Room, agreement_id: int) -> Agreement:
    return _find(room, agreement_id)


def _find(room: Room, agreement_id: int, mine: AgreementInput | None = None) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or agreement.room_id != room.id:
        raise RoomError("Deze afspraak bestaat niet.", 404)
    if agreement.deleted_at is not None:
        if mine is not None:  # an edit of a deleted afspraak: keep the typed text in front of the person
            raise StaleEdit(f"{agreement.deleted_by} heeft deze afspraak net weggehaald. Je tekst staat hieronder.",
                            theirs={"what": "", "who": "", "when": ""}, mine=mine.as_dict(), rev=agreement.rev)
        raise RoomError("Deze afspraak is al weggehaald.", 409)
    return agreement


def _changed_by(agreement: Agreement) -> str:
    """Who wrote or last changed the afspraak; an afspraak from before that was kept says "Iemand anders"."""
    return agreement.edited_by or "Iemand anders"


def _as_dict(agreement: Agreement) -> dict:
    return {"what": agreement.what, "who": agreement.who, "when": agreement.when}
