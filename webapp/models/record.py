"""The verslag: stored once when the stagedocent sends it, never changed after."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp.clock import utcnow
from webapp.extensions import db


class Record(db.Model):
    __tablename__ = "record"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The whole verslag as canonical JSON; the hash (SHA-256 of exactly this text) is shown at its foot.
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))

    @property
    def data(self) -> dict:
        return json.loads(self.body)
