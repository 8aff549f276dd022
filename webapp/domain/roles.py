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
PLANNERS = (STUDENT, STAGEDOCENT)  # who leads the conversations plans them, also a stage's next one

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
    # An action over the whole stage (every conversation of the series): only for a seat of the stage, never for
    # someone the stagedocent let in beyond the three (Participant.extra), who was in this conversation only.
    whole_stage: bool = False


# action -> who may do it, and while the room is in which status.
PERMISSIONS = {
    # Planned ahead: the one who leads changes the date or starts the conversation for everyone.
    "plan_meeting": Rule({STUDENT, STAGEDOCENT}, {PLANNED},
                         "Alleen de student of de stagedocent kan de datum van het gesprek veranderen."),
    "start_meeting": Rule({STUDENT, STAGEDOCENT}, {PLANNED},
                          "Alleen de student of de stagedocent kan het gesprek starten."),
    # Begin, midden or eind: it moves on by itself once per conversation; the stagedocent corrects it.
    "set_moment": Rule({STAGEDOCENT}, {PLANNED, OPEN},
                       "Alleen de stagedocent kan zeggen waar in de stage dit gesprek is."),
    # A new personal link for someone else's place (for one's own: everyone); which places: may_share_link.
    "share_link": Rule({STUDENT, STAGEDOCENT}, {PLANNED, OPEN, CLOSING},
                       "Alleen de student of de stagedocent kan een link voor een ander maken."),
    "lock_room": Rule({STAGEDOCENT}, {OPEN, CLOSING},
                      "Alleen de stagedocent kan het gesprek op slot zetten of openen."),
    "remove_participant": Rule({STAGEDOCENT}, {PLANNED, OPEN, CLOSING},
                               "Alleen de stagedocent kan iemand uit het gesprek halen."),
    "delete_room": Rule({STAGEDOCENT}, {PLANNED, OPEN, CLOSING, CLOSED},
                        "Alleen de stagedocent kan het gesprek verwijderen."),
    "delete_series": Rule({STAGEDOCENT}, {PLANNED, OPEN, CLOSING, CLOSED},
                          "Alleen de stagedocent kan de hele stage verwijderen.", whole_stage=True),
    # The student leads the conversation and the stagedocent guards the time.
    "move_phase": Rule({STUDENT, STAGEDOCENT}, {OPEN}, "Alleen de student of de stagedocent kan naar een andere fase."),
    # A card is for one person (set Leren: the student; set Begeleiden: the student or the praktijkopleider).
    # These rows say who may ever; may_take() adds the card's own part: only the one it is for.
    "draw_card": Rule({STUDENT, PRAKTIJKOPLEIDER}, {OPEN},
                      "Alleen de student of de praktijkopleider kan een kaartje trekken."),
    "return_card": Rule({STUDENT, PRAKTIJKOPLEIDER}, {OPEN},
                        "Alleen de student of de praktijkopleider kan een kaartje terugleggen."),
    "prepare_card": Rule({STUDENT, PRAKTIJKOPLEIDER}, {PLANNED, OPEN},
                         "Alleen de student of de praktijkopleider kiest kaartjes om te bespreken."),
    "mark_discussed": Rule(EVERYONE, {OPEN}, "Alleen de student of de stagedocent kan een kaartje afronden."),
    "suggest_card": Rule({STAGEDOCENT}, {OPEN}, "Alleen de stagedocent kan een kaartje voorstellen."),
    "tick_checklist": Rule(EVERYONE, {PLANNED, OPEN}, "Je mag hier niets afvinken."),
    "write_note": Rule(EVERYONE, {OPEN, CLOSING}, "Je mag hier geen notitie schrijven."),
    "edit_agreements": Rule(EVERYONE, {OPEN, CLOSING}, "Je mag geen afspraken veranderen."),
    "close_room": Rule({STAGEDOCENT}, {OPEN}, "Alleen de stagedocent kan het gesprek afronden."),
    "reopen_room": Rule({STAGEDOCENT}, {CLOSING}, "Alleen de stagedocent kan het gesprek weer openen."),
    "plan_next": Rule({STAGEDOCENT}, {OPEN, CLOSING}, "Alleen de stagedocent plant het volgende gesprek."),
    "give_consent": Rule(EVERYONE, {CLOSING}, "Je kunt nu geen akkoord geven."),
    "send_record": Rule({STAGEDOCENT}, {CLOSING}, "Alleen de stagedocent kan het verslag versturen."),
    "follow_mail": Rule({STAGEDOCENT}, {CLOSED}, "Alleen de stagedocent ziet of de mail is aangekomen."),
    "revoke_record_links": Rule({STAGEDOCENT}, {CLOSED}, "Alleen de stagedocent kan de links in de mail intrekken."),
    "start_follow_up": Rule({STUDENT, STAGEDOCENT}, {CLOSED},
                            "Alleen de student of de stagedocent start een vervolggesprek."),
    # A vervolggesprek looks back: anyone marks an afspraak or task of last time (the last choice counts).
    "review": Rule(EVERYONE, {OPEN}, "Je kunt hier niet terugkijken op het vorige gesprek."),
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


def may_share_link(role: str, target, extra: bool = False) -> bool:
    """Whether someone in this role may make a new personal link for another person's place (`target`); for
    their own place everyone may (another device of theirs). A link is a way in as that person, so: the
    stagedocent for any place (not one let in beyond the three: `extra`); the student only for a place that
    nobody has taken up yet and that was nobody's in the conversation before, so that the planner can forward
    it to someone who got no mail. A place someone holds is made anew by its person or the stagedocent only."""
    if not may(role, "share_link") or extra:
        return False
    return role == STAGEDOCENT or (target.arrived_at is None and target.previous_participant_id is None)


# What a person does with a card, in the refusal "Alleen de ... kan het <verb>".
CARD_VERBS = {"draw_card": "kiezen", "return_card": "terugleggen", "prepare_card": "kiezen",
              "mark_discussed": "afronden"}


def may_take(role: str, card, action: str = "draw_card") -> bool:
    """The card's part of the rule, on top of the table: the one a card is for (`card.for_role`) draws it,
    chooses it, takes it when it is suggested, puts it back and prepares it; marking it discussed is also
    for those who lead the conversation (the student and the stagedocent). The domain refuses with it, the
    templates show buttons and lists with it (the global `may_take`), the tests check it."""
    if action == "mark_discussed" and role in (STUDENT, STAGEDOCENT):
        return True
    return role == card.for_role and may(role, action)


def require_card(role: str, card, action: str = "draw_card") -> None:
    """403 when this role may not do the action with this card: the message says who it is for."""
    if may_take(role, card, action):
        return
    who = f"de {LABELS[card.for_role].lower()}"
    if action == "mark_discussed":
        who = "de student of de stagedocent"
    elif not may(card.for_role, action):
        raise Forbidden(f"Dit kaartje is voor {who}. Het komt niet op tafel.")
    raise Forbidden(f"Dit kaartje is voor de {LABELS[card.for_role].lower()}. "
                    f"Alleen {who} kan het {CARD_VERBS.get(action, 'kiezen')}.")


def require(role: str, action: str) -> None:
    """The role check, before anything is read: 403 with the table's own words."""
    if not may(role, action):
        raise Forbidden(PERMISSIONS[action].refusal)


def require_actor(actor, action: str) -> None:
    """The role check for a deelnemer (`actor`): their role, and for an action over the whole stage their seat."""
    require(actor.role, action)
    if PERMISSIONS[action].whole_stage and actor.extra:
        raise Forbidden("Dit kan alleen de stagedocent die de hele stage begeleidt. Jij bent alleen bij dit gesprek "
                        "toegelaten.")


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
