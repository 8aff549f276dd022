"""Who does what after the conversation: each role's "na" tasks from the stappenplan are in the verslag (draft,
record, PDF), each person's own mail opens with their own tasks and afspraken, and the vervolggesprek opens
with them, the viewer's own first."""
import dataclasses
import json
from io import BytesIO

import pytest
from pypdf import PdfReader

from tests.support.actions import agree, post_action, seat_three, state, text_of
from tests.support.mail import EMAILS, deliver
from webapp.domain.content import EXTENSION_KEY, get_content
from webapp.domain.roles import LABELS as ROLE_LABELS
from webapp.extensions import db
from webapp.models import Record

NAMES = {"student": "Sanne", "stagedocent": "Marieke", "praktijkopleider": "Kees"}
FOR_SANNE = "Sanne vraagt elke vrijdag om feedback."
FOR_KEES = "Kees laat Sanne meelopen met de bezorger."


def na_tasks(app, role, follow_up=False) -> list[str]:
    """A role's tasks after the conversation, as the stappenplan has them now."""
    with app.app_context():
        moment = next(m for m in get_content().moments if m.id == "na")
        return [task.text for task in moment.tasks_for(role, follow_up=follow_up)]


def only_for(app, role) -> str:
    """A task of `role` that no other role has: it may show only where that role's tasks are."""
    others = {task for other in NAMES if other != role for task in na_tasks(app, other)}
    return next(task for task in na_tasks(app, role) if task not in others)


def between(text: str, start: str, end: str) -> str:
    assert start in text and end in text, (start, end)
    return text[text.index(start):text.index(end)]


@pytest.fixture
def closing_room(app):
    """Three people, an afspraak for Sanne and one for Kees, the draft on every phone."""
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/agreements",
                {"what": FOR_SANNE, "who": ["student"], "when": "voor-volgend-gesprek"})
    post_action(people["stagedocent"], code, "/agreements",
                {"what": FOR_KEES, "who": ["praktijkopleider"], "when": "voor-volgend-gesprek"})
    post_action(people["stagedocent"], code, "/close")
    return code, people


def send(code, people):
    for role, client in people.items():
        assert agree(client, code, EMAILS[role]).status_code == 200
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200


def test_the_draft_shows_each_roles_tasks_with_the_name_after_the_afspraken(app, closing_room):
    code, people = closing_room
    page = text_of(people["praktijkopleider"].get(f"/r/{code}").get_data(as_text=True))
    draft = between(page, "Verslag: lees mee en geef akkoord", "Volgend gesprek")
    assert draft.index(FOR_KEES) < draft.index("Wie doet wat na het gesprek?")
    for role, name in NAMES.items():
        assert f"{name} ({ROLE_LABELS[role].lower()}):" in draft
        for task in na_tasks(app, role):
            assert task in draft


def test_each_mail_opens_with_that_persons_own_tasks_and_afspraken(app, smtp, closing_room):
    code, people = closing_room
    send(code, people)
    assert deliver(app)["sent"] == 3
    received = {item.rcpt_tos[0]: item.message for item in smtp.recorder.wait_for(3)}
    own_afspraken = {"student": [FOR_SANNE], "stagedocent": [], "praktijkopleider": [FOR_KEES]}
    for role, address in EMAILS.items():
        message = received[address]
        text = message.get_body(("plain",)).get_content()
        html = text_of(message.get_body(("html",)).get_content())
        for body, mine_start, afspraken_start, whole_start in [
            (text, "JOUW TAKEN NA HET GESPREK", "JOUW AFSPRAKEN", "HET HELE VERSLAG"),
            (html, "Jouw taken na het gesprek", "Jouw afspraken", "Het hele verslag"),
        ]:
            assert body.index(mine_start) < body.index(whole_start)  # the mail opens with this person's part
            my_tasks = between(body, mine_start, afspraken_start)
            for task in na_tasks(app, role):
                assert task in my_tasks
            for other in NAMES:
                if other != role:
                    assert only_for(app, other) not in my_tasks
            my_afspraken = between(body, afspraken_start, whole_start)
            assert [what for what in (FOR_SANNE, FOR_KEES) if what in my_afspraken] == own_afspraken[role]
            if not own_afspraken[role]:
                assert "Er zijn geen afspraken voor jou." in my_afspraken
            whole = body[body.index(whole_start):]  # then the whole verslag, the same for everyone
            for what in (FOR_SANNE, FOR_KEES):
                assert what in whole
            for other in NAMES:
                assert only_for(app, other) in whole
        assert [a for a in EMAILS.values() if a != address and a in message.as_string()] == []
    assert len({m.get_body(("plain",)).get_content() for m in received.values()}) == 3  # three different mails


