"""An id in a query string goes through one bounded parse (webapp/views/query.py): twenty digits, a negative number
or zero names no row, and never reach the database, where PostgreSQL's integer overflows into a 500. Which
parameters are ids is read from the code, and which routes there are from the URL map: a new one is walked too."""
import ast
from pathlib import Path

from flask import url_for

from tests.support.app import ROOT
from tests.support.stages import conversation, signed_in

WEBAPP = ROOT / "webapp"
QUERY = WEBAPP / "views" / "query.py"
WILD_IDS = ("9" * 20, "-1", "0", str(2**31), str(2**63), "1e3", "١٢")


def int_reads() -> list[tuple[str, Path, int, str]]:
    """Every place that reads a request value as a whole number, as (how, file, line, name): "id_from" for the
    bounded parse, "type=int" for a `.get(name, type=int)`."""
    found = []
    for path in sorted(WEBAPP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
                continue
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if called == "id_from":
                found.append(("id_from", path, node.lineno, node.args[0].value))
            elif called == "get" and any(k.arg == "type" and getattr(k.value, "id", None) == "int"
                                         for k in node.keywords):
                found.append(("type=int", path, node.lineno, node.args[0].value))
    return found


def test_every_id_in_a_query_string_is_read_by_the_one_bounded_parse():
    reads = int_reads()
    assert "serie" in {name for _how, _path, _line, name in reads}
    unbounded = [f"{path.relative_to(ROOT)}:{line}" for how, path, line, _name in reads
                 if how == "type=int" and path != QUERY]
    assert unbounded == [], "read an id with webapp.views.query.id_from"


def test_twenty_digits_for_any_id_on_any_page_give_no_5xx(app):
    """Every GET route, as a signed-in stagedocent in a conversation (so the ids are looked up, not ignored), with
    each id parameter of the code set to a number no row can have."""
    docent = app.test_client()
    code, _student = conversation(app, docent, "Sanne", "marieke@school.example", "sanne@student.example")
    signed_in(app, docent, "marieke@school.example")
    names = sorted({name for _how, _path, _line, name in int_reads()})
    with app.test_request_context():
        pages = [url_for(rule.endpoint, **{name: code if name == "code" else 1 for name in rule.arguments})
                 for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint != "static"]
    failures = []
    for page in pages:
        for wild in WILD_IDS:
            query = "&".join(f"{name}={wild}" for name in names)
            status = docent.get(f"{page}?{query}").status_code
            if status >= 500:
                failures.append((page, query, status))
    assert failures == []
    assert len(pages) > 20  # the walk reached the app's pages
