"""The content files: the shipped set is valid and complete, broken copies are refused with clear messages."""
import re
import shutil
from pathlib import Path

import pytest
import yaml

from webapp import create_app
from webapp.domain.content import STAGE_MOMENTS, ContentError, RoleTasks, Task, get_content, load_content
from webapp.domain.roles import ROLES

ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = ROOT / "content"

# Published card ids: printed on paper cards and stored in records, so they may never change or disappear.
PUBLISHED_IDS = [f"leren-{n:02d}" for n in range(1, 20)] + [f"begeleiden-{n:02d}" for n in range(1, 26)]


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
    assert [moment.id for moment in content.moments] == ["voor", "na"]
    for moment in content.moments:
        assert [group.role for group in moment.tasks] == ["student", "stagedocent", "praktijkopleider"]
    assert [role.id for role in content.roles] == ["student", "stagedocent", "praktijkopleider"]
    assert content.about


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


def test_lookups_of_moments_and_roles(content):
    assert content.moment("voor").title and content.moment("tijdens") is None
    stagedocent = content.role_info("stagedocent")
    assert stagedocent.title == "Stagedocent" and stagedocent.text
    assert {"BPV-docent", "BPV-begeleider"} <= set(stagedocent.also_called)
    assert {"werkbegeleider", "praktijkbegeleider"} <= set(content.role_info("praktijkopleider").also_called)
    assert content.role_info("mentor") is None


# ---- The stappenplan: voor, tijdens (each phase's tasks) and na, for each role ----

def test_every_role_has_something_to_do_in_every_phase_first_and_follow_up(content):
    for phase in content.phases:
        for role in ROLES:
            for follow_up in (False, True):
                assert phase.tasks_for(role, follow_up), (phase.id, role, follow_up)


def test_a_task_for_a_follow_up_is_not_asked_in_a_first_conversation(content):
    reread = "Lees de afspraken van het vorige gesprek nog eens."
    voor = content.moment("voor")
    assert Task(reread, "vervolg") in voor.tasks_for("stagedocent")
    assert reread not in [task.text for task in voor.tasks_for("stagedocent", follow_up=False)]
    assert reread in [task.text for task in voor.tasks_for("stagedocent", follow_up=True)]


def test_preparing_includes_choosing_cards(content):
    voor = content.moment("voor")
    assert any("kaartjes" in task.text for task in voor.tasks_for("student"))
    assert any("set Begeleiden" in task.text for task in voor.tasks_for("praktijkopleider"))


def test_in_the_leren_phase_everyone_has_their_own_part(content):
    """Feedback, feed up and feed forward from the workplace; the school says what it needs to see (which
    used to be a student's card); the student brings a real moment."""
    leren = content.phase("leren")
    praktijkopleider = [task.text for task in leren.tasks_for("praktijkopleider")]
    assert "Vertel wat de student goed doet, met een voorbeeld." in praktijkopleider
    assert "Zeg wat de volgende stap is." in praktijkopleider
    assert "Vertel wat de school van het werk wil zien." in [task.text for task in leren.tasks_for("stagedocent")]
    assert "Vertel over een echt moment uit je werk." in [task.text for task in leren.tasks_for("student")]


# ---- Who takes a card: the phases, the instructie and the stappenplan say the same as the rules ----
# Set Leren is the student's. In set Begeleiden the person a card is for draws or chooses it. The stagedocent
# may suggest a card; the one it is for says yes or no.

DRAW = re.compile(r"\b(trek|trekt|trekken|kies|kiest|kiezen)\b", re.IGNORECASE)
A_CARD = re.compile(r"\b(kaartjes?|vraag|vragen)\b", re.IGNORECASE)
EVERYONE = re.compile(r"\b(iedereen|jullie|allemaal|samen)\b", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.?!])\s+", text.strip()) if part]


def named_roles(text: str) -> set[str]:
    return {role for role in ROLES if re.search(rf"\b{role}\b", text, re.IGNORECASE)}


def draw_sentences(text: str) -> list[str]:
    """The sentences that tell someone to draw or choose a card."""
    return [s for s in split_sentences(text) if DRAW.search(s) and A_CARD.search(s)]


