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
# A phase may be meant only for a conversation people were asked to prepare for (planned ahead, or a
# vervolggesprek): a quick one, made at the table, starts without it.
PHASE_ONLY = {"voorbereid": "alleen in een gepland gesprek of een vervolggesprek"}


@dataclass(frozen=True)
class Task:
    text: str
    only: str | None = None  # a key of TASK_ONLY, or None: in every conversation

    def fits(self, follow_up: bool) -> bool:
        return self.only is None or self.only == ("vervolg" if follow_up else "eerste")

    @property
    def only_label(self) -> str:
        """'alleen in een vervolggesprek', or '' for a task in every conversation."""
        return TASK_ONLY.get(self.only or "", "")


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
    """One step of the conversation in the room; `purpose` what it is for (PURPOSES: what the Gesprek tab
    shows first in it); `deck` is the deck a cards step uses, or None; `tasks` what each role does in it (the
    stappenplan's 'tijdens'); `only` a key of PHASE_ONLY, or None: a step of every conversation."""

    id: str
    title: str
    instruction: str
    purpose: str
    deck: str | None
    minutes: int
    tasks: tuple[RoleTasks, ...] = ()
    only: str | None = None

    def tasks_for(self, role: str, follow_up: bool | None = None) -> tuple[Task, ...]:
        return _tasks_for(self.tasks, role, follow_up)

    def fits(self, prepared: bool) -> bool:
        """Whether this is a step of a conversation people were (or were not) asked to prepare for."""
        return self.only is None or prepared

    @property
    def only_label(self) -> str:
        """'alleen in een gepland gesprek of een vervolggesprek', or '' for a step of every conversation."""
        return PHASE_ONLY.get(self.only or "", "")


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

    @property
    def in_use(self) -> tuple[Card, ...]:
        """The cards on offer: every card but the retired ones (those are kept for old conversations)."""
        return tuple(card for card in self.cards if not card.retired)

    @property
    def takers(self) -> tuple[str, ...]:
        """The roles that draw or choose cards from this set at the table: the `for` of its cards in use
        that are not private, in the order of ROLES. (The stagedocent may only suggest a card.)"""
        used = {card.for_role for card in self.in_use if not card.private}
        return tuple(role for role in ROLES if role in used)


@dataclass(frozen=True)
class Way:
    """One way or moment to use the cards, from the instructie."""

    id: str
    title: str
    when: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class RoleInfo:
    """One of the three people at the table, as explained to someone preparing at home."""

    id: str
    title: str
    also_called: tuple[str, ...]
    text: str

    @property
    def also_called_text(self) -> str:
        """The other names in a Dutch list: 'BPV-docent, BPV-begeleider of BPV-consulent'."""
        names = list(self.also_called)
        return " of ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


@dataclass(frozen=True)
class Content:
    principles: tuple[Principle, ...]
    moments: tuple[Moment, ...]
    phases: tuple[Phase, ...]
    decks: tuple[Deck, ...]
    instruction_intro: str
    ways: tuple[Way, ...]
    about: str = ""  # what the conversation is, for someone preparing at home (gesprek.yaml)
    roles: tuple[RoleInfo, ...] = ()  # the three roles, in the order of ROLES (gesprek.yaml)
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

    def moment(self, moment_id: str) -> Moment | None:
        return next((moment for moment in self.moments if moment.id == moment_id), None)

    def role_info(self, role: str) -> RoleInfo | None:
        return next((info for info in self.roles if info.id == role), None)

    def summary(self) -> str:
        decks = ", ".join(f"{deck.id} {len(deck.cards)}" for deck in self.decks)
        private = sum(card.private for card in self.cards)
        retired = sum(card.retired for card in self.cards)
        return (f"{len(self.principles)} uitgangspunten, {len(self.moments)} momenten, "
                f"{len(self.phases)} fasen, {len(self.ways)} manieren, {len(self.roles)} rollen, "
                f"kaartjes: {decks} ({private} apart met de stagedocent, {retired} niet meer in gebruik)")


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
    about, roles = _load_gesprek(root, problems)
    if problems:
        raise ContentError(list(problems))
    return Content(principles, moments, phases, decks, intro, ways, about, roles)


def init_app(app: Flask) -> None:
    """Load the content once at start-up; a broken folder raises, so the app refuses to start."""
    app.extensions[EXTENSION_KEY] = load_content(app.config["CONTENT_DIR"])
    app.cli.add_command(content_cli)
    # Templates and their macros (e.g. the role choice in macros/forms.html) read the content through this.
    app.add_template_global(get_content, "get_content")


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


