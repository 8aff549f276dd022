"""The gesprekstool's content: uitgangspunten, stappenplan, decks of vragenkaartjes and instructie.

Content lives in YAML files under CONTENT_DIR so a school can adapt it without code. It is checked as a
whole when the app starts: a broken file stops the app with errors that name the file, the item and the
problem, because a mistake found at start-up costs a minute and one found in a live conversation costs
the conversation.
"""
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp.domain.content_schema import Problems, check_fields, check_items, read_yaml
from webapp.domain.roles import ROLES

EXTENSION_KEY = "stagegesprek_content"


class ContentError(Exception):
    """The content folder has problems; `problems` lists them, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("De inhoud klopt niet:\n" + "\n".join(f"- {problem}" for problem in problems))


@dataclass(frozen=True)
class Principle:
    id: str
    title: str
    text: str


# The moments of a stage at which a conversation takes place; a card says at which it fits.
STAGE_MOMENTS = {"start": "begin van de stage", "midden": "midden van de stage", "eind": "eind van de stage"}
# A task of the stappenplan may be meant only for a first conversation or only for a vervolggesprek.
TASK_ONLY = {"eerste": "alleen in een eerste gesprek", "vervolg": "alleen in een vervolggesprek"}


@dataclass(frozen=True)
class Task:
    text: str
    only: str | None = None  # a key of TASK_ONLY, or None: in every conversation

    def fits(self, follow_up: bool) -> bool:
        return self.only is None or self.only == ("vervolg" if follow_up else "eerste")


@dataclass(frozen=True)
class RoleTasks:
    role: str
    items: tuple[Task, ...]


def _tasks_for(groups: tuple[RoleTasks, ...], role: str, follow_up: bool | None) -> tuple[Task, ...]:
    group = next((g for g in groups if g.role == role), None)
    items = group.items if group else ()
    return items if follow_up is None else tuple(task for task in items if task.fits(follow_up))


@dataclass(frozen=True)
class Moment:
    """Voor or na the conversation: a checklist per role. (Tijdens: each phase's tasks.)"""

    id: str
    title: str
    tasks: tuple[RoleTasks, ...]

    def tasks_for(self, role: str, follow_up: bool | None = None) -> tuple[Task, ...]:
        """A role's tasks; with `follow_up` given, only those that fit a first or a follow-up conversation."""
        return _tasks_for(self.tasks, role, follow_up)


@dataclass(frozen=True)
class Phase:
    """One step of the conversation in the room; `deck` is the deck it uses, or None; `tasks` what each
    role does in it (the stappenplan's 'tijdens')."""

    id: str
    title: str
    instruction: str
    deck: str | None
    minutes: int
    tasks: tuple[RoleTasks, ...] = ()

    def tasks_for(self, role: str, follow_up: bool | None = None) -> tuple[Task, ...]:
        return _tasks_for(self.tasks, role, follow_up)


@dataclass(frozen=True)
class Card:
    id: str
    deck: str
    question: str
    for_role: str
    help: tuple[str, ...] = ()
    why: str = ""  # "waarom deze vraag": what the research says, shown on request and on the print sheet
    moments: tuple[str, ...] = ()  # keys of STAGE_MOMENTS where it fits best; empty: any moment
    # Asked only with the student and stagedocent alone: never drawn at random, never on the shared table.
    private: bool = False
    # Kept so old conversations still show it; never offered again (ids are never removed).
    retired: bool = False

    def fits(self, stage_moment: str) -> bool:
        return not self.moments or stage_moment in self.moments


@dataclass(frozen=True)
class Deck:
    id: str
    number: int
    title: str
    colour: str
    description: str
    cards: tuple[Card, ...]

    @property
    def label(self) -> str:
        return f"Set {self.number} {self.title}"


@dataclass(frozen=True)
class Way:
    """One way or moment to use the cards, from the instructie."""

    id: str
    title: str
    when: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Content:
    principles: tuple[Principle, ...]
    moments: tuple[Moment, ...]
    phases: tuple[Phase, ...]
    decks: tuple[Deck, ...]
    instruction_intro: str
    ways: tuple[Way, ...]
    _cards: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_cards", {card.id: card for card in self.cards})

    @property
    def cards(self) -> tuple[Card, ...]:
        return tuple(card for deck in self.decks for card in deck.cards)

    def card(self, card_id: str) -> Card | None:
        return self._cards.get(card_id)

    def deck(self, deck_id: str) -> Deck | None:
        return next((deck for deck in self.decks if deck.id == deck_id), None)

    def phase(self, phase_id: str) -> Phase | None:
        return next((phase for phase in self.phases if phase.id == phase_id), None)

    def summary(self) -> str:
        decks = ", ".join(f"{deck.id} {len(deck.cards)}" for deck in self.decks)
        return (f"{len(self.principles)} uitgangspunten, {len(self.moments)} momenten, "
                f"{len(self.phases)} fasen, {len(self.ways)} manieren, kaartjes: {decks}")


def load_content(directory: str | os.PathLike) -> Content:
    """Read and check every content file; raise ContentError listing all problems at once."""
    root = Path(directory)
    problems = Problems(root)
    if not root.is_dir():
        raise ContentError([f"{problems.show(root)}: map met inhoud bestaat niet"])
    decks = _load_decks(root, problems)
    deck_ids = {deck.id for deck in decks}
    principles = _load_principles(root, problems)
    moments, phases = _load_stappenplan(root, problems, deck_ids)
    intro, ways = _load_instructie(root, problems)
    if problems:
        raise ContentError(list(problems))
    return Content(principles, moments, phases, decks, intro, ways)


def init_app(app: Flask) -> None:
    """Load the content once at start-up; a broken folder raises, so the app refuses to start."""
    app.extensions[EXTENSION_KEY] = load_content(app.config["CONTENT_DIR"])
    app.cli.add_command(content_cli)


def get_content() -> Content:
    return current_app.extensions[EXTENSION_KEY]


content_cli = AppGroup("content", help="De inhoud van de gesprekstool (kaartjes, stappenplan, ...).")


@content_cli.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def check_command(directory: str | None) -> None:
    """Check a content folder (default: CONTENT_DIR) before you use it; exits 1 on problems."""
    try:
        content = load_content(directory or current_app.config["CONTENT_DIR"])
    except ContentError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1)
    click.echo(f"OK: {content.summary()}")