def draw_problems(content, text: str, decks, role: str | None = None) -> list[str]:
    """What is wrong with how `text` says who draws or chooses a card from `decks` (those named in a sentence,
    else all of `decks`); `role` is the reader, for a task under a role's name."""
    problems = []
    for sentence in draw_sentences(text):
        named = named_roles(sentence) | ({role} if role else set())
        meant = [deck for deck in decks if f"set {deck.title}" in sentence] or decks
        takers = {taker for deck in meant for taker in deck.takers}
        if not named:
            problems.append(f"says nobody in particular draws or chooses: {sentence!r}")
        elif named - takers:
            problems.append(f"lets {sorted(named - takers)} take a card: {sentence!r}")
        if EVERYONE.search(sentence) or (role is None and DRAW.match(sentence)):
            problems.append(f"tells everyone to take a card: {sentence!r}")
    return problems


def test_who_may_take_a_card_from_each_set(content):
    assert content.deck("leren").takers == ("student",)
    assert content.deck("begeleiden").takers == ("student", "praktijkopleider")


def test_each_phase_with_a_set_names_who_takes_its_cards_and_that_the_stagedocent_may_suggest(content):
    for phase in (phase for phase in content.phases if phase.deck):
        deck = content.deck(phase.deck)
        assert set(deck.takers) <= named_roles(phase.instruction), phase.id
        assert re.search(r"stagedocent\b[^.]*\bvoorstellen", phase.instruction), phase.id
        assert draw_problems(content, phase.instruction, [deck]) == [], phase.id
        for group in phase.tasks:
            for task in group.items:
                assert draw_problems(content, task.text, [deck], group.role) == [], phase.id


def test_no_phase_without_a_set_tells_anyone_to_draw_or_choose_a_card(content):
    for phase in (phase for phase in content.phases if not phase.deck):
        texts = [phase.instruction] + [task.text for group in phase.tasks for task in group.items]
        assert [s for text in texts for s in draw_sentences(text)] == [], phase.id


def test_the_instructie_and_the_stappenplan_say_the_same_about_who_takes_a_card(content):
    steps = [content.instruction_intro] + [step for way in content.ways for step in way.steps]
    assert [problem for step in steps for problem in draw_problems(content, step, content.decks)] == []
    for deck in content.decks:  # the instructie names, for each set, everyone who may take its cards
        named = {role for step in steps for s in draw_sentences(step) if f"set {deck.title}" in s
                 for role in named_roles(s)}
        assert named == set(deck.takers), deck.id
    assert any(re.search(r"stagedocent\b[^.]*\bvoorstellen", step) for step in steps)
    for moment in content.moments:
        for group in moment.tasks:
            for task in group.items:
                assert draw_problems(content, task.text, content.decks, group.role) == [], task.text


def test_the_rule_check_catches_the_old_texts(content):
    """The check above would have refused what the instructie and the Begeleiden phase used to say."""
    assert draw_problems(content, "Iedereen kiest een vraag die nu past.", content.decks)
    assert draw_problems(content, "Kies kaartjes voor de student en voor de praktijkopleider.", content.decks)
    assert draw_problems(content, "De stagedocent kiest een kaartje uit set Leren.", content.decks)
    assert draw_problems(content, "De praktijkopleider trekt een kaartje uit set Leren.", content.decks)


# ---- The cards: why, stage moments, private and retired ----

def test_every_card_says_why_in_one_or_two_sentences(content):
    for card in content.cards:
        assert 1 <= len(split_sentences(card.why)) <= 2, card.id


def test_each_set_has_cards_for_each_moment_of_the_stage(content):
    for deck in content.decks:
        offered = [card for card in deck.in_use if not card.private]
        for moment in STAGE_MOMENTS:
            assert any(moment in card.moments for card in offered), (deck.id, moment)


def test_cards_a_student_cannot_answer_in_front_of_the_workplace_are_private(content):
    private = [card for card in content.cards if card.private]
    assert {"leren-17", "leren-18"} <= {card.id for card in private}
    assert {card.for_role for card in private} == {"student"}


def test_the_schools_question_is_retired_and_kept(content):
    card = content.card("begeleiden-17")
    assert card.retired and card.question == "Wat moet de school van je werk zien?"
    assert [c.id for c in content.cards if c.retired] == ["begeleiden-17"]
    assert card not in content.deck("begeleiden").in_use