# What a phase is for (its `for:`), and so what the Gesprek tab shows first in it (static/app.css, "a step is a
# screen"): talking (the step's task), the cards of its deck, the afspraken, a vervolggesprek's look back on the
# conversation before, or wrapping up (the next date, then "Gesprek afronden").
PURPOSES = {"talk": "praten", "cards": "kaartjes uit de set", "agreements": "afspraken maken",
            "look_back": "terugkijken", "wrap_up": "afronden"}

# The moments of the stappenplan outside the room; what happens during the conversation is each phase's tasks.
MOMENT_IDS = ("voor", "na")


def _load_stappenplan(root: Path, problems: Problems, deck_ids: set[str]):
    path = root / "stappenplan.yaml"
    data = read_yaml(path, problems, {"moments", "phases"})
    moments = check_items(path, data, "moments", "moment", problems,
                          {"id": "id", "title": "titel", "tasks": "taken"}, {"tasks": dict})
    for moment in moments:
        if moment["id"] not in MOMENT_IDS:
            problems.add(path, f"moment '{moment['id']}'",
                         f"onbekend moment (kies uit {', '.join(MOMENT_IDS)}); "
                         "wat tijdens het gesprek gebeurt, staat bij de fasen onder 'tasks'")
    if data is not None and isinstance(data.get("moments"), list):
        given = {moment.get("id") for moment in data["moments"] if isinstance(moment, dict)}
        for missing in (moment_id for moment_id in MOMENT_IDS if moment_id not in given):
            problems.add(path, f"moment '{missing}'", "ontbreekt")
    phases = check_items(path, data, "phases", "fase", problems,
                         {"id": "id", "title": "titel", "instruction": "instructie", "for": "waarvoor de fase is",
                          "deck": None, "minutes": "minuten", "tasks": None, "only": None},
                         {"minutes": int, "tasks": dict}, {"only": PHASE_ONLY})
    # Every phase read well, yet none for a conversation made at the table: it would have no step to show.
    listed = data.get("phases") if data is not None else None
    if isinstance(listed, list) and len(phases) == len(listed) and all(phase["only"] for phase in phases):
        problems.add(path, None, "een gesprek aan tafel heeft dan geen stappen: geef minstens één fase zonder 'only'")
    for phase in phases:
        where = f"fase '{phase['id']}'"
        if phase["for"] not in PURPOSES:
            problems.add(path, where, f"onbekend doel for: '{phase['for']}' (kies uit {_choices(PURPOSES)})")
        elif phase["for"] == "cards" and phase["deck"] is None:
            problems.add(path, where, "een fase met for: cards heeft een set nodig (deck)")
        elif phase["for"] != "cards" and phase["deck"] is not None:
            problems.add(path, where, "alleen een fase met for: cards gebruikt een set; zet deck: null")
        if phase["deck"] is not None and phase["deck"] not in deck_ids:
            problems.add(path, where, f"onbekende set '{phase['deck']}' (kies uit {_choices(deck_ids)})")
        if phase["minutes"] <= 0:
            problems.add(path, where, "minuten moet een heel getal groter dan 0 zijn")
    return (tuple(Moment(item["id"], item["title"], _role_tasks(path, f"moment '{item['id']}'", item["tasks"],
                                                                 problems, every_role=True))
                  for item in moments if item["id"] in MOMENT_IDS),
            tuple(Phase(item["id"], item["title"], item["instruction"], item["for"], item["deck"], item["minutes"],
                        _role_tasks(path, f"fase '{item['id']}'", item["tasks"] or {}, problems), item["only"])
                  for item in phases))


def _role_tasks(path: Path, where: str, tasks: dict, problems: Problems,
                every_role: bool = False) -> tuple[RoleTasks, ...]:
    """Each role's checklist, in the order of ROLES; with `every_role`, all three roles must have one."""
    groups = {}
    for role, items in tasks.items():
        place = f"{where}, rol '{role}'"
        if role not in ROLES:
            problems.add(path, place, f"onbekende rol '{role}' (kies uit {_choices(ROLES)})")
        elif not isinstance(items, list) or not items:
            problems.add(path, place, "geef een lijst met taken, zonder lege taak")
        else:
            parsed = [_task(path, f"{place}, taak {number}", raw, problems)
                      for number, raw in enumerate(items, start=1)]
            groups[role] = RoleTasks(role, tuple(task for task in parsed if task))
    if every_role:
        for role in ROLES:
            if role not in tasks:
                problems.add(path, f"{where}, rol '{role}'", "taken ontbreken: elke rol heeft een lijst met taken")
    return tuple(groups[role] for role in ROLES if role in groups)


