"""The live regions of the room page: one template each, named after the id of the element it fills
(`templates/regions/<id>.html`). The page, the acting phone's answer and the push to every other phone
render from the same templates, so a phone that applies its pushes shows what a fresh load shows.

Two kinds:
- SHARED regions depend on the room and the viewer's role only; they see `screen`, `room` and `viewer`,
  never who the viewer is, so one render serves every phone of that role.
- OWN regions belong to one deelnemer (their checklist, their Akkoord with their address); they also see
  `me`, and are pushed to that deelnemer's phones only.
"""
from dataclasses import dataclass

from flask import render_template
from markupsafe import Markup, escape

from webapp.models import Participant
from webapp.presentation.screen import RoomScreen

SHARED = ("fase", "kaartje", "stap", "verslag", "afspraken", "besproken", "gepland", "gekozen", "klaar", "deelnemers",
          "tabs", "terugblik")
OWN = ("mijn-lijst", "mijn-akkoord")


@dataclass(frozen=True)
class Viewer:
    role: str


def template_of(region: str) -> str:
    return f"regions/{region}.html"


def render_shared(screen: RoomScreen, role: str) -> dict[str, str]:
    return {region: render_template(template_of(region), screen=screen, room=screen.room, viewer=Viewer(role))
            for region in SHARED}


def render_own(screen: RoomScreen, me: Participant) -> dict[str, str]:
    return {region: render_template(template_of(region), screen=screen, room=screen.room, viewer=Viewer(me.role),
                                    me=me)
            for region in OWN}


class Renderer:
    """Renders whole screens for the deelnemers of one room at one version; shared regions once per role."""

    def __init__(self, room):
        self.screen = RoomScreen(room)
        self._shared: dict[str, dict[str, str]] = {}

    def screen_of(self, me: Participant) -> dict[str, str]:
        if me.role not in self._shared:
            self._shared[me.role] = render_shared(self.screen, me.role)
        return {**self._shared[me.role], **render_own(self.screen, me)}


def as_partials(fragments: dict[str, str], swap: str = "outerMorph") -> Markup:
    """htmx 4 <hx-partial> blocks. A morph keeps focus and typed text in the element being replaced;
    outerHTML resets it (a form that was just sent)."""
    return Markup("").join(
        Markup('<hx-partial hx-target="#{}" hx-swap="{}">{}</hx-partial>').format(escape(name), swap, Markup(html))
        for name, html in fragments.items()
    )
