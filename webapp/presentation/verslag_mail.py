"""The verslag's email: subject, plain text and HTML from the record's own templates, and an .ics for the
next conversation when it is planned. Each recipient's mail opens with their own part (their role's tasks
after the conversation and the afspraken they are in), then the whole verslag, the same for everyone. It
names people and roles, never anyone's address."""
from flask import render_template

from webapp.domain import verslag


def mail_parts(data: dict, content_hash: str, record_url: str, role: str) -> dict:
    context = {"data": data, "content_hash": content_hash, "record_url": record_url,
               "my_tasks": verslag.tasks_of(data, role), "my_agreements": verslag.agreements_of(data, role)}
    attachments = []
    if data["next_meeting"]:
        attachments.append({"filename": "volgend-stagegesprek.ics", "mimetype": "text/calendar",
                            "content": verslag.next_meeting_ics(data)})
    return {
        "subject": verslag.subject(data),
        "text_body": render_template("verslag/mail.txt", **context),
        "html_body": render_template("verslag/mail.html", **context),
        "attachments": attachments,
    }
