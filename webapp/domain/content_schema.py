"""Checks for the content files: read YAML and check fields, collecting every problem with its place.

Plain Python on purpose: the people who read these messages edit YAML at a school, so each message says
in Dutch which file, which item and what is wrong, e.g.
`content/decks/leren.yaml: kaartje 'leren-03': vraag is leeg`.
"""
import os
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

ID_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
KIND_NAMES = {str: "tekst", int: "een heel getal", list: "een lijst", dict: "velden per rol",
              bool: "true of false"}


class Problems:
    """Every problem found, as 'file: item: problem' lines, in the order found."""

    def __init__(self, root: Path):
        self.root = root
        self.lines: list[str] = []

    def add(self, path: Path, where: str | None, message: str) -> None:
        place = f"{self.show(path)}: {where}: " if where else f"{self.show(path)}: "
        self.lines.append(place + message)

    @staticmethod
    def show(path: Path) -> str:
        """The path as the person typed it, relative to where they are when that is shorter."""
        relative = os.path.relpath(path)
        return relative if not relative.startswith("..") else str(path)

    def __iter__(self):
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)


def read_yaml(path: Path, problems: Problems, allowed_keys: set[str]) -> dict | None:
    """The file's top-level mapping, or None after recording why it cannot be used."""
    if not path.is_file():
        problems.add(path, None, "bestand ontbreekt")
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (regel {mark.line + 1})" if mark else ""
        problems.add(path, None, f"geen geldige YAML{line}: {getattr(error, 'problem', error)}")
        return None
    if not isinstance(data, dict):
        problems.add(path, None, "het bestand moet velden hebben, zoals in het voorbeeld in content/README.md")
        return None
    for key in sorted(set(data) - allowed_keys):
        problems.add(path, None, f"onbekend veld '{key}'")
    return data


def check_items(path: Path, data: dict | None, key: str, label: str, problems: Problems,
                fields: dict[str, str | None], kinds: dict[str, type] | None = None,
                choices: dict[str, Iterable[str]] | None = None) -> list[dict]:
    """The valid items of the list `data[key]`; the problems of the others are recorded.

    `fields` maps each field to its Dutch name (required) or None (optional); `kinds` gives a field's
    type when it is not text; `choices` the words a field may be, when it is one of a few. Ids must be unique
    in the list and fit in a web address.
    """
    if data is None:
        return []
    items = data.get(key)
    if not isinstance(items, list):
        problems.add(path, None, f"veld '{key}' ontbreekt of is geen lijst")
        return []
    valid, seen = [], set()
    for position, raw in enumerate(items, start=1):
        ident = raw.get("id") if isinstance(raw, dict) else None
        where = f"{label} '{ident}'" if isinstance(ident, str) and ident else f"{label} {position}"
        item = check_fields(path, raw, where, fields, kinds or {}, problems, choices)
        if item is None:
            continue
        if item["id"] in seen:
            problems.add(path, where, "id komt twee keer voor")
            continue
        seen.add(item["id"])
        valid.append(item)
    return valid


def check_fields(path: Path, raw, where: str, fields: dict[str, str | None], kinds: dict[str, type],
                 problems: Problems, choices: dict[str, Iterable[str]] | None = None) -> dict | None:
    """The item with every field present (optional ones as None) and text stripped, or None if broken."""
    if not isinstance(raw, dict):
        problems.add(path, where, "moet velden hebben (naam: waarde)")
        return None
    before = len(problems)
    for unknown in sorted(set(raw) - set(fields)):
        problems.add(path, where, f"onbekend veld '{unknown}'")
    item = {}
    for name, dutch in fields.items():
        value = raw.get(name)
        kind = kinds.get(name, str)
        if value is None:
            if dutch is not None:
                problems.add(path, where, f"{dutch} ontbreekt (veld '{name}')")
        elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            problems.add(path, where, f"veld '{name}' moet {KIND_NAMES[kind]} zijn")
        elif kind is str and not value.strip():
            problems.add(path, where, f"{dutch or name} is leeg")
        elif name in (choices or {}) and value.strip() not in choices[name]:
            problems.add(path, where,
                         f"onbekende keuze '{value}' bij '{name}' (kies uit {', '.join(sorted(choices[name]))})")
        item[name] = value.strip() if isinstance(value, str) else value
    if "id" in fields and isinstance(item.get("id"), str) and not ID_PATTERN.fullmatch(item["id"]):
        problems.add(path, where, "id mag alleen kleine letters, cijfers en streepjes hebben, zoals leren-01")
    return item if len(problems) == before else None