def test_no_card_opens_with_a_big_question(content):
    """Students find 'Wat wil je leren?' too big to start with: a card asks the small, concrete question."""
    big = {"Wat wil je in deze stage leren?", "Wat heb je deze week geleerd?", "Wat is je volgende stap?",
           "Wat verwacht je van je praktijkopleider?", "Hoe gaat het?"}
    assert not [card.id for card in content.cards if card.question in big and not card.retired]


def test_set_begeleiden_has_the_praktijkopleiders_side(content):
    """Showing the work, letting the student join in, entrusting (Ceelen), and small trust decisions (De Vos)."""
    new = [content.card(f"begeleiden-{n}") for n in range(21, 26)]
    assert all(card and card.for_role == "praktijkopleider" and card.why for card in new)
    questions = " ".join(card.question for card in new)
    for words in ("doe je de student voor", "meedoen", "helemaal zelf", "alleen, zonder dat je meekijkt"):
        assert words in questions


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


def test_what_a_phase_is_for_is_checked_naming_file_and_phase(copy):
    """A step's `for:` decides its screen: unknown, missing, or a set where no cards are taken, each is named."""
    def break_purposes(data):
        data["phases"][0]["for"] = "kletsen"
        del data["phases"][1]["for"]
        data["phases"][2]["deck"] = None  # leren is for cards
        data["phases"][4]["deck"] = "leren"  # afspraken is not
    problems = problems_of(copy("stappenplan.yaml", break_purposes))
    assert ("content/stappenplan.yaml: fase 'voorbereiden': onbekend doel for: 'kletsen' "
            "(kies uit agreements, cards, look_back, talk, wrap_up)") in problems
    assert "content/stappenplan.yaml: fase 'kennismaken': waarvoor de fase is ontbreekt (veld 'for')" in problems
    assert "content/stappenplan.yaml: fase 'leren': een fase met for: cards heeft een set nodig (deck)" in problems
    assert ("content/stappenplan.yaml: fase 'afspraken': alleen een fase met for: cards gebruikt een set; "
            "zet deck: null") in problems


def test_each_shipped_phase_is_for_what_its_screen_shows(content):
    assert {phase.id: phase.purpose for phase in content.phases} == {
        "voorbereiden": "look_back", "kennismaken": "talk", "leren": "cards", "begeleiden": "cards",
        "afspraken": "agreements", "afronden": "wrap_up"}


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


def test_new_fields_load(copy):
    def change_stappenplan(data):
        data["moments"][0]["tasks"]["student"] = ["Lees mee.", {"text": "Neem je map mee.", "only": "eerste"}]
        data["phases"][0]["tasks"] = {"praktijkopleider": [{"text": "Vertel iets.", "only": "vervolg"}]}
    copy("stappenplan.yaml", change_stappenplan)
    copy("decks/leren.yaml", lambda data: data["cards"][0].update(moments=["eind", "start"], private=True))
    content = load_content(copy.dir)
    student = RoleTasks("student", (Task("Lees mee."), Task("Neem je map mee.", "eerste")))
    assert content.moment("voor").tasks[0] == student
    assert content.phases[0].tasks == (RoleTasks("praktijkopleider", (Task("Vertel iets.", "vervolg"),)),)
    card = content.card("leren-01")
    assert card.moments == ("start", "eind") and card.private and not card.retired and card.why
    assert card.fits("eind") and not card.fits("midden")


