"""All database models, imported here so Alembic and create_all() see every table."""
from webapp.models.outbox import OutboxMessage
from webapp.models.room import Connection, Participant, Room, RoomStatus

__all__ = ["Connection", "OutboxMessage", "Participant", "Room", "RoomStatus"]