def test_the_frozen_record_keeps_the_tasks_per_role_as_they_were_that_day(app, closing_room):
    code, people = closing_room
    send(code, people)
    with app.app_context():
        data = db.session.query(Record).one().data
    assert data["tasks_after"] == [
        {"role": role, "role_label": ROLE_LABELS[role], "names": [NAMES[role]], "tasks": na_tasks(app, role)}
        for role in ("student", "stagedocent", "praktijkopleider")]
    assert [a["roles"] for a in data["agreements"]] == [["student"], ["praktijkopleider"]]

    # the school changes its stappenplan later: the sent verslag still says what was agreed that day
    content = app.extensions[EXTENSION_KEY]
    changed = tuple(dataclasses.replace(m, tasks=()) if m.id == "na" else m for m in content.moments)
    app.extensions[EXTENSION_KEY] = dataclasses.replace(content, moments=changed)

    page = text_of(people["student"].get(f"/r/{code}/record").get_data(as_text=True))
    assert page.index(FOR_KEES) < page.index("Wie doet wat na het gesprek?") < page.index("Volgend gesprek")
    response = people["student"].get(f"/r/{code}/record.pdf")
    pdf = " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages).split())
    for role, name in NAMES.items():
        assert f"{name} ({ROLE_LABELS[role].lower()}):" in page and f"{name} ({ROLE_LABELS[role].lower()}):" in pdf
    for group in data["tasks_after"]:
        for task in group["tasks"]:
            assert task in page and task in pdf
    app.extensions[EXTENSION_KEY] = content


def test_the_tasks_are_part_of_the_text_an_akkoord_is_given_to(app, closing_room):
    code, people = closing_room
    agree(people["student"], code, EMAILS["student"])
    shown = state(people["stagedocent"], code)["verslag_version"]
    content = app.extensions[EXTENSION_KEY]
    changed = tuple(dataclasses.replace(m, tasks=m.tasks[:1]) if m.id == "na" else m for m in content.moments)
    app.extensions[EXTENSION_KEY] = dataclasses.replace(content, moments=changed)
    try:
        assert state(people["stagedocent"], code)["verslag_version"] != shown
        assert not any(p["agreed"] for p in state(people["stagedocent"], code)["participants"])
        refused = post_action(people["stagedocent"], code, "/confirm", {"email": "", "draft": shown})
        assert refused.status_code == 409
    finally:
        app.extensions[EXTENSION_KEY] = content


def follow_up(app, code, people) -> str:
    response = post_action(people["student"], code, "/follow-up")
    new_code = response.headers["HX-Redirect"].rsplit("/", 1)[-1]
    post_action(people["praktijkopleider"], new_code, "/verder")  # one tap, as the same person
    return new_code


def test_the_vervolggesprek_opens_with_the_previous_tasks_the_viewers_own_first(app, closing_room):
    code, people = closing_room
    send(code, people)
    new_code = follow_up(app, code, people)
    for role in ("student", "praktijkopleider"):
        page = text_of(people[role].get(f"/r/{new_code}").get_data(as_text=True))
        terugblik = between(page, "Terugblik", "Lees het verslag van")
        assert "Hoe ging het ermee? Praat er kort over." in terugblik
        assert FOR_SANNE in terugblik and FOR_KEES in terugblik
        mine = terugblik.index("Jouw taken van vorige keer")
        assert mine < min(terugblik.index(f"Taken van {NAMES[other]}") for other in NAMES if other != role)
        own = between(terugblik, "Jouw taken van vorige keer", "Taken van ")
        assert only_for(app, role) in own
        assert all(only_for(app, other) not in own for other in NAMES if other != role)
        for other in NAMES:
            assert only_for(app, other) in terugblik


def test_a_verslag_sent_before_it_held_tasks_opens_the_vervolggesprek_with_its_afspraken_only(app, closing_room):
    code, people = closing_room
    send(code, people)
    with app.app_context():  # as a verslag frozen before the tasks were in it
        record = db.session.query(Record).one()
        data = record.data
        del data["tasks_after"]
        for agreement in data["agreements"]:
            del agreement["roles"]
        record.body = json.dumps(data)
        db.session.commit()
    new_code = follow_up(app, code, people)
    response = people["student"].get(f"/r/{new_code}")
    assert response.status_code == 200
    page = text_of(response.get_data(as_text=True))
    assert FOR_SANNE in page and "Jouw taken van vorige keer" not in page and "Taken van " not in page
    record_page = people["student"].get(f"/r/{code}/record")
    assert record_page.status_code == 200 and "Wie doet wat na het gesprek?" not in record_page.get_data(as_text=True)
