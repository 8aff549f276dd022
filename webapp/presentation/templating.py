"""Filters the templates share, so a code, a role or a date reads the same on every page and in mail; and the
url_for of the live regions, which build the same few URLs for every room on every change."""
import re
from datetime import date

from flask import Flask, current_app, has_request_context, request, url_for
from flask.signals import template_rendered
from flask.templating import Environment

from webapp.domain import agreements, codes, verslag
from webapp.domain.content import STAGE_MOMENTS
from webapp.domain.dates import dutch_date, dutch_moment, short_moment
from webapp.domain.planning import MOMENT_WORDS
from webapp.domain.roles import LABELS, ROLES, WAITS_FOR, allowed, may, may_share_link, may_take


class GlobalsOnceEnvironment(Environment):
    """Each template sees the app's template globals as a plain dict, copied when it is loaded, rather than as
    Jinja's ChainMap over the environment's: every render builds its context from them, which took 15 µs from a
    ChainMap and 2 µs from a dict, some twenty times a change (bench/RESULTS.md). Jinja asks not to change the
    globals once a template is loaded; the app sets them all in create_app, before the first render."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def render_given(template_name: str, context: dict) -> str:
    """A template that reads only what it is given and the app's template globals, rendered without Flask's context
    processors: they look up the signed-in account (Flask-Login hashes the address and browser for it) and the
    request, which the live regions and the pieces a change's answer carries never show (bench/RESULTS.md)."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(template_name)
    html = template.render(context)
    if template_rendered.receivers:  # as render_template tells it: tests count renders by it
        template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return html


def init_app(app: Flask) -> None:
    app.add_template_filter(codes.display, "display_code")
    app.add_template_filter(lambda role: LABELS.get(role, role), "role_label")
    app.add_template_filter(agreements.who_by_name, "who_by_name")  # a.who|who_by_name(room): "Sanne, Kees"
    app.add_template_filter(agreements.when_label, "when_label")
    app.add_template_filter(lambda text: dutch_date(date.fromisoformat(text)), "iso_date")
    app.add_template_filter(dutch_moment, "dutch_moment")
    app.add_template_filter(short_moment, "short_moment")
    app.add_template_filter(verslag.subject, "verslag_title")  # names the student: page, mail and PDF alike
    app.add_template_global(STAGE_MOMENTS, "stage_moments")
    app.add_template_global(MOMENT_WORDS, "moment_words")  # "in het midden" (van de stage)
    # The templates show a control only where the server's permission table allows the action for this
    # role in the room's status now, and otherwise say whom to wait for: one table for all three.
    app.add_template_global(may, "may")
    app.add_template_global(lambda viewer, room, action: allowed(viewer.role, room.status, action), "allowed")
    app.add_template_global(WAITS_FOR, "waits_for")
    app.add_template_global(may_take, "may_take")  # may_take(role, card, action): who a card is for
    app.add_template_global(lambda viewer, room, person: allowed(viewer.role, room.status, "share_link")
                            and may_share_link(viewer.role, person), "may_share_link")
    app.add_template_global([(role, LABELS[role]) for role in ROLES], "roles")


# A value that every werkzeug converter writes as it is (no quoting), so it can go straight into a shape.
PLAIN = re.compile(r"[A-Za-z0-9_.~-]+")
MARKERS = (7_700_000_000, 8_800_000_000)  # two sets of markers: ints, which int and string converters both take
SHAPES = "region_url_shapes"
MAX_SHAPES = 500  # app.extensions key: (endpoint, names, where) -> Shape, or None for url_for


class Shape:
    """One endpoint's URL with holes for its values: built by werkzeug once, with markers for the values, and
    checked against a second build with other markers."""

    def __init__(self, parts: tuple[str, ...], names: tuple[str, ...], text: frozenset[str]):
        self.parts, self.names, self.text = parts, names, text  # text: the names whose converter takes text

    def fill(self, values: dict) -> str | None:
        pieces = [self.parts[0]]
        for name, part in zip(self.names, self.parts[1:]):
            value = values[name]
            if type(value) is int:
                pieces.append(str(value))
            elif type(value) is str and name in self.text and PLAIN.fullmatch(value):
                pieces.append(value)
            else:
                return None
            pieces.append(part)
        return "".join(pieces)


def _shape(endpoint: str, names: tuple[str, ...]) -> Shape | None:
    def marked(first: int, **other) -> dict:
        return {**{name: first + n for n, name in enumerate(names)}, **other}

    try:
        url = url_for(endpoint, **marked(MARKERS[0]))
    except Exception:  # noqa: BLE001 - whatever url_for refuses, it keeps doing itself
        return None
    spots = sorted((url.find(str(MARKERS[0] + n)), name) for n, name in enumerate(names))
    if "?" in url or "#" in url or any(at < 0 for at, _ in spots):
        return None
    parts, start = [], 0
    for at, name in spots:
        parts.append(url[start:at])
        start = at + len(str(MARKERS[0] + names.index(name)))
    parts.append(url[start:])
    text = set()
    for name in names:
        try:
            if "zq" in url_for(endpoint, **marked(MARKERS[0], **{name: "zq"})):
                text.add(name)
        except Exception:  # noqa: BLE001 - an int converter: this value must be an int
            pass
    shape = Shape(tuple(parts), tuple(name for _, name in spots), frozenset(text))
    check = marked(MARKERS[1])
    return shape if shape.fill(check) == url_for(endpoint, **check) else None


FALLBACK = Shape((), (), frozenset())  # an endpoint url_for builds every time


def region_urls():
    """url_for for the live regions, with each endpoint's URL built once per process (per app): the regions
    build the same URLs with other values for every room on every change. Bound to the app and the request
    once per render. Gives the same string as url_for, or asks url_for itself (a relative endpoint, an option
    such as _external, a value that would need quoting)."""
    shapes = current_app.extensions.setdefault(SHAPES, {})
    where = request.script_root if has_request_context() else None

    def build(endpoint: str, **values) -> str:
        key = (endpoint, where, *values)
        shape = shapes.get(key)
        if shape is None:
            plain = not endpoint.startswith(".") and not any(name.startswith("_") for name in values)
            shape = (_shape(endpoint, tuple(values)) if plain else None) or FALLBACK
            if len(shapes) < MAX_SHAPES:  # a few dozen in practice; never a store that outside input can grow
                shapes[key] = shape
        if shape is not FALLBACK:
            url = shape.fill(values)
            if url is not None:
                return url
        return url_for(endpoint, **values)

    return build
