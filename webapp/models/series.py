"""A stage is a series of conversations (start, midden, eind, and more) of one student with their stagedocent
and praktijkopleider; and what the series keeps so its people can find it again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from webapp.clock import utcnow
from webapp.extensions import db


class Series(db.Model):
    """Its conversations are kept until RETENTION_DAYS after the series' last activity, and at least until
    RETENTION_DAYS after the latest conversation planned in it (`keep_until`)."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    touched_at: Mapped[datetime] = mapped_column(default=utcnow)
    keep_until: Mapped[datetime | None] = mapped_column(default=None)
    # Where the student does the stage (given when planning), so a stagedocent with thirty students and a
    # workplace with several interns can tell the stages apart.
    workplace: Mapped[str | None] = mapped_column(String(80), default=None)


class SeriesMember(db.Model):
    """Someone who may see a series in "Mijn gesprekken": only a keyed hash of their address is kept (to match
    the address they type when they ask for a sign-in link), with their role and first name."""

    __tablename__ = "series_member"
    __table_args__ = (UniqueConstraint("series_id", "role", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    email_key: Mapped[str] = mapped_column(String(64), index=True)


class SignIn(db.Model):
    """A one-time, short-lived sign-in link asked for by mail: only its hash is kept."""

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class Review(db.Model):
    """A vervolggesprek looks back: each afspraak and "na" task of the conversation before, marked together as
    gedaan, loopt or niet gelukt. `position` is its place in the previous verslag."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("room_id", "kind", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "afspraak" or "taak"
    position: Mapped[int] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(12))  # "gedaan", "loopt" or "niet-gelukt"