def _load_principles(root: Path, problems: Problems) -> tuple[Principle, ...]:
    path = root / "uitgangspunten.yaml"
    data = read_yaml(path, problems, {"principles"})
    items = check_items(path, data, "principles", "uitgangspunt", problems,
                        {"id": "id", "title": "titel", "text": "tekst"})
    return tuple(Principle(**item) for item in items)


def _load_stappenplan(root: Path, problems: Problems, deck_ids: set[str]):
    path = root / "stappenplan.yaml"
    data = read_yaml(path, problems, {"moments", "phases"})
    moments = check_items(path, data, "moments", "moment", problems,
                          {"id": "id", "title": "titel", "tasks": "taken"}, {"tasks": dict})
    phases = check_items(path, data, "phases", "fase", problems,
                         {"id": "id", "title": "titel", "instruction": "instructie", "deck": None,
                          "minutes": "minuten"}, {"minutes": int})
    for phase in phases:
        where = f"fase '{phase['id']}'"
        if phase["deck"] is not None and phase["deck"] not in deck_ids:
            problems.add(path, where, f"onbekende set '{phase['deck']}' (kies uit {_choices(deck_ids)})")
        if phase["minutes"] <= 0:
            problems.add(path, where, "minuten moet een heel getal groter dan 0 zijn")
    return tuple(_moment(path, item, problems) for item in moments), tuple(Phase(**item) for item in phases)


