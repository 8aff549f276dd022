"""The verslag's email: subject, plain text and HTML from the record's own templates, the verslag as a PDF,
and an .ics for the next conversation when it is planned. Each recipient's mail opens with their own part
(their role's tasks after the conversation and the afspraken they are in), then the whole verslag, the same
for everyone, and ends with their own link to it (webapp.domain.record_links). It names people and roles,
never anyone's address."""
from collections.abc import Callable
from datetime import date

from flask import render_template

from webapp.domain import verslag
from webapp.models import Participant
from webapp.presentation import timeline
from webapp.presentation.verslag_pdf import render_pdf


def mail_parts(data: dict, content_hash: str, record_url: str, role: str, pdf: bytes | None = None,
               link_until: date | None = None) -> dict:
    context = {"data": data, "content_hash": content_hash, "record_url": record_url, "link_until": link_until,
               "has_pdf": pdf is not None,
               "my_tasks": verslag.tasks_of(data, role), "my_agreements": verslag.agreements_of(data, role)}
    attachments = []
    if pdf is not None:  # bytes: the outbox keeps them as base64
        attachments.append({"filename": verslag.file_name(data), "mimetype": "application/pdf",
                            "content": pdf})
    if data["next_meeting"]:
        attachments.append({"filename": "volgend-stagegesprek.ics", "mimetype": "text/calendar",
                            "content": verslag.next_meeting_ics(data)})
    return {
        "subject": verslag.subject(data),
        "text_body": render_template("verslag/mail.txt", **context),
        "html_body": render_template("verslag/mail.html", **context),
        "attachments": attachments,
    }


def composer(link_for: Callable[[Participant], str], link_until: date) -> Callable[[dict, str, Participant], dict]:
    """`compose_mail` for closing.finalize: each deelnemer's mail with their own link (`link_for`); the PDF,
    the same for everyone, is made once."""
    pdfs: dict[str, bytes] = {}

    def compose(data: dict, content_hash: str, participant: Participant) -> dict:
        if content_hash not in pdfs:
            pdfs[content_hash] = render_pdf(data, content_hash, timeline.stage_lines(participant.room))
        return mail_parts(data, content_hash, link_for(participant), participant.role, pdfs[content_hash],
                          link_until)

    return compose
