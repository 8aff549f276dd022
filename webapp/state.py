"""The room state as plain data: the body of state.json, and what tests compare screens against."""
from webapp.room_view import RoomView


def card_data(card) -> dict:
    return {"id": card.id, "deck": card.deck, "text": card.question, "for": card.for_role}


def room_state(view: RoomView) -> dict:
    room = view.room
    return {
        "code": room.code,
        "version": room.version,
        "status": room.status,
        "locked": room.admission == "locked",
        "created_at": room.created_at.isoformat() + "Z",
        "expires_at": room.expires_at.isoformat() + "Z",
        "phase": view.phase.id,
        "phase_started_at": room.phase_started_at.isoformat() + "Z",
        "phases": [{"id": p.id, "title": p.title, "deck": p.deck, "minutes": p.minutes} for p in view.content.phases],
        "activity": room.activity,
        "participants": [
            {"id": p.id, "name": p.name, "role": p.role, "online": p.online, "agreed": p.agreed_at is not None}
            for p in room.active_participants
        ],
        "current_card": card_data(view.current_card) if view.current_card else None,
        "discussed": [{**card_data(card), "note": rc.note, "note_rev": rc.note_rev} for card, rc in view.discussed],
        "prepared": [card.id for card in view.prepared],
        "checklists": [{"participant_id": r.participant.id, "done": r.done, "total": r.total, "ready": r.ready}
                       for r in view.readiness],
        "agreements": [{"id": a.id, "rev": a.rev, "what": a.what, "who": a.who_roles, "when": a.when}
                       for a in view.agreements],
    }
