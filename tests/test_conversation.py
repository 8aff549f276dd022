"""The conversation on three phones: phases, cards and notes reach everyone with the same version."""
import pytest

from tests.support.actions import post_action, seat_three, state
from webapp.extensions import socketio


@pytest.fixture
def table(app):
    code, people = seat_three(app)
    phones = {}
    for role, client in people.items():
        sio = socketio.test_client(app, flask_test_client=client)
        sio.emit("join", {"code": code, "version": 0})
        phones[role] = sio
    for sio in phones.values():
        sio.get_received()
    yield code, people, phones
    for sio in phones.values():
        sio.disconnect()


def last_update(sio):
    updates = [e["args"][0] for e in sio.get_received() if e["name"] == "update"]
    assert updates, "no update received"
    return updates[-1]


def test_a_draw_by_the_student_reaches_the_others_with_the_same_card_and_version(table):
    code, people, phones = table
    response = post_action(people["student"], code, "/cards/draw", {"deck": "leren"})
    assert response.status_code == 200
    body = state(people["stagedocent"], code)
    card = body["current_card"]
    assert card["deck"] == "leren"
    for role in ("stagedocent", "praktijkopleider"):
        update = last_update(phones[role])
        assert update["version"] == body["version"] == int(response.headers["X-Room-Version"])
        assert f'data-card-id="{card["id"]}"' in update["fragments"]["kaartje"]
        assert card["text"] in update["fragments"]["kaartje"]


def test_the_student_can_pick_a_card(table):
    code, people, _ = table
    post_action(people["student"], code, "/cards/draw", {"deck": "begeleiden", "card": "begeleiden-03"})
    assert state(people["student"], code)["current_card"]["id"] == "begeleiden-03"
    wrong_deck = post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "begeleiden-04"})
    assert wrong_deck.status_code == 400


def test_a_phase_change_reaches_everyone(table):
    code, people, phones = table
    assert state(people["student"], code)["phase"] == "kennismaken"
    post_action(people["student"], code, "/phase", {"phase": "leren"})
    body = state(people["praktijkopleider"], code)
    assert body["phase"] == "leren"
    assert body["activity"] == "Sanne ging naar de fase Leren."
    for sio in phones.values():
        update = last_update(sio)
        assert update["version"] == body["version"]
        assert 'data-phase="leren"' in update["fragments"]["fase"]


def test_the_praktijkopleider_waits_instead_of_getting_a_button(table):
    code, people, phones = table
    post_action(people["stagedocent"], code, "/phase", {"phase": "leren"})
    opleider_html = last_update(phones["praktijkopleider"])["fragments"]["stap"]
    assert "Wacht op de student of de stagedocent" in opleider_html
    assert "knop-verder" not in opleider_html
    assert 'id="knop-verder"' in last_update(phones["student"])["fragments"]["stap"]


