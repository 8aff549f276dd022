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
    "delete_room": {STAGEDOCENT},
    # The student leads the conversation and the stagedocent guards the time.
    "move_phase": {STUDENT, STAGEDOCENT},
    "draw_card": {STUDENT},
    "return_card": {STUDENT},
    "prepare_card": {STUDENT},
    "mark_discussed": {STUDENT, STAGEDOCENT},
    "write_note": set(ROLES),
    "edit_agreements": set(ROLES),
    "close_room": {STAGEDOCENT},
    "plan_next": {STAGEDOCENT},
    "send_record": {STAGEDOCENT},
    "start_follow_up": {STUDENT, STAGEDOCENT},
}

# Who a phone waits for when it may not do an action itself ("wacht op ...").
WAITS_FOR = {action: " of ".join(f"de {LABELS[r].lower()}" for r in ROLES if r in roles)
             for action, roles in PERMISSIONS.items()}


@dataclass
class Forbidden(Exception):
    """Raised by the domain when a role may not do an action; views turn it into a 403."""

    message: str


def may(role: str, action: str) -> bool:
    return role in PERMISSIONS[action]


def require(role: str, action: str, message: str) -> None:
    if not may(role, action):
        raise Forbidden(message)