def test_bad_tasks_in_the_stappenplan_are_refused(copy):
    def break_tasks(data):
        data["moments"][0]["tasks"]["student"][0] = {"text": "Lees mee.", "only": "altijd"}
        data["moments"][0]["tasks"]["student"][1] = {"only": "eerste"}
        data["moments"][1]["tasks"].pop("praktijkopleider")
        data["phases"][1]["tasks"] = {"ouder": ["Kijk mee."], "student": []}
    problems = problems_of(copy("stappenplan.yaml", break_tasks))
    assert ("content/stappenplan.yaml: moment 'voor', rol 'student', taak 1: onbekende keuze 'altijd' bij 'only' "
            "(kies uit eerste, vervolg)") in problems
    assert "content/stappenplan.yaml: moment 'voor', rol 'student', taak 2: tekst ontbreekt (veld 'text')" in problems
    assert ("content/stappenplan.yaml: moment 'na', rol 'praktijkopleider': taken ontbreken: "
            "elke rol heeft een lijst met taken") in problems
    assert any("fase 'kennismaken', rol 'ouder': onbekende rol" in problem for problem in problems), problems
    assert ("content/stappenplan.yaml: fase 'kennismaken', rol 'student': geef een lijst met taken, "
            "zonder lege taak") in problems
    assert len(problems) == 5, problems


def test_the_old_tijdens_moment_is_refused_and_a_missing_na_named(copy):
    def old_style(data):
        data["moments"][1]["id"] = "tijdens"
    problems = problems_of(copy("stappenplan.yaml", old_style))
    assert ("content/stappenplan.yaml: moment 'tijdens': onbekend moment (kies uit voor, na); "
            "wat tijdens het gesprek gebeurt, staat bij de fasen onder 'tasks'") in problems
    assert "content/stappenplan.yaml: moment 'na': ontbreekt" in problems


def test_bad_card_fields_are_refused(copy):
    def break_cards(data):
        data["cards"][0].pop("why")
        data["cards"][1]["moments"] = ["begin", "eind"]
        data["cards"][2]["private"] = "ja"
        data["cards"][3]["retired"] = 1
        data["cards"][4]["moments"] = []
    problems = problems_of(copy("decks/leren.yaml", break_cards))
    assert sorted(problems) == [
        "content/decks/leren.yaml: kaartje 'leren-01': waarom ontbreekt (veld 'why')",
        "content/decks/leren.yaml: kaartje 'leren-02': onbekend moment 'begin' (kies uit start, midden, eind)",
        "content/decks/leren.yaml: kaartje 'leren-03': veld 'private' moet true of false zijn",
        "content/decks/leren.yaml: kaartje 'leren-04': veld 'retired' moet true of false zijn",
        "content/decks/leren.yaml: kaartje 'leren-05': momenten is leeg: laat het veld 'moments' weg als het "
        "kaartje altijd past",
    ]


def test_a_private_card_must_be_for_the_student(copy):
    directory = copy("decks/begeleiden.yaml", lambda data: data["cards"][0].update(private=True))
    assert ("content/decks/begeleiden.yaml: kaartje 'begeleiden-01': alleen een kaartje voor de student kan "
            "'private' zijn (apart met de student en de stagedocent)") in problems_of(directory)


def test_bad_gesprek_is_refused(copy):
    def break_gesprek(data):
        data["about"] = " "
        data["roles"][0]["also_called"] = "stagiair"
        data["roles"][1]["id"] = "mentor"
        data["roles"].pop(2)
    problems = problems_of(copy("gesprek.yaml", break_gesprek))
    assert sorted(problems) == sorted([
        "content/gesprek.yaml: uitleg: uitleg is leeg",
        "content/gesprek.yaml: rol 'student': veld 'also_called' moet een lijst zijn",
        "content/gesprek.yaml: rol 'mentor': onbekende rol (kies uit praktijkopleider, stagedocent, student)",
        "content/gesprek.yaml: rol 'stagedocent': ontbreekt: beschrijf alle drie de rollen",
        "content/gesprek.yaml: rol 'praktijkopleider': ontbreekt: beschrijf alle drie de rollen",
    ])


def test_missing_gesprek_file_is_refused(copy):
    (copy.dir / "gesprek.yaml").unlink()
    assert "content/gesprek.yaml: bestand ontbreekt" in problems_of(copy.dir)


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
    assert "3 rollen" in result.output
    assert "3 apart met de stagedocent, 1 niet meer in gebruik" in result.output


def test_cli_check_lists_problems_and_fails(runner, copy):
    directory = copy("decks/leren.yaml", lambda data: data["cards"][2].update({"for": "mentor"}))
    result = runner.invoke(args=["content", "check", str(directory)])
    assert result.exit_code == 1
    assert "kaartje 'leren-03': onbekende rol 'mentor'" in result.output
