"""What the domain raises when it refuses a request; webapp/errors.py turns each into a Dutch 4xx."""
from dataclasses import dataclass


@dataclass
class RoomError(Exception):
    """A request the room cannot honour; carries the Dutch message and the HTTP status."""

    message: str
    status: int = 400


@dataclass
class Forbidden(Exception):
    """A role that may not do an action (403)."""

    message: str


@dataclass
class StaleEdit(Exception):
    """An edit based on an old revision: refused (409), with both texts so the person can merge."""

    message: str
    theirs: dict
    mine: dict
    rev: int
