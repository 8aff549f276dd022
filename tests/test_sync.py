"""One truth on every screen.

Every phone in a gesprek keeps its screen current with what the server pushes over Socket.IO, the way
static/app.js does: an `update {version, fragments, full}` replaces the live regions (the ids #room lists in
`data-regions`), one version after the other; a phone that missed a version asks again (`join`) and gets
everything (`full`), and so does a phone that comes back after losing its connection.

This test walks a whole conversation with a phone for every person, from the start through the cards, the
afspraken and the Akkoorden to the verslag, the vervolggesprek and the delete: every action route, by each role
that may do it (the walks and their steps: tests/support/walk.py; the phones: tests/support/phones.py). After
every step it proves that each phone, having applied what it was pushed, shows exactly what a fresh load of the
room page shows that person: the same list of live regions, the same version, and region by region the same
HTML (parsed and written out again, whitespace collapsed). Some steps also say in words what every phone must
show then (who is in "Wie is klaar met voorbereiden?", that nobody still reads "Iedereen gaf akkoord" after a
change, that the activity line in #stap tells the last thing that happened).

A step that breaks this is reported with every phone and region that differs; then every phone reloads, as its
person would, so each later step is judged on its own (`pytest -x` stops at the first step that breaks).
"""
from contextlib import closing

import pytest

from tests.support.walk import PLANNED_WALK, WALK, Gesprek


@pytest.mark.parametrize("walk", [WALK, PLANNED_WALK], ids=["at-the-table", "planned-ahead"])
def test_every_phone_shows_what_a_fresh_load_of_the_room_shows(app, subtests, walk):
    gesprek = Gesprek(app)
    with closing(gesprek.walk(walk)) as steps:
        for label, step in steps:
            with subtests.test(msg=label):
                problems = gesprek.check(step)
                if problems:
                    pytest.fail(f"after {label}, {len(problems)} thing(s) differ:\n"
                                + "\n".join(f"  {problem}" for problem in problems), pytrace=False)
