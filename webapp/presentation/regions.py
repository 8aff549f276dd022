"""The live regions of the room page: one template each, named after the id of the element it fills
(`templates/regions/<id>.html`). The page, the acting phone's answer and the push to every other phone
render from the same templates, so a phone that applies its pushes shows what a fresh load shows.

Two kinds:
- SHARED regions depend on the room and the viewer's role only; they see `screen`, `room` and `viewer`,
  never who the viewer is, so one render serves every phone of that role (of every role, for the regions that
  differ per role only in what allowed() answers: ROLE_BY).
- OWN regions belong to one deelnemer (their checklist, their Akkoord with their address); they also see
  `me`, and are pushed to that deelnemer's phones only.

What a change re-renders follows from READS: every region names the room state its HTML is made of, as
"table.column" (or a whole table), plus CLOCK for what changes with time alone. realtime/sync.py learns from
the database session what a change touched (nothing for a domain function to declare) and re-renders only
the regions that read any of it. A touched column that no region reads and that UNSHOWN does not name either
is unknown: then every region is rendered, so a new column can make a change slower, never a screen wrong.
tests/test_render_cost.py holds READS against what the renders actually show.
"""
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from webapp.domain.roles import PERMISSIONS, allowed
from webapp.models import Participant
from webapp.models.room import RoomStatus
from webapp.presentation.screen import RoomScreen
from webapp.presentation.templating import region_urls, render_given

SHARED = ("fase", "wachtkamer", "kaartje", "stap", "verslag", "afspraken", "besproken", "gepland", "gekozen", "klaar",
          "deelnemers", "tabs", "terugblik")
OWN = ("mijn-lijst", "mijn-akkoord")
ALL = SHARED + OWN

CLOCK = "clock"  # what a region shows changes with time alone (RoomScreen.valid_until says when)


def _state(*groups: str) -> frozenset[str]:
    return frozenset(name for group in groups for name in group.split())


# A region with controls or links: allowed() asks the room's status, and every URL carries the room's code.
ROOM = "room.status room.code"
# Who is in the room, as the lists of people show them (a new or removed deelnemer is a row or removed_at).
PEOPLE = "participant.room_id participant.name participant.role participant.removed_at"
# The live step among this conversation's steps (meeting.phases_of: whether people were asked to prepare).
PHASE = "room.phase room.planned_for room.previous_room_id"
# The draft verslag (verslag.snapshot): its text, its version (what mijn-akkoord sends) and who agreed to it.
DRAFT = (f"{PEOPLE} participant.agreed_at participant.agreed_to participant.remark room.previous_room_id "
         "room.created_at room.started_at room.planned_for room.next_meeting_date room.next_meeting_time "
         "room.agreed_text room.series_id series.workplace agreement record review "
         "room_card.room_id room_card.card_id room_card.discussed_at room_card.note")

READS: dict[str, frozenset[str]] = {
    "fase": _state(ROOM, PHASE),
    # The lobby: who is in until the three are (the QR code and link are the code's).
    "wachtkamer": _state(ROOM, PEOPLE, "room.admission"),
    # "Geen kaartje op tafel" after a card was discussed says what to do next.
    "kaartje": _state(ROOM, PHASE, "room.current_card_id room.suggested_card_id",
                      "room_card.room_id room_card.card_id room_card.note room_card.note_rev room_card.discussed_at"),
    # The last step holds the next meeting's date (wrap_up).
    "stap": _state(ROOM, PHASE, "room.phase_started_at room.activity",
                   "room.next_meeting_date room.next_meeting_time"),
    # A new room pointing back here (the vervolggesprek) is a room row: every region reads the room.
    "verslag": _state(ROOM, DRAFT, "room.activity", CLOCK),
    # Who does each afspraak, by the names of who hold its roles; the form offers each role by name too.
    "afspraken": _state(ROOM, PEOPLE, "agreement", CLOCK),
    "besproken": _state(ROOM, "room_card.room_id room_card.card_id room_card.discussed_at room_card.note "
                              "room_card.note_rev"),
    "gepland": _state(ROOM, "room.planned_for room.stage_moment"),
    "gekozen": _state(ROOM, "room.current_card_id room.suggested_card_id",
                      "room_card.room_id room_card.card_id room_card.prepared room_card.discussed_at"),
    "klaar": _state(PEOPLE, "room.previous_room_id checklist_tick"),
    # The number of conversations in the series: a room row, or a room's series_id.
    # Who may get a new link from whom: a place nobody has taken up, or one carried over from the conversation before.
    "deelnemers": _state(ROOM, PEOPLE, "room.admission room.series_id participant.arrived_at "
                                       "participant.previous_participant_id connection"),
    # A quick conversation (not planned, not a vervolggesprek) counts nobody's preparation. The tabs link within the
    # page only: no URL, so not the code.
    "tabs": _state("room.status", PEOPLE, "room.previous_room_id room.planned_for",
                   "agreement.room_id agreement.deleted_at checklist_tick connection"),
    "terugblik": _state(ROOM, "room.previous_room_id record review"),
    "mijn-lijst": _state(ROOM, "participant.role room.previous_room_id checklist_tick"),
    "mijn-akkoord": _state(ROOM, DRAFT, "participant.email"),
}

# Regions that show only their empty frame outside these statuses of the room: there they read the status
# alone, whatever READS says (the lobby and the card on the table while talking, the step while planned or
# talking, the verslag once closing, one's Akkoord while closing).
SHOWN_IN: dict[str, frozenset[str]] = {
    "wachtkamer": frozenset({RoomStatus.OPEN}),
    "kaartje": frozenset({RoomStatus.OPEN}),
    "stap": frozenset({RoomStatus.PLANNED, RoomStatus.OPEN}),
    "verslag": frozenset({RoomStatus.CLOSING, RoomStatus.CLOSED}),
    "mijn-akkoord": frozenset(PERMISSIONS["give_consent"].statuses),
}

