"""The mail outbox: one row per email to one recipient, kept until the mail server accepted it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.clock import utcnow
from webapp.extensions import db


class OutboxMessage(db.Model):
    """An email waiting for delivery or already delivered (sent_at set).

    The row is written in the same transaction as whatever caused the mail, so the mail exists
    exactly when its cause does. `claimed_until` is a lease: a sender owns the row while it
    sends, so several sender processes never send one message at the same time.
    """

    __tablename__ = "outbox_message"
    # The sender's query: unsent rows ordered by when they are due.
    __table_args__ = (Index("ix_outbox_message_due", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Deleting a conversation deletes its mail, sent or not: the addresses are personal data.
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    # Stable RFC 5322 Message-ID: a re-send after a crash carries the same one, so mail
    # clients can recognise the duplicate.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Whose mail this is, so the docent sees names, never addresses; kept after the content is gone.
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"),
                                                       default=None)
    # Exactly one address: nobody's address may appear in another participant's mail. Once the server
    # accepted the message, address and content are wiped (see outbox.deliver_due): no longer needed.
    recipient: Mapped[str] = mapped_column(String(254))
    # What the mail is (webapp/domain/outbox.py, KINDS): the sender delivers a verslag or a sign-in link before
    # any invitation, so a flood of invitations cannot delay them.
    kind: Mapped[str] = mapped_column(String(16), default="verslag", server_default="verslag")
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text, default=None)
    # JSON list of {"filename", "content", "mimetype"}; text content only (e.g. an .ics).
    attachments: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
