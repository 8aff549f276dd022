"""The mail with someone's own link to a planned conversation, and its .ics."""
from flask import render_template

from webapp.domain import dates, series
from webapp.domain.agenda import meeting_ics
from webapp.domain.roles import LABELS, STUDENT
from webapp.models import Participant, Room
from webapp.origin import public_url


def link_url(room: Room, secret: str) -> str:
    return public_url("room.welcome", code=room.code, secret=secret)


def student_name(room: Room) -> str | None:
    """The student's name, once someone gave it (a place nobody named yet is called by its role): a stagedocent
    with thirty students, or a workplace with three, tells the mails and calendar items apart by it."""
    student = next((p for p in room.active_participants if p.role == STUDENT), None)
    return student.name if student and (student.arrived_at or student.name != LABELS[STUDENT]) else None


def whose(room: Room) -> str:
    """Whose stage this conversation is: the student and where the stage is, as far as they are known."""
    return series.whose(student_name(room), series.workplace_of(room.series_id))


def planned_ics(room: Room, url: str | None = None) -> str:
    return meeting_ics(f"gepland-{room.code}", room.planned_for, f"Stagegesprek {whose(room)}".strip(),
                       "Stagegesprek met student, stagedocent en praktijkopleider. Bereid je voor met je eigen link.",
                       url)


def invitation_parts(room: Room, participant: Participant, secret: str) -> dict:
    url = link_url(room, secret)
    planner = next((p for p in room.participants if p.arrived_at), None)  # none: set while closing the one before
    named = participant.name != LABELS[participant.role]  # a place the planner gave no name yet
    context = {"room": room, "participant": participant, "planner": planner, "url": url, "student": student_name(room),
               "workplace": series.workplace_of(room.series_id),
               "greeting": f"Hallo {participant.name}," if named else "Hallo,",
               "when": dates.dutch_moment(room.planned_for), "role_label": LABELS[participant.role].lower()}
    return {
        "subject": " ".join(filter(None, ("Uitnodiging stagegesprek", whose(room),
                                          f"op {dates.dutch_moment(room.planned_for)}"))),
        "text_body": render_template("uitnodiging/mail.txt", **context),
        "attachments": [{"filename": "stagegesprek.ics", "mimetype": "text/calendar",
                         "content": planned_ics(room, url)}],
    }
