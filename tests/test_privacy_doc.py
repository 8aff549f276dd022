"""docs/privacy.md says of every table and every field what it holds and why: checked against the models themselves,
so a new column or table without its line in the document fails here."""
import re
from pathlib import Path

from webapp.extensions import db

PRIVACY = Path(__file__).resolve().parent.parent / "docs" / "privacy.md"


def sections() -> dict[str, str]:
    """Each `### \\`table\\`` section of "Every table and field", by table name."""
    text = PRIVACY.read_text(encoding="utf-8")
    every = text.split("## Every table and field", 1)[1].split("\n## ", 1)[0]
    found = {}
    for part in re.split(r"^### ", every, flags=re.M)[1:]:
        name = re.match(r"`(\w+)`", part)
        if name:
            found[name.group(1)] = part
    return found


def test_every_table_and_every_field_is_in_the_privacy_document(app):
    documented = sections()
    missing = []
    for table in db.metadata.sorted_tables:
        section = documented.get(table.name)
        if section is None:
            missing.append(f"table {table.name}")
            continue
        named = set(re.findall(r"`(\w+)`", section))
        missing += [f"{table.name}.{column.name}" for column in table.columns
                    if column.name != "id" and column.name not in named]
    assert missing == [], "docs/privacy.md does not say what these hold and why: " + ", ".join(missing)


def test_the_document_names_no_table_that_is_not_there(app):
    assert set(sections()) <= {table.name for table in db.metadata.sorted_tables}
