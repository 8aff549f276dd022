"""A conversation's steps follow from the content and from the conversation (issue 19): a quick one, made at the
table, leaves out the steps `only: voorbereid` (nobody was asked to prepare), so its counter, its Verder and
Terug, its list of steps and state.json all start at Kennismaken; a planned one and a vervolggesprek keep them.
The browser side (what each step shows first, at 100 % and 200 % text) is tests/e2e/test_step_screens.py."""
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from tests.support.actions import post_action, seat_three, start_room, state, text_of
from tests.support.app import ROOT, app_on_fresh_database
from webapp.domain import meeting
from webapp.domain.content import ContentError, get_content, load_content
from webapp.models import Room

QUICK = ["kennismaken", "leren", "begeleiden", "afspraken", "afronden"]


def region(client, code, region_id) -> str:
    html = client.get(f"/r/{code}").get_data(as_text=True)
    return re.search(rf'<(\w+) id="{region_id}".*?</\1>', html, re.S).group(0)


def test_a_quick_conversation_starts_at_kennismaken_without_the_preparing_step(app):
    code, people = seat_three(app)
    student = people["student"]
    body = state(student, code)
    assert [phase["id"] for phase in body["phases"]] == QUICK
    assert body["phase"] == "kennismaken"
    assert "Stap 1 van 5: Kennismaken" in text_of(region(student, code, "fase"))
    stap = region(student, code, "stap")
    assert 'id="knop-terug"' not in stap, "the first step has no way back"
    assert re.search(r"Verder ?: Leren", text_of(stap))
    assert 'id="stap-voorbereiden"' not in stap and 'id="stap-kennismaken"' in stap

    refused = post_action(student, code, "/phase", {"phase": "voorbereiden"})
    assert refused.status_code == 400
    assert "Deze stap hoort niet bij dit gesprek" in refused.get_data(as_text=True)
    assert student.get(f"/r/{code}/fasen/voorbereiden").status_code == 404
    assert state(student, code)["phase"] == "kennismaken"

    post_action(student, code, "/phase", {"phase": "afronden"})
    assert "Stap 5 van 5: Afronden" in text_of(region(student, code, "fase"))


def test_a_planned_conversation_and_a_vervolggesprek_keep_the_preparing_step(app):
    with app.app_context():
        every = [phase.id for phase in get_content().phases]
        assert every == ["voorbereiden", *QUICK]
        quick, planned, follow_up = Room(), Room(planned_for=datetime(2031, 3, 4, 10)), Room(previous_room_id=1)
        assert [phase.id for phase in meeting.phases_of(quick)] == QUICK
        for room in (planned, follow_up):
            assert [phase.id for phase in meeting.phases_of(room)] == every
            assert meeting.live_phase(room).id == "voorbereiden"
        assert meeting.live_phase(quick).id == "kennismaken"


def _content_where(tmp_path, change) -> Path:
    """The shipped content, copied, with `change` made to its stappenplan."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    path = content / "stappenplan.yaml"
    plan = yaml.safe_load(path.read_text(encoding="utf-8"))
    change({phase["id"]: phase for phase in plan["phases"]})
    path.write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    return content


@pytest.mark.parametrize("change, first, count", [
    (lambda phases: phases["voorbereiden"].pop("only"), "voorbereiden", 6),
    (lambda phases: phases["kennismaken"].update(only="voorbereid"), "leren", 4),
], ids=["every-step-for-everyone", "kennismaken-only-when-prepared"])
def test_the_quick_path_follows_the_content(tmp_path, change, first, count):
    """A school that says where a step applies changes the quick path's steps, without a code change."""
    with app_on_fresh_database(tmp_path, CONTENT_DIR=str(_content_where(tmp_path, change))) as app:
        client = app.test_client()
        code = start_room(client, "Marieke", "stagedocent")
        body = state(client, code)
        assert body["phase"] == first and len(body["phases"]) == count
        title = next(phase["title"] for phase in body["phases"] if phase["id"] == first)
        assert f"Stap 1 van {count}: {title}" in text_of(region(client, code, "fase"))


def _problems(directory: Path, change) -> list[str]:
    with pytest.raises(ContentError) as error:
        load_content(_content_where(directory, change))
    return [re.sub(r"^.*?content/", "content/", problem) for problem in error.value.problems]


def test_where_a_step_applies_is_checked(tmp_path):
    assert _problems(tmp_path / "unknown", lambda phases: phases["voorbereiden"].update(only="thuis")) == [
        "content/stappenplan.yaml: fase 'voorbereiden': onbekende keuze 'thuis' bij 'only' (kies uit voorbereid)"]
    def every_step_only(phases):
        for phase in phases.values():
            phase["only"] = "voorbereid"
    assert _problems(tmp_path / "none", every_step_only) == [
        "content/stappenplan.yaml: een gesprek aan tafel heeft dan geen stappen: geef minstens één fase zonder 'only'"]


def test_docs_screens_shows_every_screenshot_the_walk_saves_and_no_other():
    """docs/screens.md and docs/screens/ are made together (tests/e2e/test_step_screens.py with SCREENSHOT_DIR):
    a moment renamed or gone leaves no old picture behind, and none is shown that the walk does not make."""
    shown = set(re.findall(r"\]\(screens/([^)]+\.png)\)", (ROOT / "docs" / "screens.md").read_text(encoding="utf-8")))
    assert shown == {path.name for path in (ROOT / "docs" / "screens").glob("*.png")}