def _moment(path: Path, item: dict, problems: Problems) -> Moment:
    tasks = []
    for role, items in item["tasks"].items():
        where = f"moment '{item['id']}', rol '{role}'"
        if role not in ROLES:
            problems.add(path, where, f"onbekende rol '{role}' (kies uit {_choices(ROLES)})")
        elif not _texts(items):
            problems.add(path, where, "geef een lijst met taken, zonder lege taak")
        else:
            tasks.append(RoleTasks(role, tuple(Task(task.strip()) for task in items)))
    return Moment(item["id"], item["title"], tuple(tasks))


def _load_decks(root: Path, problems: Problems) -> tuple[Deck, ...]:
    paths = sorted((root / "decks").glob("*.yaml"))
    if not paths:
        problems.add(root / "decks", None, "geen sets met kaartjes gevonden (*.yaml)")
    decks, owners = [], {}
    for path in paths:
        deck = _deck(path, problems, owners)
        if deck is None:
            continue
        for other in decks:
            if deck.id == other.id or deck.number == other.number:
                problems.add(path, f"set '{deck.id}'", f"id of nummer komt al voor bij set '{other.id}'")
        decks.append(deck)
    return tuple(sorted(decks, key=lambda deck: deck.number))


def _deck(path: Path, problems: Problems, owners: dict[str, str]) -> Deck | None:
    """One deck file; `owners` maps every card id seen so far to its deck, so ids stay unique across decks."""
    fields = {"id": "id", "number": "nummer", "title": "titel", "colour": "kleur", "description": "beschrijving",
              "cards": "kaartjes"}
    data = read_yaml(path, problems, set(fields))
    meta = data and check_fields(path, data, f"set '{data.get('id') or path.stem}'", fields,
                                 {"number": int, "cards": list}, problems)
    if not meta:
        return None
    where = f"set '{meta['id']}'"
    if meta["number"] <= 0:
        problems.add(path, where, "nummer moet een heel getal groter dan 0 zijn")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", meta["colour"]):
        problems.add(path, where, f"kleur '{meta['colour']}' moet een hexcode zijn, zoals #0b5cad")
    if not meta["cards"]:
        problems.add(path, where, "de set heeft geen kaartjes")
    items = check_items(path, meta, "cards", "kaartje", problems,
                        {"id": "id", "for": "voor wie", "question": "vraag", "help": None}, {"help": list})
    cards = []
    for item in items:
        where = f"kaartje '{item['id']}'"
        if item["id"] in owners:
            problems.add(path, where, f"id komt al voor in set '{owners[item['id']]}'")
        owners[item["id"]] = meta["id"]
        if item["for"] not in ROLES:
            problems.add(path, where, f"onbekende rol '{item['for']}' (kies uit {_choices(ROLES)})")
        help_questions = item["help"] or []
        if help_questions and (len(help_questions) > 2 or not _texts(help_questions)):
            problems.add(path, where, "geef hoogstens 2 hulpvragen, zonder lege")
        cards.append(Card(item["id"], meta["id"], item["question"], item["for"],
                          tuple(str(text).strip() for text in help_questions)))
    return Deck(meta["id"], meta["number"], meta["title"], meta["colour"], meta["description"], tuple(cards))


def _load_instructie(root: Path, problems: Problems) -> tuple[str, tuple[Way, ...]]:
    path = root / "instructie.yaml"
    data = read_yaml(path, problems, {"intro", "ways"})
    intro = data and check_fields(path, {"intro": data.get("intro")}, "inleiding", {"intro": "inleiding"}, {},
                                  problems)
    ways = check_items(path, data, "ways", "manier", problems,
                       {"id": "id", "title": "titel", "when": "moment", "steps": "stappen"}, {"steps": list})
    for way in ways:
        if not _texts(way["steps"]):
            problems.add(path, f"manier '{way['id']}'", "geef een lijst met stappen, zonder lege stap")
    return (intro or {}).get("intro", ""), tuple(
        Way(way["id"], way["title"], way["when"], tuple(str(step).strip() for step in way["steps"]))
        for way in ways)


def _texts(values) -> bool:
    """A non-empty list of non-empty texts."""
    return isinstance(values, list) and bool(values) and all(isinstance(v, str) and v.strip() for v in values)


def _choices(values) -> str:
    return ", ".join(sorted(values))
