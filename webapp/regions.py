"""The live regions of the room page: one partial each, rendered for the page, for the acting phone's
htmx response and for the Socket.IO broadcast, from the same templates.

A partial's root element carries the region's name as its id; partials see `view` (a RoomView) and
`viewer` only, so what one role sees never depends on which phone asked.
"""
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup, escape

from webapp.room_view import RoomView

REGIONS = {
    "verslag": "partials/verslag.html",
    "fase": "partials/fase.html",
    "kaartje": "partials/tafel.html",
    "besproken": "partials/besproken.html",
    "gekozen": "partials/gekozen.html",
    "klaar": "partials/klaar.html",
    "afspraken": "partials/afspraken.html",
    "deelnemers": "partials/deelnemers.html",
}


@dataclass(frozen=True)
class Viewer:
    role: str


def render_regions(view: RoomView, viewer: Viewer, names=None) -> dict[str, str]:
    return {name: render_template(REGIONS[name], view=view, room=view.room, viewer=viewer)
            for name in (names or REGIONS)}


def as_partials(fragments: dict[str, str], swap: str = "outerMorph") -> Markup:
    """htmx 4 <hx-partial> blocks. A morph keeps focus and typed text in the element being replaced;
    outerHTML resets it (a form that was just sent)."""
    return Markup("").join(
        Markup('<hx-partial hx-target="#{}" hx-swap="{}">{}</hx-partial>').format(escape(name), swap, Markup(html))
        for name, html in fragments.items()
    )
