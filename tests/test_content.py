"""The content files: the shipped set is valid and complete, broken copies are refused with clear messages."""
import shutil
from pathlib import Path

import pytest
import yaml

from webapp import create_app
from webapp.domain.content import ContentError, get_content, load_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"

# Published card ids: printed on paper cards and stored in records, so they may never change or disappear.
PUBLISHED_IDS = [f"leren-{n:02d}" for n in range(1, 20)] + [f"begeleiden-{n:02d}" for n in range(1, 21)]


@pytest.fixture(scope="module")
def content():
    return load_content(CONTENT_DIR)


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """A fresh copy of the shipped content in tmp_path/content, and an editor for one of its files."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    monkeypatch.chdir(tmp_path)  # messages then show content/..., as a school sees them

    def edit(name: str, change) -> Path:
        path = target / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return target

    edit.dir = target
    return edit


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    return caught.value.problems


def test_shipped_content_is_valid(content):
    assert [deck.id for deck in content.decks] == ["leren", "begeleiden"]
    assert [deck.label for deck in content.decks] == ["Set 1 Leren", "Set 2 Begeleiden"]
    assert len(content.principles) == 6
    assert [moment.id for moment in content.moments] == ["voor", "tijdens", "na"]
    for moment in content.moments:
        assert {group.role for group in moment.tasks} == {"student", "stagedocent", "praktijkopleider"}


def test_each_deck_has_at_least_15_cards(content):
    for deck in content.decks:
        assert len(deck.cards) >= 15, deck.id


def test_card_ids_are_unique_and_published_ids_stay(content):
    ids = [card.id for card in content.cards]
    assert len(ids) == len(set(ids))
    assert set(PUBLISHED_IDS) <= set(ids), "a published card id was changed or removed"
    for card in content.cards:
        assert card.id.startswith(card.deck + "-")


def test_cards_are_for_the_right_people(content):
    assert {card.for_role for card in content.deck("leren").cards} == {"student"}
    assert {card.for_role for card in content.deck("begeleiden").cards} == {"student", "praktijkopleider"}
    for card in content.cards:
        assert card.question.endswith(("?", ".")) and len(card.help) <= 2


def test_phases_come_in_order_with_their_decks(content):
    assert [phase.id for phase in content.phases] == [
        "voorbereiden", "kennismaken", "leren", "begeleiden", "afspraken", "afronden"]
    assert content.phase("leren").deck == "leren"
    assert content.phase("begeleiden").deck == "begeleiden"
    assert all(phase.minutes > 0 and phase.instruction for phase in content.phases)


def test_lookups(content):
    card = content.card("leren-03")
    assert card.deck == "leren" and card.for_role == "student" and card.question
    assert content.deck("begeleiden").colour.startswith("#")
    assert content.card("leren-99") is None and content.deck("x") is None and content.phase("x") is None


def test_instructie_has_the_ways_to_use_the_cards(content):
    assert [way.id for way in content.ways] == ["voorbereiden", "openen", "trekken", "kiezen", "terugkijken"]
    assert content.instruction_intro and all(way.steps for way in content.ways)


def test_app_exposes_the_loaded_content(app):
    with app.app_context():
        assert get_content().card("begeleiden-01").for_role == "praktijkopleider"


def test_empty_question_is_refused_naming_file_and_card(copy):
    directory = copy("decks/leren.yaml", lambda data: data["cards"][2].update(question="  "))
    assert "content/decks/leren.yaml: kaartje 'leren-03': vraag is leeg" in problems_of(directory)


def test_missing_id_is_refused(copy):
    directory = copy("decks/leren.yaml", lambda data: data["cards"][2].pop("id"))
    assert "content/decks/leren.yaml: kaartje 3: id ontbreekt (veld 'id')" in problems_of(directory)


def test_duplicate_id_in_a_deck_is_refused(copy):
    directory = copy("decks/leren.yaml", lambda data: data["cards"][1].update(id="leren-01"))
    assert "content/decks/leren.yaml: kaartje 'leren-01': id komt twee keer voor" in problems_of(directory)


def test_duplicate_id_across_decks_is_refused(copy):
    directory = copy("decks/leren.yaml", lambda data: data["cards"][0].update(id="begeleiden-05"))
    problems = problems_of(directory)
    assert any("kaartje 'begeleiden-05': id komt al voor in set" in problem for problem in problems), problems


def test_unknown_role_is_refused(copy):
    directory = copy("decks/begeleiden.yaml", lambda data: data["cards"][0].update({"for": "mentor"}))
    assert ("content/decks/begeleiden.yaml: kaartje 'begeleiden-01': onbekende rol 'mentor' "
            "(kies uit praktijkopleider, stagedocent, student)") in problems_of(directory)


def test_unknown_role_in_the_stappenplan_is_refused(copy):
    directory = copy("stappenplan.yaml", lambda data: data["moments"][0]["tasks"].update(ouder=["Lees mee."]))
    assert any("moment 'voor', rol 'ouder': onbekende rol" in problem for problem in problems_of(directory))


def test_phase_with_unknown_deck_or_bad_minutes_is_refused(copy):
    def break_phases(data):
        data["phases"][2]["deck"] = "spelen"
        data["phases"][3]["minutes"] = 0
        data["phases"][4]["minutes"] = "vijf"
    problems = problems_of(copy("stappenplan.yaml", break_phases))
    assert "content/stappenplan.yaml: fase 'leren': onbekende set 'spelen' (kies uit begeleiden, leren)" in problems
    assert "content/stappenplan.yaml: fase 'begeleiden': minuten moet een heel getal groter dan 0 zijn" in problems
    assert "content/stappenplan.yaml: fase 'afspraken': veld 'minutes' moet een heel getal zijn" in problems


def test_typo_in_a_field_name_is_refused(copy):
    directory = copy("decks/leren.yaml", lambda data: data["cards"][0].update(qestion="Wat?"))
    assert "content/decks/leren.yaml: kaartje 'leren-01': onbekend veld 'qestion'" in problems_of(directory)


def test_broken_yaml_and_missing_file_are_refused(copy):
    (copy.dir / "instructie.yaml").write_text("intro: [niet dicht\n", encoding="utf-8")
    (copy.dir / "uitgangspunten.yaml").unlink()
    problems = problems_of(copy.dir)
    assert any(problem.startswith("content/instructie.yaml: geen geldige YAML (regel") for problem in problems)
    assert "content/uitgangspunten.yaml: bestand ontbreekt" in problems


def test_all_problems_are_reported_at_once(copy):
    def break_two(data):
        data["cards"][0]["question"] = ""
        data["cards"][1]["for"] = "niemand"
    assert len(problems_of(copy("decks/leren.yaml", break_two))) == 2


def test_app_refuses_to_start_on_broken_content(copy, tmp_path):
    directory = copy("decks/leren.yaml", lambda data: data["cards"][2].update(question=""))
    with pytest.raises(ContentError, match="vraag is leeg"):
        create_app({"TESTING": True, "CONTENT_DIR": str(directory),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SOCKETIO_ASYNC_MODE": "threading"})


def test_app_uses_another_content_dir(copy, tmp_path):
    directory = copy("decks/leren.yaml", lambda data: data["cards"][0].update(question="Wie ben jij?"))
    app = create_app({"TESTING": True, "CONTENT_DIR": str(directory),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "SOCKETIO_ASYNC_MODE": "threading"})
    with app.app_context():
        assert get_content().card("leren-01").question == "Wie ben jij?"


def test_cli_check_says_ok_with_counts(runner):
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 6 uitgangspunten") and "leren 19" in result.output


def test_cli_check_lists_problems_and_fails(runner, copy):
    directory = copy("decks/leren.yaml", lambda data: data["cards"][2].update({"for": "mentor"}))
    result = runner.invoke(args=["content", "check", str(directory)])
    assert result.exit_code == 1
    assert "kaartje 'leren-03': onbekende rol 'mentor'" in result.output
