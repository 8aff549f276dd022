"""All database models, imported here so Alembic and create_all() see every table."""
from webapp.models.meeting import Agreement, ChecklistTick, RoomCard
from webapp.models.outbox import OutboxMessage
from webapp.models.record import Record
from webapp.models.room import Admission, Connection, Participant, Room, RoomStatus, Worker
from webapp.models.series import Review, Series, SeriesMember, SignIn

__all__ = ["Admission", "Agreement", "ChecklistTick", "Connection", "OutboxMessage", "Participant", "Record",
           "Review", "Room", "RoomCard", "RoomStatus", "Series", "SeriesMember", "SignIn", "Worker"]
