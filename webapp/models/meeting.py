"""What happens in the conversation: cards drawn and discussed, checklists ticked, afspraken made."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.clock import utcnow
from webapp.extensions import db

NOTE_MAX = 1000
WHAT_MAX = 500


class RoomCard(db.Model):
    """A card's story in one room: chosen beforehand by the student, discussed, with a shared note."""

    __tablename__ = "room_card"
    __table_args__ = (UniqueConstraint("room_id", "card_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    card_id: Mapped[str] = mapped_column(String(40))
    prepared: Mapped[bool] = mapped_column(default=False)
    discussed_at: Mapped[datetime | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    note_rev: Mapped[int] = mapped_column(default=0)


class ChecklistTick(db.Model):
    """One checklist item of the stappenplan that a participant has done."""

    __tablename__ = "checklist_tick"
    __table_args__ = (UniqueConstraint("participant_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(40))


class Agreement(db.Model):
    """An afspraak: what, who (roles, comma-separated) and when; `rev` rises with every edit."""

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    rev: Mapped[int] = mapped_column(default=1)
    what: Mapped[str] = mapped_column(String(WHAT_MAX))
    who: Mapped[str] = mapped_column(String(80))
    when: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The first name of who wrote or last changed it: a refused edit says who changed it meanwhile.
    edited_by: Mapped[str | None] = mapped_column(String(40), default=None)
    # Soft delete, so a delete can be undone for a short while.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_by: Mapped[str | None] = mapped_column(String(40), default=None)

    @property
    def who_roles(self) -> list[str]:
        return [role for role in self.who.split(",") if role]
