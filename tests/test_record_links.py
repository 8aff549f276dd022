"""The mail's link works where the mail is read: each person's mail carries their own link to the sent verslag,
which opens it on any device without the phone's cookie, until it expires (RECORD_LINK_DAYS) or the
stagedocent revokes it. The verslag's PDF comes with the mail. A link that does not work shows nothing, and
trying links uses up the same budget as trying codes. Through a real SMTP server (aiosmtpd on loopback)."""
import base64
import json
import re
from datetime import date, timedelta
from io import BytesIO
from urllib.parse import urlparse

from pypdf import PdfReader

from tests.support.actions import agree, post_action, seat_three, start_room, text_of
from tests.support.mail import EMAILS, deliver
from webapp import clock
from webapp.domain import codes
from webapp.domain.dates import dutch_date
from webapp.extensions import db
from webapp.models import Room

NAMES = {"stagedocent": "Marieke", "student": "Sanne", "praktijkopleider": "Kees"}
AFSPRAAK = "Sanne vraagt elke vrijdag om feedback."


def send_verslag(app, smtp):
    """Three people agree with their address, the stagedocent sends, the mail goes out: {role: the message}."""
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/agreements",
                {"what": AFSPRAAK, "who": ["student"], "when": "voor-volgend-gesprek"})
    post_action(people["stagedocent"], code, "/close")
    for role, client in people.items():
        assert agree(client, code, EMAILS[role]).status_code == 200
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200
    assert deliver(app)["sent"] == 3
    received = {item.rcpt_tos[0]: item.message for item in smtp.recorder.wait_for(3)}
    return code, people, {role: received[address] for role, address in EMAILS.items()}


def link_in(message) -> str:
    """The path of the link to the verslag in a mail; the HTML part carries the same one."""
    text = message.get_body(("plain",)).get_content()
    [link] = re.findall(r"https?://\S+/verslag/[\w.-]+", text)
    assert f'href="{link}"' in message.get_body(("html",)).get_content()
    return urlparse(link).path


def shows_nothing(response, code) -> None:
    """An answer that tells nothing about any conversation: no name, no code, no afspraak, no verslag."""
    page = response.get_data(as_text=True)
    leaked = [secret for secret in (*NAMES.values(), code, codes.display(code), AFSPRAAK, "Verslag stagegesprek")
              if secret in page]
    assert leaked == []
    assert response.headers["Cache-Control"] == "no-store"


def test_each_mail_has_its_own_link_that_opens_the_verslag_in_a_fresh_browser(app, smtp):
    code, people, mails = send_verslag(app, smtp)
    links = {role: link_in(message) for role, message in mails.items()}
    assert len(set(links.values())) == 3  # personal: one link per person
    until = dutch_date(date.today() + timedelta(days=app.config["RECORD_LINK_DAYS"]))
    pages = set()
    for role, path in links.items():
        text = mails[role].get_body(("plain",)).get_content()
        assert "Deze link is alleen voor jou." in text and f"De link werkt tot en met {until}." in text
        reader = app.test_client()  # another device: no cookie of this conversation
        assert reader.get(f"/r/{code}/record").status_code == 404
        response = reader.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"  # the token never leaves as a Referer
        page = response.get_data(as_text=True)
        assert "Verslag stagegesprek Sanne" in page and AFSPRAAK in page
        assert 'href="/r/' not in page and "Terug naar het gesprek" not in page  # nothing that needs a deelnemer
        main = page[page.index("<article"):page.index("</article>")]
        pages.add(main)  # the same verslag behind every link
        [pdf_link] = re.findall(r'href="(/verslag/[^"]+\.pdf)"', page)
        pdf = reader.get(pdf_link)
        assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
        assert pdf.data.startswith(b"%PDF") and pdf.headers["Cache-Control"] == "no-store"
        assert AFSPRAAK in " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
        assert reader.get(f"/r/{code}/record").status_code == 404  # the link binds this browser to nothing
    assert len(pages) == 1


def test_the_pdf_of_the_verslag_is_attached_to_every_mail(app, smtp):
    _code, _people, mails = send_verslag(app, smtp)
    for message in mails.values():
        [pdf] = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
        content = pdf.get_content()
        assert content.startswith(b"%PDF")
        assert pdf.get_filename() == f"verslag-sanne-{date.today().isoformat()}.pdf"  # whose, and which day
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).split())
        assert AFSPRAAK in text and "Controlecode" in text
        assert "Het verslag zit ook als PDF bij deze mail." in message.get_body(("plain",)).get_content()