def test_looking_at_another_phase_moves_nobody(table):
    code, people, _ = table
    version = state(people["student"], code)["version"]
    preview = people["praktijkopleider"].get(f"/r/{code}/fasen/afspraken", headers={"HX-Request": "true"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Je kijkt naar een andere fase" in html and "Terug naar nu" in html
    back = people["praktijkopleider"].get(f"/r/{code}/fasen/nu").get_data(as_text=True)
    assert back.strip() == "<div id=\"fase-inkijk\"></div>"
    assert state(people["student"], code)["version"] == version


def test_the_stappenplan_is_a_guide_those_who_lead_skip_or_go_back_to_any_step(table):
    code, people, _ = table
    looked = people["stagedocent"].get(f"/r/{code}/fasen/afronden").get_data(as_text=True)
    assert "Ga met iedereen naar Afronden" in looked and "Jouw taak als stagedocent" in looked
    assert "Ga met iedereen naar" not in people["praktijkopleider"].get(f"/r/{code}/fasen/afronden").get_data(
        as_text=True)
    for who, phase in (("stagedocent", "afronden"), ("student", "leren"), ("student", "kennismaken")):
        assert post_action(people[who], code, "/phase", {"phase": phase}).status_code == 200
        assert state(people["praktijkopleider"], code)["phase"] == phase
    assert post_action(people["praktijkopleider"], code, "/phase", {"phase": "leren"}).status_code == 403


def test_an_unclear_card_goes_back_undiscussed(table):
    code, people, _ = table
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-02"})
    assert post_action(people["student"], code, "/cards/return").status_code == 200
    body = state(people["student"], code)
    assert body["current_card"] is None and body["discussed"] == []
    assert "legde het kaartje terug" in body["activity"]


def test_notes_on_cards_are_shared_and_never_silently_overwritten(table):
    code, people, phones = table
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-03"})
    form = people["praktijkopleider"].get(f"/r/{code}/cards/leren-03/note").get_data(as_text=True)
    assert 'name="rev" value="0"' in form
    saved = post_action(people["praktijkopleider"], code, "/cards/leren-03/note",
                        {"note": "Klant alleen geholpen.", "rev": "0"})
    assert saved.status_code == 200
    assert "Klant alleen geholpen." in last_update(phones["student"])["fragments"]["kaartje"]
    stale = post_action(people["student"], code, "/cards/leren-03/note", {"note": "Kassa gedaan.", "rev": "0"})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Klant alleen geholpen." in html and "Kassa gedaan." in html
    post_action(people["student"], code, "/cards/discussed")
    assert state(people["student"], code)["discussed"][0]["note"] == "Klant alleen geholpen."


def test_the_student_prepares_cards_and_the_others_see_them(table):
    code, people, phones = table
    post_action(people["student"], code, "/cards/leren-05/prepare", {"prepared": "1"})
    post_action(people["student"], code, "/cards/begeleiden-02/prepare", {"prepared": "1"})
    assert state(people["stagedocent"], code)["prepared"] == ["leren-05", "begeleiden-02"]
    assert 'data-card-id="leren-05"' in last_update(phones["praktijkopleider"])["fragments"]["gekozen"]
    # prepared cards come first when the student picks
    leren_list = people["student"].get(f"/r/{code}/cards/choose/leren").get_data(as_text=True)
    assert leren_list.index('data-card-id="leren-05"') < leren_list.index('data-card-id="leren-01"')


def test_everyone_ticks_their_own_checklist_and_all_see_who_is_ready(table):
    code, people, phones = table
    page = people["praktijkopleider"].get(f"/r/{code}").get_data(as_text=True)
    total = page.count('hx-post="/r/%s/checklist"' % code)
    assert total >= 3
    for index in range(total):
        response = post_action(people["praktijkopleider"], code, "/checklist", {"item": f"voor-{index}", "done": "1"})
        assert response.status_code == 200
        # the answer re-renders this phone's own list: every item still there, this many ticked
        mine = response.get_data(as_text=True).split('id="mijn-lijst"')[1].split("</section>")[0]
        assert mine.count('type="checkbox"') == total and mine.count("checked") == index + 1
    checklists = {c["participant_id"]: c for c in state(people["student"], code)["checklists"]}
    kees = next(p for p in state(people["student"], code)["participants"] if p["name"] == "Kees")
    assert checklists[kees["id"]] == {"participant_id": kees["id"], "done": total, "total": total, "ready": True}
    assert 'data-ready="true"' in last_update(phones["student"])["fragments"]["klaar"]
    unknown = post_action(people["praktijkopleider"], code, "/checklist", {"item": "voor-99", "done": "1"})
    assert unknown.status_code == 400


def test_text_is_limited_and_escaped_everywhere(table):
    code, people, phones = table
    post_action(people["student"], code, "/cards/draw", {"deck": "leren", "card": "leren-01"})
    evil = "<img src=x onerror=alert(1)>"
    post_action(people["stagedocent"], code, "/cards/leren-01/note", {"note": evil, "rev": "0"})
    html = last_update(phones["student"])["fragments"]["kaartje"]
    assert evil not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert state(people["student"], code)["current_card"]["id"] == "leren-01"
    too_long = post_action(people["stagedocent"], code, "/cards/leren-01/note", {"note": "x" * 1001, "rev": "1"})
    assert too_long.status_code == 400 and "te lang" in too_long.get_data(as_text=True)


def test_the_phase_timer_counts_from_the_stored_start_so_a_late_phone_shows_the_same(app, table):
    from datetime import timedelta

    from webapp.extensions import db
    from webapp.models import Room

    code, people, _ = table
    post_action(people["student"], code, "/phase", {"phase": "leren"})
    with app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        room.phase_started_at -= timedelta(minutes=7)
        db.session.commit()
    started = state(people["student"], code)["phase_started_at"]
    for client in people.values():
        page = client.get(f"/r/{code}").get_data(as_text=True)
        assert f'data-started="{started}" data-minutes="15"' in page
