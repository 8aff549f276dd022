"""The room (gesprek), its participants (deelnemers) and their live socket connections."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.clock import utcnow
from webapp.extensions import db

ACTIVITY_MAX = 200


class RoomStatus(enum.StrEnum):
    PLANNED = "planned"  # planned ahead: everyone prepares on their own link until one tap starts it
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"


class LinkSource(enum.StrEnum):
    MAIL = "mail"  # mailed to the address the planner gave for this place
    SELF = "self"  # made by the person of this place, for another device of theirs
    OTHER = "other"  # made by someone else (the planner or the stagedocent), to share by hand


class Admission(enum.StrEnum):
    """Who may still come in: anyone until the three roles are there, then nobody, unless the
    stagedocent opens the room again."""

    FILLING = "filling"
    LOCKED = "locked"
    UNLOCKED = "unlocked"


class Room(db.Model):
    __tablename__ = "room"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default=RoomStatus.OPEN)
    # Raised by every change, in the same transaction; every broadcast carries it.
    version: Mapped[int] = mapped_column(default=1)
    admission: Mapped[str] = mapped_column(String(16), default=Admission.FILLING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # The live phase of the stappenplan (an id from the content), since when, and the card on the table.
    phase: Mapped[str | None] = mapped_column(String(40), default=None)
    phase_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_card_id: Mapped[str | None] = mapped_column(String(40), default=None)
    # A card the stagedocent suggests; the person it is for takes it or leaves it.
    suggested_card_id: Mapped[str | None] = mapped_column(String(40), default=None)
    # When the stage this conversation is in: a key of content.STAGE_MOMENTS; the draw prefers its cards.
    stage_moment: Mapped[str] = mapped_column(String(10), default="start", server_default="start")
    # A conversation planned ahead: its date and time (local, as typed), shown on every link and in the .ics.
    planned_for: Mapped[datetime | None] = mapped_column(default=None)
    # When it started (made at the table, or "Start het gesprek"): the day it took place, whatever was planned.
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    # The small activity line: who did what last ("Sanne ging naar de fase Leren").
    activity: Mapped[str] = mapped_column(String(ACTIVITY_MAX), default="")
    # The next conversation, planned while closing; it goes into the verslag and its .ics.
    next_meeting_date: Mapped[date | None] = mapped_column(default=None)
    next_meeting_time: Mapped[str | None] = mapped_column(String(5), default=None)
    # The draft verslag's text as everyone who gave an Akkoord agreed to it (verslag.canonical, closing.confirm):
    # when a change takes the Akkoorden back, the draft marks each line that changed since, with its old and its
    # new text, until all who had agreed agree again.
    agreed_text: Mapped[str | None] = mapped_column(Text, default=None)
    # A vervolggesprek points back to the conversation before it, so a series reads as one story.
    previous_room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"), default=None)
    # The stage this conversation is part of (webapp/models/series.py); deleting the series deletes it.
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)

    # What each deelnemer's phones were last sent: {participant id: {element id: digest of its HTML}}, as JSON.
    # Kept with the room, in the change's own transaction, so the next change pushes exactly what differs.
    pushed: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")

    participants: Mapped[list[Participant]] = relationship(
        back_populates="room", order_by="Participant.id", cascade="all, delete-orphan"
    )

    @property
    def active_participants(self) -> list[Participant]:
        return [p for p in self.participants if p.removed_at is None]

    @property
    def held_at(self) -> datetime:
        """The day of this conversation everywhere (overview, timeline, verslag, PDF): when it took place, else when
        it is planned, else when it was made."""
        return self.started_at or self.planned_for or self.created_at

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.expires_at


class Participant(db.Model):
    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
    # A random secret kept in this browser's signed session cookie: it binds the phone to this deelnemer.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A conversation planned ahead has a place for each person before they come: their own link (only its
    # hash is kept) binds a phone to it; `arrived_at` stays empty until they open it.
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    arrived_at: Mapped[datetime | None] = mapped_column(default=None)
    # In a vervolggesprek: the same person in the conversation before, whose phone comes in with one tap.
    previous_participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), default=None)
    # Raised to revoke this person's link to the verslag in their mail (the link names the number).
    record_link_version: Mapped[int] = mapped_column(default=0, server_default="0")
    removed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Let in by the stagedocent beyond the three ("Laat nog iemand toe"): a seat in this conversation only, with
    # no say over the stage (webapp/domain/roles.py, SERIES_ACTIONS) and no membership of it.
    extra: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The keyed hash of the address this seat proved its own (accounts.email_key): given with its Akkoord, typed by
    # the planner for themselves, or the address its mailed link went to. A series' next conversation invites
    # this place only at that address, and the seat's membership of its series ends with the seat.
    email_key: Mapped[str | None] = mapped_column(String(64), default=None)
    # Who the personal link in link_hash went to (LinkSource): taking it up keeps the place's address, Akkoord
    # and membership only when it is the person's own (mailed to their address, or made by themselves).
    link_source: Mapped[str | None] = mapped_column(String(8), default=None)
    # Closing: where this person wants the verslag (shown to nobody else), their Akkoord and remark.
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    agreed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The version of the draft verslag this Akkoord was given to (webapp.domain.verslag.version_of).
    agreed_to: Mapped[str | None] = mapped_column(String(16), default=None)
    remark: Mapped[str] = mapped_column(String(500), default="")

    room: Mapped[Room] = relationship(back_populates="participants")
    # Read where a connection comes or goes; who is online, the screens ask in one query (presence.online_in).
    connections: Mapped[list[Connection]] = relationship(back_populates="participant", cascade="all, delete-orphan")


class Connection(db.Model):
    """One open Socket.IO connection of a participant; a participant is online while they have one."""

    __tablename__ = "connection"
    __table_args__ = (UniqueConstraint("sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"), index=True)
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The server process that holds the connection: if it dies, housekeeping drops its connections.
    worker_id: Mapped[str] = mapped_column(String(80), index=True, default="", server_default="")

    participant: Mapped[Participant] = relationship(back_populates="connections")


class Worker(db.Model):
    """A server process that holds connections, with the last time it said it was alive."""

    __tablename__ = "worker"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
