"""The three roles at the table, and what each may do in which state of the room: the one table the server
checks every action against, and the templates read to show a button or "wacht op ...".
"""
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from webapp.domain.refusals import Forbidden, RoomError
from webapp.models.room import RoomStatus

STUDENT = "student"
STAGEDOCENT = "stagedocent"
PRAKTIJKOPLEIDER = "praktijkopleider"

ROLES = (STUDENT, STAGEDOCENT, PRAKTIJKOPLEIDER)

LABELS = {
    STUDENT: "Student",
    STAGEDOCENT: "Stagedocent",
    PRAKTIJKOPLEIDER: "Praktijkopleider",
}

PLANNED, OPEN, CLOSING, CLOSED = RoomStatus.PLANNED, RoomStatus.OPEN, RoomStatus.CLOSING, RoomStatus.CLOSED
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Rule:
    roles: AbstractSet[str]
    statuses: AbstractSet[RoomStatus]
    refusal: str  # said to a role that may not do it


# action -> who may do it, and while the room is in which status.
PERMISSIONS = {
    # Planned ahead: the one who leads changes the date or starts the conversation for everyone.
    "plan_meeting": Rule({STUDENT, STAGEDOCENT}, {PLANNED},
                         "Alleen de student of de stagedocent kan de datum van het gesprek veranderen."),
    "start_meeting": Rule({STUDENT, STAGEDOCENT}, {PLANNED},
                          "Alleen de student of de stagedocent kan het gesprek starten."),
    "lock_room": Rule({STAGEDOCENT}, {PLANNED, OPEN, CLOSING},
                      "Alleen de stagedocent kan het gesprek op slot zetten of openen."),
    "remove_participant": Rule({STAGEDOCENT}, {PLANNED, OPEN, CLOSING},
                               "Alleen de stagedocent kan iemand uit het gesprek halen."),
    "delete_room": Rule({STAGEDOCENT}, {PLANNED, OPEN, CLOSING, CLOSED},
                        "Alleen de stagedocent kan het gesprek verwijderen."),
    # The student leads the conversation and the stagedocent guards the time.
    "move_phase": Rule({STUDENT, STAGEDOCENT}, {OPEN}, "Alleen de student of de stagedocent kan naar een andere fase."),
    "draw_card": Rule({STUDENT}, {OPEN}, "Alleen de student kan een kaartje trekken."),
    "return_card": Rule({STUDENT}, {OPEN}, "Alleen de student kan een kaartje terugleggen."),
    "prepare_card": Rule({STUDENT}, {PLANNED, OPEN}, "Alleen de student kiest kaartjes om te bespreken."),
    "mark_discussed": Rule({STUDENT, STAGEDOCENT}, {OPEN},
                           "Alleen de student of de stagedocent kan een kaartje afronden."),
    "tick_checklist": Rule(EVERYONE, {PLANNED, OPEN}, "Je mag hier niets afvinken."),
    "write_note": Rule(EVERYONE, {OPEN, CLOSING}, "Je mag hier geen notitie schrijven."),
    "edit_agreements": Rule(EVERYONE, {OPEN, CLOSING}, "Je mag geen afspraken veranderen."),
    "close_room": Rule({STAGEDOCENT}, {OPEN}, "Alleen de stagedocent kan het gesprek afronden."),
    "reopen_room": Rule({STAGEDOCENT}, {CLOSING}, "Alleen de stagedocent kan het gesprek weer openen."),
    "plan_next": Rule({STAGEDOCENT}, {OPEN, CLOSING}, "Alleen de stagedocent plant het volgende gesprek."),
    "give_consent": Rule(EVERYONE, {CLOSING}, "Je kunt nu geen akkoord geven."),
    "send_record": Rule({STAGEDOCENT}, {CLOSING}, "Alleen de stagedocent kan het verslag versturen."),
    "follow_mail": Rule({STAGEDOCENT}, {CLOSED}, "Alleen de stagedocent ziet of de mail is aangekomen."),
    "start_follow_up": Rule({STUDENT, STAGEDOCENT}, {CLOSED},
                            "Alleen de student of de stagedocent start een vervolggesprek."),
}

# Who a phone waits for when it may not do an action itself ("wacht op ...").
WAITS_FOR = {action: " of ".join(f"de {LABELS[r].lower()}" for r in ROLES if r in rule.roles)
             for action, rule in PERMISSIONS.items()}


def may(role: str, action: str) -> bool:
    """Whether the role may ever do the action (whatever the room's status)."""
    return role in PERMISSIONS[action].roles


def allowed(role: str, status: str, action: str) -> bool:
    """Whether the role may do the action now: what a template asks before it shows the control."""
    rule = PERMISSIONS[action]
    return role in rule.roles and status in rule.statuses


def require(role: str, action: str) -> None:
    """The role check, before anything is read: 403 with the table's own words."""
    if not may(role, action):
        raise Forbidden(PERMISSIONS[action].refusal)


def require_status(status: str, action: str) -> None:
    """The status check, inside the change (after the row lock): closed is final (403); anything else
    means someone else just moved the room on (409)."""
    if status in PERMISSIONS[action].statuses:
        return
    if status == CLOSED:
        raise RoomError("Dit gesprek is afgerond. Er kan niets meer veranderen.", 403)
    if status == CLOSING:
        raise RoomError("Het gesprek wordt afgerond. Dit kan nu niet meer.", 409)
    if status == PLANNED:
        raise RoomError("Het gesprek is nog niet begonnen. Dit kan als het gesprek gestart is.", 409)
    if action in ("plan_meeting", "start_meeting"):
        raise RoomError("Het gesprek is al begonnen.", 409)
    if action == "start_follow_up":
        raise RoomError("Een vervolggesprek kan pas als dit gesprek is afgerond.", 409)
    raise RoomError("Het gesprek is nog niet aan het afronden. Dit kan nu niet.", 409)
