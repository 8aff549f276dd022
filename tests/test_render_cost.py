"""A change costs little: it renders only the live regions whose inputs it can change, and pushes only those
that did change; and the map that decides it (regions.READS) is held against what the renders really show.

How it works (realtime/sync.py): the database session notes what a change touched ("room.phase", a row of
"agreement", ...); regions.affected() turns that into the regions that read any of it; only those are
rendered, the others keep the digest of what each phone was last sent.
"""
import gc
import json
from collections import Counter
from datetime import datetime, timedelta

import pytest
from flask.signals import template_rendered
from sqlalchemy import event

import realtime.sync as sync
from tests.support.actions import hang_up, post_action, room_csrf, seated_with_phones, state
from tests.support.walk import PLANNED_WALK, WALK, walk_applying_pushes
from webapp import clock
from webapp.clock import utcnow
from webapp.domain.roles import ROLES, allowed
from webapp.extensions import db
from webapp.gc_tuning import THRESHOLDS, freeze_warm, tune_gc
from webapp.presentation import regions
from webapp.presentation.regions import Renderer

# What a phase change touches, as the session notes it: the phase and since when, the activity line (not the version
# every change raises, which no screen shows; nor the series' retention: the room was touched within the hour).
PHASE_CHANGE = {"room.phase", "room.phase_started_at", "room.activity"}
# What a phase cannot change.
NOT_THE_PHASE = {"afspraken", "deelnemers", "gekozen", "mijn-lijst", "klaar", "tabs", "besproken", "gepland",
                 "terugblik", "mijn-akkoord"}


@pytest.fixture
def seated(app):
    """Three phones on the socket in a room where every region has something to show (helpers), in Kennismaken."""
    code, people, phones = seated_with_phones(app)
    post_action(people["student"], code, "/phase", {"phase": "kennismaken"})
    for phone in phones.values():
        phone.get_received()
    yield code, people, phones
    hang_up(phones)


@pytest.fixture
def noted(monkeypatch):
    """What each commit touched, as realtime/sync.py was told: a list of (room id, touched)."""
    seen = []
    original = sync.updates_for

    def updates_for(room, touched=("*",), written=None):
        seen.append((room.id, frozenset(touched)))
        return original(room, touched, written)

    monkeypatch.setattr(sync, "updates_for", updates_for)
    return seen


@pytest.fixture
def rendered(app):
    """Every template rendered, by name, in order."""
    names = []

    def note(_sender, template, **_extra):
        names.append(template.name)

    template_rendered.connect(note, app)
    yield names
    template_rendered.disconnect(note, app)


def act(client, code, path, data, token) -> None:
    """An htmx POST with this phone's CSRF token (post_action loads the room page for it first)."""
    response = client.post(f"/r/{code}{path}", data=data, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)


def updates(phone) -> list[dict]:
    return [event["args"][0] for event in phone.get_received() if event["name"] == "update"]


def test_a_phase_change_pushes_only_regions_that_depend_on_the_phase(seated, noted):
    code, people, phones = seated
    response = post_action(people["student"], code, "/phase", {"phase": "leren"})
    assert response.status_code == 200
    [(_room, touched)] = noted
    assert touched == PHASE_CHANGE
    may_change = regions.affected(touched, "open")
    assert not may_change & NOT_THE_PHASE
    for role, phone in phones.items():
        [update] = updates(phone)
        pushed = set(update["fragments"])
        assert {"fase", "stap"} <= pushed <= may_change, role
        assert not pushed & NOT_THE_PHASE, role


def test_a_phase_change_renders_what_the_map_says_and_nothing_else(seated, rendered):
    code, people, phones = seated
    token = room_csrf(people["student"], code)
    rendered.clear()
    act(people["student"], code, "/phase", {"phase": "leren"}, token)
    regions_rendered = [name.removeprefix("regions/").removesuffix(".html") for name in rendered
                        if name.startswith("regions/")]
    expected = regions.affected(PHASE_CHANGE, "open")
    # The verslag shows the activity line too, but only once closing (SHOWN_IN).
    assert regions.affected(PHASE_CHANGE) - expected == {"verslag"}
    assert expected == {"fase", "kaartje", "stap"}
    # Shared regions once per role, or once for the roles with the same permissions where only those tell the
    # roles apart (ROLE_BY: the top bar is the same for all); own regions once per deelnemer (none of them).
    times = {region: len({tuple(allowed(role, "open", a) for a in regions.ROLE_BY[region]) if region in
                          regions.ROLE_BY else role for role in ROLES}) for region in expected}
    assert times == {"fase": 1, "kaartje": 3, "stap": 3}
    assert Counter(regions_rendered) == times


def test_a_phase_change_reads_nothing_the_phase_regions_do_not_show(app, seated):
    """No query for the afspraken, the checklists or the series: the regions that show them are not rendered;
    and the number of statements does not grow with the afspraken in the room. (The cards are read: in a cards
    step the card panel says whether cards were discussed already.)"""
    code, people, phones = seated
    student, token = people["student"], room_csrf(people["student"], code)
    with app.app_context():
        engine = db.engine
    statements = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    def phase_change(phase_id) -> list[str]:
        statements.clear()
        event.listen(engine, "before_cursor_execute", note)
        try:
            act(student, code, "/phase", {"phase": phase_id}, token)
        finally:
            event.remove(engine, "before_cursor_execute", note)
        return list(statements)

    first = phase_change("leren")
    for n in range(5):
        post_action(people["praktijkopleider"], code, "/agreements",
                    {"what": f"Nog een afspraak {n}", "who": "student", "when": "voor-volgend-gesprek"})
    second = phase_change("begeleiden")
    assert len(first) == len(second)
    for read in ("FROM agreement", "FROM checklist_tick", "count("):
        assert not [statement for statement in first if read in statement], read