def test_a_changed_link_opens_nothing_not_even_another_conversations_verslag(app, smtp):
    code, _people, mails = send_verslag(app, smtp)
    path = link_in(mails["student"])
    token = path.rsplit("/", 1)[1]
    # another conversation, sent too
    other = app.test_client()
    other_code = start_room(other, "Bregje", "stagedocent")
    post_action(other, other_code, "/close")
    post_action(other, other_code, "/finalize", {"force": "1"})
    with app.app_context():
        other_room = db.session.query(Room).filter_by(code=other_code).one()
        other_ids = [other_room.id, other_room.participants[0].id, 0]
    payload, stamp, signature = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps(other_ids, separators=(",", ":")).encode()).decode().rstrip("=")
    assert json.loads(base64.urlsafe_b64decode(payload + "==")) != other_ids
    attempts = [f"{forged}.{stamp}.{signature}", "x", token + "x", token[:-10]]
    for position in (0, len(payload) // 2, len(payload) + 2, len(token) - 6):
        attempts.append(token[:position] + ("B" if token[position] == "A" else "A") + token[position + 1:])
    reader = app.test_client()
    for attempt in attempts:
        for suffix in ("", ".pdf"):
            response = reader.get(f"/verslag/{attempt}{suffix}")
            assert response.status_code == 404, attempt
            assert "Deze link naar het verslag werkt niet." in text_of(response.get_data(as_text=True))
            shows_nothing(response, code)
            assert "Bregje" not in response.get_data(as_text=True) and other_code not in response.get_data(as_text=True)
    assert reader.get(path).status_code == 200  # the real one still works


def test_after_the_stagedocent_revokes_them_the_old_links_show_nothing(app, smtp):
    code, people, mails = send_verslag(app, smtp)
    links = [link_in(message) for message in mails.values()]
    status = text_of(people["stagedocent"].get(f"/r/{code}/mail").get_data(as_text=True))
    assert "Links in de mail intrekken" in status
    for role in ("student", "praktijkopleider"):
        refused = post_action(people[role], code, "/record-links/revoke")
        assert refused.status_code == 403 and "Alleen de stagedocent" in refused.get_data(as_text=True)
        assert "intrekken" not in people[role].get(f"/r/{code}").get_data(as_text=True)
    assert all(app.test_client().get(path).status_code == 200 for path in links)

    revoked = post_action(people["stagedocent"], code, "/record-links/revoke")
    assert revoked.status_code == 200
    assert "Je hebt de links in de mail ingetrokken." in text_of(revoked.get_data(as_text=True))
    assert "Links in de mail intrekken" not in revoked.get_data(as_text=True)
    for path in links:
        for suffix in ("", ".pdf"):
            response = app.test_client().get(path + suffix)
            assert response.status_code == 404
            assert "De stagedocent heeft de link ingetrokken." in text_of(response.get_data(as_text=True))
            shows_nothing(response, code)
    for client in people.values():  # the verslag stays in the conversation, for its deelnemers
        assert client.get(f"/r/{code}/record").status_code == 200
    assert "links naar het verslag in de mail ingetrokken" in people["student"].get(f"/r/{code}").get_data(as_text=True)


def test_a_link_works_for_record_link_days_and_then_says_it_expired(app, smtp, monkeypatch):
    app.config["RECORD_LINK_DAYS"] = 14
    code, _people, mails = send_verslag(app, smtp)
    path = link_in(mails["praktijkopleider"])
    assert f"De link werkt tot en met {dutch_date(date.today() + timedelta(days=14))}." in \
        mails["praktijkopleider"].get_body(("plain",)).get_content()
    made = clock.utcnow()

    monkeypatch.setattr(clock, "now", lambda: made + timedelta(days=14, seconds=-60))
    assert app.test_client().get(path).status_code == 200  # the last minute of the fourteenth day

    monkeypatch.setattr(clock, "now", lambda: made + timedelta(days=14, seconds=60))
    for suffix in ("", ".pdf"):
        response = app.test_client().get(path + suffix)
        assert response.status_code == 410
        assert "Deze link naar het verslag is verlopen." in text_of(response.get_data(as_text=True))
        shows_nothing(response, code)


def test_the_link_is_gone_with_the_conversation(app, smtp):
    code, people, mails = send_verslag(app, smtp)
    path = link_in(mails["student"])
    assert post_action(people["stagedocent"], code, "/delete").status_code in (200, 303)
    response = app.test_client().get(path)
    assert response.status_code == 404
    shows_nothing(response, code)


def test_trying_links_uses_up_the_same_budget_as_trying_codes(app, smtp):
    code, _people, mails = send_verslag(app, smtp)
    path = link_in(mails["student"])
    app.config["JOIN_RATE_LIMIT"] = "4 per minute"
    reader = app.test_client()
    assert all(reader.get(path).status_code == 200 for _ in range(6))  # a link that works costs nothing

    guesser = app.test_client()
    assert guesser.get("/r/ABCDEFGH").status_code == 404  # a wrong code
    assert guesser.get(path[:-4] + "AAAA").status_code == 404  # a wrong link
    assert guesser.get("/verslag/raden.pdf").status_code == 404
    assert guesser.get(path + "x").status_code == 404
    hit = guesser.get(path)  # the budget is spent: even the right link opens nothing now
    assert hit.status_code == 429
    shows_nothing(hit, code)
    assert guesser.get(f"/r/{code}").status_code == 429  # and no code either
