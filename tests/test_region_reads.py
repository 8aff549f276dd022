"""The map checks itself: along both walks of tests/test_sync.py, each region is rendered for every deelnemer with
a recorder on every ORM attribute it reads, and what it really read is held against regions.READS. A region that
reads a column the map does not give it fails here even when no step of the walk changes that column, and so does an
entry of the map that no render read in any state of the walks (stale: it would cost renders for nothing).

A relationship (room.participants), or a query in the render (the cards of a room), counts as reading its rows'
table: a row added or taken away. A primary key
never changes, so reading it is no dependency. Each render gets a fresh RoomScreen, so a value one region's render
computed and cached is read again, and recorded, for the next."""
import re
from collections import defaultdict

import pytest
from sqlalchemy import event
from sqlalchemy.orm import RelationshipProperty
from sqlalchemy.orm.attributes import InstrumentedAttribute

import realtime.sync as sync
from tests.support.app import need
from tests.support.walk import PLANNED_WALK, WALK, walk_applying_pushes
from webapp.extensions import db
from webapp.presentation import regions
from webapp.presentation.screen import RoomScreen

# The stale entries are what the walks did not read: under xdist, the walks and that check run on one worker, in order.
pytestmark = pytest.mark.xdist_group("region-reads")


def _name_of(attribute: InstrumentedAttribute) -> str | None:
    """What reading this attribute depends on, as READS names it; None for a primary key."""
    prop = attribute.property
    if isinstance(prop, RelationshipProperty):
        return prop.mapper.local_table.name
    column = prop.columns[0]
    if column.primary_key:
        return None
    return f"{column.table.name}.{column.name}"


class ReadRecorder:
    """Records, per region, every mapped attribute read while that region renders."""

    def __init__(self):
        self.reads: dict[str, set[str]] = defaultdict(set)
        self.region: str | None = None
        self.walked: set[str] = set()  # the walks whose reads these are

    def install(self, app, monkeypatch):
        original_get = InstrumentedAttribute.__get__
        recorder = self

        def get(attribute, instance, owner):
            if instance is not None and recorder.region is not None:
                name = _name_of(attribute)
                if name:
                    recorder.reads[recorder.region].add(name)
            return original_get(attribute, instance, owner)

        monkeypatch.setattr(InstrumentedAttribute, "__get__", get)

        def statement(_conn, _cursor, sql, *_args):
            if recorder.region is not None:
                recorder.reads[recorder.region] |= set(re.findall(r"\b(?:FROM|JOIN)\s+\"?(\w+)", sql))

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", statement)
        return lambda: event.remove(engine, "before_cursor_execute", statement)

    def render_all(self, room) -> None:
        for person in room.active_participants:
            role = person.role  # read for the recorder, not by a region
            for region in regions.ALL:
                screen = RoomScreen(room)
                self.region = region
                try:
                    regions.render_region(region, screen, role, person if region in regions.OWN else None)
                finally:
                    self.region = None


def covered(name: str, reads: frozenset[str]) -> bool:
    table = name.partition(".")[0]
    return name in reads or table in reads or (name == table and any(r.startswith(f"{table}.") for r in reads))


@pytest.fixture(scope="module")
def recorded():
    return ReadRecorder()


WALKS = {"at-the-table": WALK, "planned-ahead": PLANNED_WALK}


@pytest.mark.parametrize("walk_name", WALKS)
def test_every_region_reads_only_what_the_map_gives_it(app, monkeypatch, walk_name, recorded):
    recorder = ReadRecorder()
    uninstall = recorder.install(app, monkeypatch)
    original = sync.updates_for

    def updates_for(room, touched=("*",), written=None):
        recorder.render_all(room)
        return original(room, touched, written)

    monkeypatch.setattr(sync, "updates_for", updates_for)
    try:
        walk_applying_pushes(app, WALKS[walk_name])
    finally:
        uninstall()
    missing = {region: sorted(name for name in names if not covered(name, regions.READS[region]))
               for region, names in recorder.reads.items()}
    missing = {region: names for region, names in missing.items() if names}
    assert missing == {}, "regions.READS lacks what these regions read: " + repr(missing)
    for region, names in recorder.reads.items():
        recorded.reads[region] |= names
    recorded.walked.add(walk_name)


def test_every_entry_of_the_map_is_read_along_the_walks(recorded):
    """Run after the walks: an entry of READS that no render read in either walk costs renders for nothing, or
    guards a state the walks never reach. Either way it fails: take the entry out, or walk into that state."""
    # In CI a failure: the whole module runs there, so a walk missing here means xdist split the group (pytest -n
    # without --dist loadgroup, as `make test` runs it): the reads of one walk alone would make entries look stale.
    need(recorded.walked == set(WALKS), "both walks did not run on this worker before this test")
    stale = {region: sorted(name for name in reads if name != regions.CLOCK
                            and not any(covered(seen, frozenset({name})) or seen == name
                                        or seen.startswith(f"{name}.") for seen in recorded.reads[region]))
             for region, reads in regions.READS.items()}
    stale = {region: names for region, names in stale.items() if names}
    assert stale == {}, "READS entries no render read along the walks: " + repr(stale)
