"""A picture of the series: its conversations in order on a line, and per conversation how its afspraken went.

Drawn on the server as inline SVG by templates/macros/timeline.html (no script, so it prints and needs nothing
from the phone). Nothing in it means something by colour alone: everything is drawn in the text's own colour
(so its contrast is the text's, in light and dark mode and on paper), a conversation's state is its shape
(done: filled, under way: half filled, planned: open and dashed) and a word, and the afspraken are counted in
words beside a tick, a circle and a cross. The SVG is an image with a title; a text summary goes beside it.

The afspraken of a conversation are those in its sent verslag (or, while it runs, the live ones). The
conversation after it looks back on them; its review (models.series.Review, kind "afspraak") says which were
done, which still run and which did not work out. Without a review, all of them count as open.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask

from webapp.domain import accounts, agreements
from webapp.domain.accounts import SeriesRoom
from webapp.domain.dates import dutch_date
from webapp.models import Room

MOMENTS = {"start": "Begin", "midden": "Midden", "eind": "Eind"}
WIDTH = 320  # about a phone's column, so the text is drawn near the size of the page's own small text
ROW = 56  # from one conversation to the next
TOP = 20  # the first marker's centre
LEGEND = 26  # a line of the legend under the picture


@dataclass(frozen=True)
class Point:
    y: int
    moment: str
    day: str
    status: str  # gepland, bezig, afgerond
    current: bool
    kept: int
    open: int
    missed: int

    @property
    def total(self) -> int:
        return self.kept + self.open + self.missed

    @property
    def heading(self) -> str:
        return f"{self.moment} · {self.day}"

    def in_words(self) -> str:
        said = f"{self.moment}, {self.day}: {self.status}" + (" (dit gesprek)" if self.current else "")
        if self.total:
            said += f"; afspraken: {self.kept} gedaan, {self.open} open, {self.missed} niet gelukt"
        return said + "."


@dataclass(frozen=True)
class Timeline:
    points: list[Point]
    width: int
    height: int
    title: str
    summary: str  # the whole picture in one or two sentences, shown beside it
    legend_y: int  # where the legend starts: what the tick, circle and cross (and the ring) mean

    @property
    def counted(self) -> bool:
        return any(point.total for point in self.points)

    @property
    def marked(self) -> bool:
        return any(point.current for point in self.points)

    @property
    def description(self) -> str:
        """Every conversation in words: the picture's long description."""
        return " ".join(point.in_words() for point in self.points)

    def segments(self) -> Iterable[tuple[int, int, bool]]:
        """The line between two conversations: from y, to y, and dashed when it leads to a planned one."""
        for before, after in zip(self.points, self.points[1:]):
            yield before.y, after.y, after.status == "gepland"


def _afspraken(listed_room: SeriesRoom, records: dict, outcomes: dict) -> tuple[int, int, int]:
    room = listed_room.room
    if room.id in records:
        total = len(records[room.id].data.get("agreements") or [])
    elif listed_room.status == "bezig":
        total = len(agreements.live_agreements(room))
    else:
        total = 0
    return accounts.still_open(total, outcomes.get(room.id, []))


def build(listed: list[SeriesRoom], current: int | None = None) -> Timeline:
    """The picture of these rooms (of one series, in order); `current` marks one room id."""
    rooms = [c.room for c in listed]
    records, outcomes = accounts.records_of(rooms), accounts.review_outcomes(rooms)
    points = []
    for index, listed_room in enumerate(listed):
        kept, still_open, missed = _afspraken(listed_room, records, outcomes)
        points.append(Point(y=TOP + index * ROW, moment=MOMENTS.get(listed_room.room.stage_moment, "Gesprek"),
                            day=dutch_date(listed_room.when.date()), status=listed_room.status,
                            current=listed_room.room.id == current, kept=kept, open=still_open, missed=missed))
    done = sum(p.status == "afgerond" for p in points)
    running = sum(p.status == "bezig" for p in points)
    planned = sum(p.status == "gepland" for p in points)
    counts = [f"{n} {word}" for n, word in ((done, "afgerond"), (running, "bezig"), (planned, "gepland")) if n]
    said = f"{len(points)} {'gesprek' if len(points) == 1 else 'gesprekken'}: {', '.join(counts)}."
    if any(p.total for p in points):
        said += (f" Afspraken: {sum(p.kept for p in points)} gedaan, {sum(p.open for p in points)} open, "
                 f"{sum(p.missed for p in points)} niet gelukt.")
    legend_y = TOP + max(len(points) - 1, 0) * ROW + 30 + LEGEND
    legend_lines = any(p.total for p in points) + any(p.current for p in points)
    height = legend_y + max(legend_lines - 1, 0) * LEGEND + 10 if legend_lines else legend_y - LEGEND + 14
    return Timeline(points=points, width=WIDTH, height=height, title="Tijdlijn van de stage", summary=said,
                    legend_y=legend_y)


def for_room(room: Room | None) -> Timeline | None:
    """The picture of the series this room is in, with this room marked."""
    if room is None or getattr(room, "series_id", None) is None:
        return None
    listed = accounts.rooms_of_series(room.series_id)
    return build(listed, current=room.id) if listed else None


def stage_lines(room: Room) -> list[str]:
    """The stage's conversations in order, one line each ("Begin · 2 december 2026: afgerond"): for the PDF, which
    has no picture."""
    picture = for_room(room)
    return [f"{point.heading}: {point.status}" for point in picture.points] if picture else []


def init_app(app: Flask) -> None:
    app.add_template_global(for_room, "series_timeline")
    app.add_template_global(MOMENTS, "moment_names")  # Begin, Midden, Eind: as the timeline names them
