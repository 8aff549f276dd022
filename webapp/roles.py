"""The three roles at the table and what each may do: the one place the server checks permissions."""
from dataclasses import dataclass

STUDENT = "student"
STAGEDOCENT = "stagedocent"
PRAKTIJKOPLEIDER = "praktijkopleider"

ROLES = (STUDENT, STAGEDOCENT, PRAKTIJKOPLEIDER)

LABELS = {
    STUDENT: "Student",
    STAGEDOCENT: "Stagedocent",
    PRAKTIJKOPLEIDER: "Praktijkopleider",
}

# action -> the roles that may do it
PERMISSIONS = {
    "lock_room": {STAGEDOCENT},
    "remove_participant": {STAGEDOCENT},
}


@dataclass(frozen=True)
class Forbidden(Exception):
    """Raised by the domain when a role may not do an action; views turn it into a 403."""

    message: str


def may(role: str, action: str) -> bool:
    return role in PERMISSIONS[action]


def require(role: str, action: str, message: str) -> None:
    if not may(role, action):
        raise Forbidden(message)