# The shared regions that depend on the viewer's role only through these permissions (what they ask with
# allowed(viewer, room, action)): roles with the same answers see the same HTML, rendered once. Every other
# shared region is rendered once per role. tests/test_render_cost.py renders them per role to check.
ROLE_BY: dict[str, tuple[str, ...]] = {
    "fase": (),
    "wachtkamer": (),
    "afspraken": ("edit_agreements",),
    "besproken": ("write_note",),
    "verslag": ("send_record", "reopen_room", "plan_next", "follow_mail", "start_follow_up"),
    "klaar": (),
    "tabs": (),
}

# Room state no region shows: touching it re-renders nothing.
UNSHOWN = _state("room.id room.version room.expires_at room.pushed",
                 "participant.id participant.token participant.joined_at participant.link_hash",
                 "participant.record_link_version participant.extra participant.email_key participant.link_source",
                 "agreement.id agreement.created_at room_card.id checklist_tick.id review.id record.id",
                 "series series_member sign_in outbox_message worker")


def _readers() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """(column or table -> the regions that read it; table -> the regions that read the whole table)."""
    by_name: dict[str, set[str]] = {}
    whole: dict[str, set[str]] = {}
    for region, names in READS.items():
        for name in names:
            table, _, column = name.partition(".")
            by_name.setdefault(name, set()).add(region)
            if column:
                by_name.setdefault(table, set()).add(region)  # a row inserted or deleted
            else:
                whole.setdefault(table, set()).add(region)
    return ({name: frozenset(regions) for name, regions in by_name.items()},
            {table: frozenset(regions) for table, regions in whole.items()})


_READERS, _WHOLE = _readers()
_UNMAPPED = frozenset(ALL) - set(READS)  # a region READS forgot reads everything: rendered on every change


def affected(touched, status: str | None = None) -> frozenset[str]:
    """The regions whose HTML a change that touched these can have changed: "table.column" for a changed
    column, "table" for a row inserted or deleted (or changed in a way nobody could say), "*" for anything
    else. Unknown: every region. With the room's status (unchanged by this change): not the regions that
    show nothing in it (SHOWN_IN)."""
    found: set[str] = set()
    for name in touched:
        table = name.partition(".")[0]
        readers = _READERS.get(name, frozenset()) | _WHOLE.get(table, frozenset())
        if not readers and name not in UNSHOWN and table not in UNSHOWN:
            return frozenset(ALL)
        found |= readers
    if status is not None and "room.status" not in touched and "room" not in touched:
        found = {region for region in found if status in SHOWN_IN.get(region, (status,))}
    return frozenset(found) | _UNMAPPED


@dataclass(frozen=True)
class Viewer:
    role: str


def template_of(region: str) -> str:
    return f"regions/{region}.html"


def render_region(region: str, screen: RoomScreen, role: str, me: Participant | None = None, url_for=None) -> str:
    """One region, as render_template would render it (regions use no context processor: they see `screen`,
    `room`, `viewer`, `me` and the app's template globals), with each URL's shape built once (region_urls)."""
    context = {"screen": screen, "room": screen.room, "viewer": Viewer(role), "url_for": url_for or region_urls()}
    if me is not None:
        context["me"] = me
    return render_given(template_of(region), context)


class Renderer:
    """Renders screens for the deelnemers of one room at one version; shared regions once per role."""

    def __init__(self, room):
        self.screen = RoomScreen(room)
        self.url_for = region_urls()
        self._shared: dict[tuple, str] = {}  # (region, role or its answers to ROLE_BY) -> html
        self.rendered: set[str] = set()  # the regions rendered for anyone so far

    def screen_of(self, me: Participant, regions=ALL) -> dict[str, str]:
        """This deelnemer's regions (all of them unless named), in the page's order."""
        role = me.role
        found = {}
        for region in ALL:
            if region not in regions:
                continue
            if region in OWN:
                found[region] = render_region(region, self.screen, role, me, self.url_for)
            else:
                found[region] = self.shared(region, role)
            self.rendered.add(region)
        return found

    def shared(self, region: str, role: str) -> str:
        actions = ROLE_BY.get(region)
        seen_as = role if actions is None else tuple(allowed(role, self.screen.room.status, a) for a in actions)
        key = (region, seen_as)
        if key not in self._shared:
            self._shared[key] = render_region(region, self.screen, role, url_for=self.url_for)
        return self._shared[key]

    def valid_until(self, region: str) -> datetime | None:
        """When what this region shows now changes by time alone (None: not by time)."""
        return self.screen.valid_until(region) if CLOCK in READS.get(region, (CLOCK,)) else None


def notice(message: str | None, kind: str) -> str:
    """The acting phone's notice (#meldingen, its own: never pushed): what happened ("ok") or what went wrong
    ("fout"); empty without a message."""
    return render_given("pieces/meldingen.html", {"message": message, "kind": kind})


def as_partials(fragments: dict[str, str], swap: str = "outerMorph") -> Markup:
    """htmx 4 <hx-partial> blocks. A morph keeps focus and typed text in the element being replaced;
    outerHTML resets it (a form that was just sent)."""
    # Joined as plain strings, each name and swap escaped, the HTML as rendered (already escaped where it must be):
    # Markup.format goes through string.Formatter in Python, 2% of a change on a live server (bench/RESULTS.md).
    swap = escape(swap)
    return Markup("".join(f'<hx-partial hx-target="#{escape(name)}" hx-swap="{swap}">{html}</hx-partial>'
                          for name, html in fragments.items()))
