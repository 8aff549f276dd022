"""The live regions of the room page: one partial each, rendered for the page, for the acting phone's
htmx response and for the Socket.IO broadcast, from the same templates.

A partial's root element carries the region's name as its id; partials see `room` and `viewer` only,
so what one role sees never depends on which phone asked.
"""
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup, escape

REGIONS = {
    "deelnemers": "partials/deelnemers.html",
}


@dataclass(frozen=True)
class Viewer:
    role: str
    participant_id: int | None = None


def render_regions(room, viewer: Viewer, names=None) -> dict[str, str]:
    return {name: render_template(REGIONS[name], room=room, viewer=viewer) for name in (names or REGIONS)}


def as_partials(fragments: dict[str, str]) -> Markup:
    """htmx 4 <hx-partial> blocks; a morph keeps focus and typed text in the element being replaced."""
    return Markup("").join(
        Markup('<hx-partial hx-target="#{}" hx-swap="outerMorph">{}</hx-partial>').format(escape(name), Markup(html))
        for name, html in fragments.items()
    )
