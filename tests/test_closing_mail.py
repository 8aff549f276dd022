"""The verslag reaches every mailbox once, through a real SMTP server (aiosmtpd on loopback)."""
from datetime import date, timedelta

import pytest

from tests.support.actions import agree, post_action, seat_three, state, text_of
from tests.support.mail import EMAILS, deliver
from webapp.domain.dates import dutch_date


@pytest.fixture
def closing_room(app):
    code, people = seat_three(app)
    for what in ("Sanne vraagt elke vrijdag om feedback.", "Kees laat Sanne meelopen met de bezorger."):
        post_action(people["stagedocent"], code, "/agreements",
                    {"what": what, "who": ["student", "praktijkopleider"], "when": "voor-volgend-gesprek"})
    post_action(people["stagedocent"], code, "/close")
    post_action(people["stagedocent"], code, "/next-meeting",
                {"next_date": (date.today() + timedelta(days=30)).isoformat(), "next_time": "10:00"})
    for role, client in people.items():
        agree(client, code, EMAILS[role])
    return code, people


def verslagen(received):
    """The verslag mails among what the server received (the invitations to the next conversation go too)."""
    return [item for item in received if item.message["Subject"].startswith("Verslag")]


def test_three_agree_and_the_docent_sends_three_messages_one_to_each(app, smtp, closing_room):
    code, people = closing_room
    afspraken = [a["what"] for a in state(people["student"], code)["agreements"]]
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200
    assert deliver(app)["sent"] == 6  # the verslag, and each one's invitation to the next conversation (set here)
    received = verslagen(smtp.recorder.wait_for(6))
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(EMAILS.values())
    for item in received:
        [recipient] = item.rcpt_tos
        raw = item.message.as_string()
        assert [address for address in EMAILS.values() if address != recipient and address in raw] == []
        assert item.message["Subject"] == f"Verslag stagegesprek Sanne van {dutch_date(date.today())}"
        text = item.message.get_body(("plain",)).get_content()
        html = text_of(item.message.get_body(("html",)).get_content())
        for what in afspraken:
            assert what in text and what in html
        assert text.index("AFSPRAKEN") < text.index("BESPROKEN KAARTJES")  # afspraken first
        [ics] = [part for part in item.message.iter_attachments() if part.get_content_type() == "text/calendar"]
        assert "DTSTART:" + (date.today() + timedelta(days=30)).strftime("%Y%m%d") + "T100000" in ics.get_content()
    assert deliver(app)["sent"] == 0
    assert len(smtp.received) == 6


def test_when_the_mail_server_is_down_nothing_is_lost_and_each_arrives_once_later(app, smtp, closing_room):
    code, people = closing_room
    smtp.stop()
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200
    assert deliver(app) == {"sent": 0, "failed": 6, "skipped": 0}

    status = text_of(people["stagedocent"].get(f"/r/{code}/mail").get_data(as_text=True))
    assert "Sanne: nog niet verstuurd (1 keer geprobeerd)" in status
    assert "Versturen lukte nog niet" in status and "Probeer opnieuw" in status
    assert "@" not in status
    assert people["student"].get(f"/r/{code}/mail").status_code == 403

    smtp.start()
    retried = post_action(people["stagedocent"], code, "/mail/retry")
    assert retried.status_code == 200
    assert deliver(app)["sent"] == 3  # the verslagen; the invitations wait their own time
    assert sorted(r.rcpt_tos[0] for r in verslagen(smtp.recorder.wait_for(3))) == sorted(EMAILS.values())
    assert deliver(app)["sent"] == 0 and len(verslagen(smtp.received)) == 3
    status = text_of(people["stagedocent"].get(f"/r/{code}/mail").get_data(as_text=True))
    assert status.count("verstuurd") == 3 and "nog niet" not in status


def test_no_address_no_mail(app, smtp):
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/close")
    for client in people.values():
        agree(client, code, "")
    post_action(people["stagedocent"], code, "/finalize")
    assert deliver(app)["sent"] == 0
    assert "Niemand gaf een e-mailadres" in people["stagedocent"].get(f"/r/{code}/mail").get_data(as_text=True)


def test_once_the_mail_is_out_no_address_or_verslag_stays_in_the_queue(app, smtp, closing_room):
    from webapp.extensions import db
    from webapp.models import OutboxMessage, Participant

    code, people = closing_room
    post_action(people["stagedocent"], code, "/finalize")
    with app.app_context():
        assert db.session.query(Participant).filter(Participant.email.isnot(None)).count() == 0
    deliver(app)
    with app.app_context():
        rows = db.session.query(OutboxMessage).all()
        assert len(rows) == 6 and all(row.sent_at for row in rows)  # 3 verslagen, 3 invitations
        assert {(row.recipient, row.subject, row.text_body, row.html_body) for row in rows} == {("", "", "", None)}
    status = text_of(people["stagedocent"].get(f"/r/{code}/mail").get_data(as_text=True))
    assert "Sanne: verstuurd" in status and "Kees: verstuurd" in status
