"""Everything says whose: a stagedocent with thirty students, or a workplace with three interns, tells every mail,
calendar item, page and PDF apart by the student's name; and the verslag hands nobody a task the app already did."""
import json
import re
from datetime import date, timedelta
from io import BytesIO

from pypdf import PdfReader
from sqlalchemy import select

from tests.support.actions import agree, post_action, seat_three, text_of
from tests.support.stages import (
    GARAGE,
    MARIEKE,
    SANNE,
    WELCOME_LINK,
    ask_link,
    held_and_sent,
    planned_at_the_garage,
    planned_room,
    rows,
    signed_in,
)
from webapp.domain import outbox
from webapp.extensions import db
from webapp.models import OutboxMessage

NEXT = (date.today() + timedelta(days=40)).isoformat()
EMAILS = {"stagedocent": MARIEKE, "student": "sanne@student.example", "praktijkopleider": "kees@bakkerij.example"}


def queued(app) -> list[OutboxMessage]:
    with app.app_context():
        messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        db.session.expunge_all()
        return messages


def test_every_mail_and_every_pdf_names_the_student(app):
    # Planned ahead: the invitations, their calendar items and the welcome page.
    docent = app.test_client()
    code = planned_room(docent, **{"name-student": "Sanne", "email-student": EMAILS["student"], "name-praktijkopleider":
                                   "Kees", "email-praktijkopleider": EMAILS["praktijkopleider"]})
    invitations = [m for m in queued(app) if m.kind == outbox.INVITATION]
    assert len(invitations) == 2
    for message in invitations:
        assert "Sanne" in message.subject
        [ics] = json.loads(message.attachments)
        assert "SUMMARY:Stagegesprek Sanne" in ics["content"]
    welcome = app.test_client().get(WELCOME_LINK.search(invitations[1].text_body).group(0))
    assert "Jij doet mee als praktijkopleider bij de stage van Sanne." in text_of(welcome.get_data(as_text=True))
    assert code

    # A conversation at the table, sent with a next date: the verslagen, their PDFs, the next invitations.
    table, people = seat_three(app)
    post_action(people["stagedocent"], table, "/close")
    post_action(people["stagedocent"], table, "/next-meeting", {"next_date": NEXT, "next_time": "10:00"})
    for role, client in people.items():
        agree(client, table, EMAILS[role])
    post_action(people["stagedocent"], table, "/finalize")
    ask_link(app.test_client(), MARIEKE)
    sent = [m for m in queued(app) if m.id > invitations[-1].id]
    assert {m.kind for m in sent} == {outbox.VERSLAG, outbox.INVITATION, outbox.SIGN_IN}
    for message in sent:
        assert "Sanne" in (message.subject if message.kind != outbox.SIGN_IN else message.text_body), message.kind
        for attachment in json.loads(message.attachments or "[]"):
            if attachment["mimetype"] == "application/pdf":
                assert attachment["filename"].startswith("verslag-sanne-")
    pdf = people["praktijkopleider"].get(f"/r/{table}/record.pdf")
    assert 'filename="verslag-sanne-' in pdf.headers["Content-Disposition"]
    page = people["praktijkopleider"].get(f"/r/{table}/record").get_data(as_text=True)
    assert "<title>Verslag stagegesprek Sanne van" in page

    # The stagedocent's "na" tasks: the app sent the afspraken to all three, and planned the next conversation on
    # the date set; nobody is asked to.
    verslag = next(m for m in sent if m.kind == outbox.VERSLAG and m.recipient == MARIEKE)
    assert "Stuur de afspraken naar alle drie" not in verslag.text_body
    assert "- Plan het volgende gesprek." not in verslag.text_body


def test_where_the_stage_is_names_it_everywhere(app):
    """Given when planning, the workplace is in the invitation's subject, text and calendar item, the welcome
    page, the overview and the stage's page, and the verslag's title (page, mail, PDF) and its calendar item."""
    docent = app.test_client()
    code = planned_at_the_garage(app, docent)
    [invitation] = [m for m in queued(app) if m.kind == outbox.INVITATION and m.recipient == SANNE]
    assert invitation.subject.startswith("Uitnodiging stagegesprek Sanne (Garage De Vries) op ")
    assert "Marieke nodigt je uit voor een stagegesprek van Sanne bij Garage De Vries op" in invitation.text_body
    [ics] = json.loads(invitation.attachments)
    assert "SUMMARY:Stagegesprek Sanne (Garage De Vries)" in ics["content"]
    assert "SUMMARY:Stagegesprek Sanne (Garage De Vries)" in docent.get(f"/r/{code}/gesprek.ics").get_data(
        as_text=True)
    welcome = app.test_client().get(WELCOME_LINK.search(invitation.text_body).group(0)).get_data(as_text=True)
    assert "Uitnodiging voor het stagegesprek van Sanne bij Garage De Vries" in text_of(welcome)
    assert "<title>Uitnodiging stagegesprek Sanne (Garage De Vries) · Stagegesprek</title>" in welcome

    planned = max(m.id for m in queued(app))
    held_and_sent(app, docent, code, NEXT)
    title = re.compile(r"Verslag stagegesprek Sanne \(Garage De Vries\) van \d+ [a-z]+ \d{4}")
    verslag = next(m for m in queued(app) if m.kind == outbox.VERSLAG and m.recipient == SANNE)
    assert title.fullmatch(verslag.subject) and verslag.text_body.startswith(verslag.subject)
    assert f"<h1 style=\"font-size: 22px;\">{verslag.subject}</h1>" in verslag.html_body
    attachments = {a["mimetype"]: a for a in json.loads(verslag.attachments)}
    assert "SUMMARY:Stagegesprek Sanne (Garage De Vries)" in attachments["text/calendar"]["content"]
    assert f"<h1>{verslag.subject}</h1>" in docent.get(f"/r/{code}/record").get_data(as_text=True)
    pdf = PdfReader(BytesIO(docent.get(f"/r/{code}/record.pdf").data))
    assert pdf.metadata.title == verslag.subject and verslag.subject in " ".join(pdf.pages[0].extract_text().split())
    follow_up = [m for m in queued(app) if m.kind == outbox.INVITATION and m.id > planned]
    assert follow_up and all("Sanne (Garage De Vries)" in m.subject for m in follow_up)

    marieke = signed_in(app, app.test_client(), MARIEKE)
    [row] = rows(marieke.get("/mijn-gesprekken").get_data(as_text=True))
    assert row.startswith(f"Sanne {GARAGE} Kees")