def _task(path: Path, where: str, raw, problems: Problems) -> Task | None:
    """A task is a text, or `{text: ..., only: eerste|vervolg}` for a task in only a first or a follow-up."""
    if isinstance(raw, str):
        if raw.strip():
            return Task(raw.strip())
        problems.add(path, where, "taak is leeg")
        return None
    item = check_fields(path, raw, where, {"text": "tekst", "only": None}, {}, problems, {"only": TASK_ONLY})
    return Task(item["text"], item["only"]) if item else None


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


CARD_FIELDS = {"id": "id", "for": "voor wie", "question": "vraag", "help": None, "why": "waarom",
               "moments": None, "private": None, "retired": None}
CARD_KINDS = {"help": list, "moments": list, "private": bool, "retired": bool}


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
    items = check_items(path, meta, "cards", "kaartje", problems, CARD_FIELDS, CARD_KINDS)
    cards = []
    for item in items:
        card = _card(path, item, meta["id"], problems, owners)
        if card:
            cards.append(card)
    return Deck(meta["id"], meta["number"], meta["title"], meta["colour"], meta["description"], tuple(cards))


def _card(path: Path, item: dict, deck_id: str, problems: Problems, owners: dict[str, str]) -> Card | None:
    where = f"kaartje '{item['id']}'"
    before = len(problems)
    if item["id"] in owners:
        problems.add(path, where, f"id komt al voor in set '{owners[item['id']]}'")
    owners[item["id"]] = deck_id
    if item["for"] not in ROLES:
        problems.add(path, where, f"onbekende rol '{item['for']}' (kies uit {_choices(ROLES)})")
    help_questions = item["help"] or []
    if help_questions and (len(help_questions) > 2 or not _texts(help_questions)):
        problems.add(path, where, "geef hoogstens 2 hulpvragen, zonder lege")
    moments = item["moments"]
    if moments is not None:
        unknown = [moment for moment in moments if not isinstance(moment, str) or moment not in STAGE_MOMENTS]
        if not moments:
            problems.add(path, where, "momenten is leeg: laat het veld 'moments' weg als het kaartje altijd past")
        for moment in unknown:
            problems.add(path, where, f"onbekend moment '{moment}' (kies uit {', '.join(STAGE_MOMENTS)})")
    if item["private"] and item["for"] != "student":
        problems.add(path, where, "alleen een kaartje voor de student kan 'private' zijn "
                                  "(apart met de student en de stagedocent)")
    if len(problems) > before:
        return None
    return Card(item["id"], deck_id, item["question"], item["for"],
                tuple(str(text).strip() for text in help_questions), item["why"],
                tuple(moment for moment in STAGE_MOMENTS if moment in (moments or ())),
                bool(item["private"]), bool(item["retired"]))


def _load_gesprek(root: Path, problems: Problems) -> tuple[str, tuple[RoleInfo, ...]]:
    """What the conversation is and who the three people are, for someone preparing at home."""
    path = root / "gesprek.yaml"
    data = read_yaml(path, problems, {"about", "roles"})
    about = data and check_fields(path, {"about": data.get("about")}, "uitleg", {"about": "uitleg"}, {}, problems)
    items = check_items(path, data, "roles", "rol", problems,
                        {"id": "id", "title": "titel", "also_called": None, "text": "tekst"}, {"also_called": list})
    roles = {}
    for item in items:
        where = f"rol '{item['id']}'"
        names = item["also_called"]
        if item["id"] not in ROLES:
            problems.add(path, where, f"onbekende rol (kies uit {_choices(ROLES)})")
        elif names is not None and not _texts(names):
            problems.add(path, where, "geef bij 'also_called' een lijst met namen, zonder lege naam")
        else:
            roles[item["id"]] = RoleInfo(item["id"], item["title"],
                                         tuple(name.strip() for name in names or ()), item["text"])
    if data is not None and isinstance(data.get("roles"), list):
        given = {item.get("id") for item in data["roles"] if isinstance(item, dict)}
        for role in ROLES:
            if role not in given:
                problems.add(path, f"rol '{role}'", "ontbreekt: beschrijf alle drie de rollen")
    return (about or {}).get("about", ""), tuple(roles[role] for role in ROLES if role in roles)


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