def test_a_region_whose_clock_ran_out_is_rendered_again(seated, monkeypatch):
    """'Zet terug' goes a minute after a delete: the next change pushes the afspraken without it, although it
    touched no afspraak."""
    code, people, phones = seated
    afspraak = state(people["student"], code)["agreements"][0]
    post_action(people["student"], code, f"/agreements/{afspraak['id']}/delete", {"rev": afspraak["rev"]})
    for role, phone in phones.items():
        assert "Zet terug" in updates(phone)[-1]["fragments"]["afspraken"], role
    later = utcnow() + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    post_action(people["student"], code, "/phase", {"phase": "leren"})
    for role, phone in phones.items():
        [update] = updates(phone)
        assert "Zet terug" not in update["fragments"]["afspraken"], role
    post_action(people["student"], code, "/phase", {"phase": "kennismaken"})
    for role, phone in phones.items():
        [update] = updates(phone)
        assert "afspraken" not in update["fragments"], role


def test_what_no_region_reads_renders_nothing_and_what_nobody_knows_renders_everything():
    assert regions.affected({"room.version", "room.expires_at", "series.touched_at", "outbox_message"}) == set()
    assert regions.affected({"room.a_column_added_later"}) == set(regions.ALL)
    assert regions.affected({"a_table_added_later"}) == set(regions.ALL)
    assert regions.affected({"*"}) == set(regions.ALL)
    assert regions.affected({"agreement"}) >= {"afspraken", "tabs", "verslag", "mijn-akkoord"}
    assert regions.affected({"connection"}) == {"deelnemers", "tabs"}
    assert "mijn-akkoord" in regions.affected({"agreement"}, "closing")
    assert "mijn-akkoord" not in regions.affected({"agreement"}, "open")
    assert "mijn-akkoord" in regions.affected({"agreement", "room.status"}, "open")


def test_every_region_says_what_it_reads():
    assert set(regions.READS) == set(regions.ALL)  # one that does not is rendered on every change


def test_every_column_is_read_by_a_region_or_said_to_be_shown_nowhere():
    """A new column is a decision: a region that shows it names it in READS, or UNSHOWN says no region does.
    (Until then a change to it renders every region, which is safe but slow.)"""
    named = set().union(*regions.READS.values()) | regions.UNSHOWN
    unnamed = [f"{table.name}.{column.key}" for table in db.metadata.sorted_tables for column in table.columns
               if table.name not in named and f"{table.name}.{column.key}" not in named]
    assert unnamed == []
    unknown = {name for name in named if name != regions.CLOCK
               and name.partition(".")[0] not in db.metadata.tables}
    assert unknown == set()


# The map against reality: along the whole walk of tests/test_sync.py, every region whose HTML changed for
# anyone was one the map said the change could affect; and a region rendered once for the roles with the same
# permissions (ROLE_BY) reads the same for each of them. -------------------------------------------------------

@pytest.mark.parametrize("walk", [WALK, PLANNED_WALK], ids=["at-the-table", "planned-ahead"])
def test_the_map_names_every_region_a_change_changed(app, monkeypatch, walk):
    screens: dict[tuple[int, int], dict[str, str]] = {}  # (room, deelnemer) -> every region, as last rendered
    missed: list[str] = []
    step_now = {"step": ""}
    original = sync.updates_for

    def updates_for(room, touched=("*",), written=None):
        clock = json.loads(room.pushed or "{}").get(sync.CLOCK, {})
        due = {region for region, until in clock.items() if datetime.fromisoformat(until) <= utcnow()}
        may_change = regions.affected(touched, room.status) | due
        renderer = Renderer(room)
        for region, actions in regions.ROLE_BY.items():  # the same permissions, the same HTML
            seen_as: dict[tuple, tuple[str, str]] = {}
            for role in ROLES:
                html = regions.render_region(region, renderer.screen, role)
                answers = tuple(allowed(role, room.status, action) for action in actions)
                other, other_html = seen_as.setdefault(answers, (role, html))
                if html != other_html:
                    missed.append(f"{step_now['step']}: #{region} differs for the {role} and the {other}, who "
                                  f"have the same answers to {actions}")
        for person in room.active_participants:
            now = renderer.screen_of(person)
            before = screens.get((room.id, person.id))
            if before is not None:
                changed = {region for region in regions.ALL if before[region] != now[region]}
                if changed - may_change:
                    missed.append(f"{step_now['step']}: {sorted(changed - may_change)} changed for {person.name} "
                                  f"({person.role}), but the change touched only {sorted(touched)}")
            screens[(room.id, person.id)] = now
        return original(room, touched, written)

    monkeypatch.setattr(sync, "updates_for", updates_for)
    walk_applying_pushes(app, walk, before_step=lambda label: step_now.update(step=label))
    assert not missed, "\n".join(missed)
    assert len(screens) >= 3  # the walk was watched


def test_the_gc_tuning_freezes_and_sets_the_thresholds():
    before = gc.get_threshold()
    try:
        tune_gc(warm_up_seconds=None)
        assert gc.get_threshold() == THRESHOLDS
        assert gc.get_freeze_count() > 0
        freeze_warm()
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
