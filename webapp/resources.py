"""Where the app's own files are: templates, static files, content and migrations.

In the repository they are top-level folders beside webapp/ (`templates/`, `static/`, `content/`, `migrations/`);
a wheel carries the same folders inside the package (`webapp/templates`, ...: pyproject.toml maps them there).
Either way they are found from this file, never from the current folder, so the app serves from any folder:
from a checkout, an editable install (`pip install -e .`) and an installed wheel alike."""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def folder(name: str) -> str:
    """`templates`, `static`, `content` or `migrations`: inside the installed package, else the repository's."""
    inside = PACKAGE / name
    return str(inside if inside.is_dir() else PACKAGE.parent / name)
