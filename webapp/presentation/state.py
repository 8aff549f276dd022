"""The room state as plain data: the body of state.json, and what tests compare screens against."""
from webapp.models.room import Admission, RoomStatus
from webapp.presentation.screen import RoomScreen


def card_data(card) -> dict:
    return {"id": card.id, "deck": card.deck, "text": card.question, "for": card.for_role}


def room_state(screen: RoomScreen) -> dict:
    room = screen.room
    return {
        "code": room.code,
        "version": room.version,
        "status": room.status,
        "locked": room.admission == Admission.LOCKED,
        "created_at": room.created_at.isoformat() + "Z",
        "expires_at": room.expires_at.isoformat() + "Z",
        "planned_for": room.planned_for.isoformat() if room.planned_for else None,
        "stage_moment": room.stage_moment,
        "suggested_card": room.suggested_card_id,
        "phase": screen.phase.id,
        "phase_started_at": room.phase_started_at.isoformat() + "Z",
        "phases": [{"id": p.id, "title": p.title, "deck": p.deck, "minutes": p.minutes} for p in screen.phases],
        "activity": room.activity,
        "participants": [
            {"id": p.id, "name": p.name, "role": p.role, "online": screen.is_online(p), "agreed": screen.has_agreed(p),
             "arrived": p.arrived_at is not None}
            for p in room.active_participants
        ],
        "current_card": card_data(screen.current_card) if screen.current_card else None,
        "discussed": [{**card_data(card), "note": rc.note, "note_rev": rc.note_rev} for card, rc in screen.discussed],
        "prepared": [card.id for card in screen.prepared],
        "checklists": [{"participant_id": r.participant.id, "done": r.done, "total": r.total, "ready": r.ready}
                       for r in screen.readiness],
        "verslag_version": screen.draft["version"] if room.status != RoomStatus.OPEN else None,
        "agreements": [{"id": a.id, "rev": a.rev, "what": a.what, "who": a.who_roles, "when": a.when}
                       for a in screen.agreements],
    }
