"""The mail with someone's own link to a planned conversation, and its .ics."""
from flask import render_template

from webapp.domain import dates
from webapp.domain.agenda import meeting_ics
from webapp.domain.roles import LABELS, STUDENT
from webapp.models import Participant, Room
from webapp.origin import public_url


def link_url(room: Room, secret: str) -> str:
    return public_url("room.welcome", code=room.code, secret=secret)


def planned_ics(room: Room, url: str | None = None) -> str:
    student = next((p for p in room.participants if p.role == STUDENT and p.arrived_at), None)
    summary = f"Stagegesprek {student.name}" if student else "Stagegesprek"
    return meeting_ics(f"gepland-{room.code}", room.planned_for, summary,
                       "Stagegesprek met student, stagedocent en praktijkopleider. Bereid je voor met je eigen link.",
                       url)


def invitation_parts(room: Room, participant: Participant, secret: str) -> dict:
    url = link_url(room, secret)
    planner = next(p for p in room.participants if p.arrived_at)
    named = participant.name != LABELS[participant.role]  # a place the planner gave no name yet
    context = {"room": room, "participant": participant, "planner": planner, "url": url,
               "greeting": f"Hallo {participant.name}," if named else "Hallo,",
               "when": dates.dutch_moment(room.planned_for), "role_label": LABELS[participant.role].lower()}
    return {
        "subject": f"Uitnodiging stagegesprek op {dates.dutch_moment(room.planned_for)}",
        "text_body": render_template("uitnodiging/mail.txt", **context),
        "attachments": [{"filename": "stagegesprek.ics", "mimetype": "text/calendar",
                         "content": planned_ics(room, url)}],
    }
