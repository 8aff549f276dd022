"""Everyone's cards, as the report intends (issue 11): set Leren is the student's; in set Begeleiden the one a
card is for draws it, chooses it and prepares it (the student or the praktijkopleider); the stagedocent suggests a
card, which its person takes or leaves. Private cards never come on the table and the praktijkopleider never sees
them; retired cards are never offered again; the draw prefers cards that fit the moment of the stage.

Written as three phones in one room over HTTP. The content is the shipped one; where it has no private card, no
retired card or no card for the end of the stage yet, the test marks one in its own copy of the loaded content.
"""
import re
from dataclasses import replace

import pytest

from tests.support.actions import post_action, seat_three, state, text_of
from webapp.domain.content import EXTENSION_KEY, Card, Content
from webapp.domain.roles import may_take
from webapp.extensions import db, socketio
from webapp.models import Participant, Room
from webapp.presentation.regions import Renderer

STUDENT, DOCENT, OPLEIDER = "student", "stagedocent", "praktijkopleider"


# The content ------------------------------------------------------------------------------------------------

def with_changes(content: Content, changes: dict[str, dict]) -> Content:
    """The content with some cards' fields changed, e.g. {"leren-07": {"private": True}}."""
    decks = tuple(replace(deck, cards=tuple(replace(card, **changes.get(card.id, {})) for card in deck.cards))
                  for deck in content.decks)
    return replace(content, decks=decks)


def at_table(card: Card) -> bool:
    return not card.private and not card.retired


class Cards:
    """The content this app serves, and the cards the tests lean on."""

    def __init__(self, app):
        self.app = app

    @property
    def content(self) -> Content:
        return self.app.extensions[EXTENSION_KEY]

    def use(self, changes: dict[str, dict]) -> None:
        self.app.extensions[EXTENSION_KEY] = with_changes(self.content, changes)

    def deck(self, deck_id: str):
        return self.content.deck(deck_id)

    def of(self, role: str, deck_id: str) -> list[Card]:
        """The cards of a deck that this role may take to the table."""
        return [c for c in self.deck(deck_id).cards if at_table(c) and may_take(role, c)]

    @property
    def private(self) -> Card:
        return next(c for c in self.content.cards if c.private and c.for_role == STUDENT and not c.retired)

    @property
    def retired(self) -> Card:
        return next(c for c in self.content.cards if c.retired)

    def phase_with(self, deck_id: str) -> str:
        return next(p.id for p in self.content.phases if p.deck == deck_id)


@pytest.fixture
def cards(app):
    """The loaded content, with at least one private student card, one retired card and cards that fit the end
    of the stage: the shipped ones where they exist, else marked here."""
    cards = Cards(app)
    leren = [c for c in cards.deck("leren").cards if at_table(c)]
    changes = {}
    if not any(c.private and c.for_role == STUDENT and not c.retired for c in cards.content.cards):
        changes[leren[-1].id] = {"private": True}
    if not any(c.retired for c in cards.content.cards):
        changes[leren[-2].id] = {"retired": True}
    cards.use(changes)
    return cards


@pytest.fixture
def table(app, cards):
    """A room with the three at the table, each phone connected and listening."""
    code, people = seat_three(app)
    phones = {}
    for role, client in people.items():
        phones[role] = socketio.test_client(app, flask_test_client=client)
        phones[role].emit("join", {"code": code, "version": 0})
    for sio in phones.values():
        sio.get_received()
    yield code, people, phones
    for sio in phones.values():
        sio.disconnect()


def region(client, code: str, region_id: str) -> str:
    """A region as a fresh load of the room page shows it to this person."""
    page = client.get(f"/r/{code}").get_data(as_text=True)
    match = re.search(rf'<section id="{region_id}".*?</section>', page, re.S)
    assert match, f"no #{region_id} on the page"
    return match.group(0)


def last_fragment(sio, region_id: str) -> str:
    fragments = [e["args"][0]["fragments"] for e in sio.get_received() if e["name"] == "update"]
    pushed = [f[region_id] for f in fragments if region_id in f]
    assert pushed, f"#{region_id} was not pushed"
    return pushed[-1]


def card_ids(html: str) -> list[str]:
    return re.findall(r'data-card-id="([^"]+)"', html)


def message(response) -> str:
    return text_of(response.get_data(as_text=True))


def go_to(people, code, phase_id):
    assert post_action(people[STUDENT], code, "/phase", {"phase": phase_id}).status_code == 200


def current(people, code) -> dict | None:
    return state(people[DOCENT], code)["current_card"]


# Drawing and choosing: the one a card is for -------------------------------------------------------------------

def test_the_praktijkopleider_draws_only_set_begeleiden_cards_meant_for_them(table, cards):
    code, people, _ = table
    go_to(people, code, cards.phase_with("begeleiden"))
    kaartje = region(people[OPLEIDER], code, "kaartje")
    assert 'id="knop-trek"' in kaartje and 'id="knop-kies"' in kaartje and "Begeleiden" in kaartje
    theirs = {c.id for c in cards.of(OPLEIDER, "begeleiden")}
    drawn = set()
    for _ in range(60):
        assert post_action(people[OPLEIDER], code, "/cards/draw", {"deck": "begeleiden"}).status_code == 200
        card = current(people, code)
        assert card["deck"] == "begeleiden" and card["for"] == OPLEIDER and card["id"] in theirs
        drawn.add(card["id"])
        assert post_action(people[OPLEIDER], code, "/cards/return").status_code == 200
    assert len(drawn) > 1, "the draw is at random"
    # their own list holds their cards only
    chooser = people[OPLEIDER].get(f"/r/{code}/cards/choose/begeleiden").get_data(as_text=True)
    assert set(card_ids(chooser)) == theirs


def test_the_praktijkopleider_is_refused_a_student_card_and_the_set_leren(table, cards):
    code, people, _ = table
    before = state(people[DOCENT], code)
    student_card = cards.of(STUDENT, "begeleiden")[0]
    picked = post_action(people[OPLEIDER], code, "/cards/draw", {"deck": "begeleiden", "card": student_card.id})
    assert picked.status_code == 403
    assert "Dit kaartje is voor de student. Alleen de student kan het kiezen." in message(picked)
    drawn = post_action(people[OPLEIDER], code, "/cards/draw", {"deck": "leren"})
    assert drawn.status_code == 403 and "Alleen de student" in message(drawn)
    assert state(people[DOCENT], code) == before
    # a Leren phase shows the praktijkopleider no draw button, and whom to wait for
    go_to(people, code, cards.phase_with("leren"))
    kaartje = region(people[OPLEIDER], code, "kaartje")
    assert "knop-trek" not in kaartje and "Wacht op de student" in kaartje
    leren = people[OPLEIDER].get(f"/r/{code}/cards/choose/leren").get_data(as_text=True)
    assert card_ids(leren) == [] and "geen kaartjes voor jou" in leren


def test_the_student_cannot_choose_a_praktijkopleider_card_and_draws_their_own(table, cards):
    code, people, _ = table
    theirs = cards.of(OPLEIDER, "begeleiden")[0]
    refused = post_action(people[STUDENT], code, "/cards/draw", {"deck": "begeleiden", "card": theirs.id})
    assert refused.status_code == 403
    assert "Dit kaartje is voor de praktijkopleider. Alleen de praktijkopleider kan het kiezen." in message(refused)
    mine = {c.id for c in cards.of(STUDENT, "begeleiden")}
    for _ in range(20):
        assert post_action(people[STUDENT], code, "/cards/draw", {"deck": "begeleiden"}).status_code == 200
        assert current(people, code)["id"] in mine
        assert post_action(people[STUDENT], code, "/cards/return").status_code == 200
    chooser = people[STUDENT].get(f"/r/{code}/cards/choose/begeleiden").get_data(as_text=True)
    assert set(card_ids(chooser)) == mine


def test_putting_back_and_finishing_follow_the_card(table, cards):
    code, people, _ = table
    theirs, student_card = cards.of(OPLEIDER, "begeleiden")[0], cards.of(STUDENT, "leren")[0]
    post_action(people[STUDENT], code, "/cards/draw", {"deck": "leren", "card": student_card.id})
    assert "knop-besproken" not in region(people[OPLEIDER], code, "kaartje")
    assert post_action(people[OPLEIDER], code, "/cards/return").status_code == 403
    refused = post_action(people[OPLEIDER], code, "/cards/discussed")
    assert refused.status_code == 403 and "Alleen de student of de stagedocent" in message(refused)
    busy = post_action(people[OPLEIDER], code, "/cards/draw", {"deck": "begeleiden", "card": theirs.id})
    assert busy.status_code == 409 and "Er ligt al een kaartje op tafel" in message(busy)
    assert post_action(people[STUDENT], code, "/cards/discussed").status_code == 200

    picked = post_action(people[OPLEIDER], code, "/cards/draw", {"deck": "begeleiden", "card": theirs.id})
    assert picked.status_code == 200
    kaartje = region(people[OPLEIDER], code, "kaartje")
    assert "knop-besproken" in kaartje and "knop-leg-terug" in kaartje
    assert "knop-leg-terug" not in region(people[STUDENT], code, "kaartje")
    assert post_action(people[STUDENT], code, "/cards/return").status_code == 403
    assert post_action(people[OPLEIDER], code, "/cards/discussed").status_code == 200
    assert [c["id"] for c in state(people[DOCENT], code)["discussed"]] == [student_card.id, theirs.id]


# The stagedocent suggests ---------------------------------------------------------------------------------------

def test_the_stagedocent_suggests_and_the_student_takes_it_onto_every_phone(table, cards):
    code, people, phones = table
    card = cards.of(STUDENT, "begeleiden")[0]
    assert 'id="knop-stel-voor"' not in region(people[DOCENT], code, "kaartje"), "only in a cards step"
    go_to(people, code, cards.phase_with("begeleiden"))
    assert 'id="knop-stel-voor"' in region(people[DOCENT], code, "kaartje")
    chooser = people[DOCENT].get(f"/r/{code}/cards/choose/begeleiden").get_data(as_text=True)
    assert "(voor de praktijkopleider)" in text_of(chooser) and "(voor de student)" in text_of(chooser)
    assert post_action(people[DOCENT], code, "/cards/suggest", {"card": card.id}).status_code == 200
    student_view = text_of(last_fragment(phones[STUDENT], "kaartje"))
    assert f"De stagedocent stelt voor: {card.question}" in student_view
    assert "Neem dit kaartje" in student_view and "Liever niet" in student_view
    opleider_view = text_of(last_fragment(phones[OPLEIDER], "kaartje"))
    assert "De stagedocent stelt de student een kaartje voor. Wacht op de student." in opleider_view
    assert "Neem dit kaartje" not in opleider_view
    assert post_action(people[OPLEIDER], code, "/cards/suggestion/take").status_code == 403

    assert post_action(people[STUDENT], code, "/cards/suggestion/take").status_code == 200
    body = state(people[DOCENT], code)
    assert body["current_card"]["id"] == card.id
    for role, sio in phones.items():
        kaartje = last_fragment(sio, "kaartje")
        assert f'data-card-id="{card.id}"' in kaartje and "stelt voor" not in kaartje, role
        assert card.question in text_of(region(people[role], code, "kaartje")), role


def test_the_student_leaves_a_suggestion(table, cards):
    code, people, phones = table
    card = cards.of(STUDENT, "leren")[0]
    post_action(people[DOCENT], code, "/cards/suggest", {"card": card.id})
    assert post_action(people[STUDENT], code, "/cards/suggestion/leave").status_code == 200
    assert "liet het kaartje van de stagedocent liggen" in state(people[DOCENT], code)["activity"]
    for role in people:
        assert 'class="voorstel"' not in region(people[role], code, "kaartje"), role
    gone = post_action(people[STUDENT], code, "/cards/suggestion/take")
    assert gone.status_code == 409 and current(people, code) is None


def test_a_suggestion_waits_for_a_free_table_and_goes_when_its_card_is_chosen(table, cards):
    code, people, _ = table
    first, suggested = cards.of(STUDENT, "leren")[:2]
    post_action(people[STUDENT], code, "/cards/draw", {"deck": "leren", "card": first.id})
    post_action(people[DOCENT], code, "/cards/suggest", {"card": suggested.id})
    kaartje = text_of(region(people[STUDENT], code, "kaartje"))
    assert "Rond dat eerst af" in kaartje and "Neem dit kaartje" not in kaartje
    busy = post_action(people[STUDENT], code, "/cards/suggestion/take")
    assert busy.status_code == 409 and "Er ligt al een kaartje op tafel" in message(busy)
    post_action(people[STUDENT], code, "/cards/discussed")
    # chosen from the list instead: the suggestion is done
    post_action(people[STUDENT], code, "/cards/draw", {"deck": "leren", "card": suggested.id})
    assert "stelt voor" not in region(people[STUDENT], code, "kaartje")
    assert post_action(people[STUDENT], code, "/cards/suggestion/take").status_code == 409
    again = post_action(people[DOCENT], code, "/cards/suggest", {"card": first.id})
    assert again.status_code == 409 and "al besproken" in message(again)


def test_only_the_stagedocent_suggests_and_only_cards_for_the_table(table, cards):
    code, people, _ = table
    card = cards.of(STUDENT, "leren")[0]
    before = state(people[DOCENT], code)
    for role in (STUDENT, OPLEIDER):
        refused = post_action(people[role], code, "/cards/suggest", {"card": card.id})
        assert refused.status_code == 403 and "Alleen de stagedocent" in message(refused)
    private = post_action(people[DOCENT], code, "/cards/suggest", {"card": cards.private.id})
    assert private.status_code == 403 and "apart gesprek" in message(private)
    assert post_action(people[DOCENT], code, "/cards/suggest", {"card": cards.retired.id}).status_code == 409
    assert post_action(people[DOCENT], code, "/cards/suggest", {"card": "bestaat-niet"}).status_code == 404
    assert state(people[DOCENT], code) == before


def test_the_praktijkopleider_prepares_their_cards_and_the_stagedocent_suggests_one(table, cards):
    code, people, _ = table
    theirs = cards.of(OPLEIDER, "begeleiden")
    listed = people[OPLEIDER].get(f"/r/{code}/cards/prepare").get_data(as_text=True)
    assert set(card_ids(listed)) == {c.id for c in theirs}
    assert post_action(people[OPLEIDER], code, f"/cards/{theirs[1].id}/prepare", {"prepared": "1"}).status_code == 200
    leren = cards.of(STUDENT, "leren")[0]
    refused = post_action(people[OPLEIDER], code, f"/cards/{leren.id}/prepare", {"prepared": "1"})
    assert refused.status_code == 403 and "Alleen de student" in message(refused)
    assert post_action(people[DOCENT], code, f"/cards/{leren.id}/prepare", {"prepared": "1"}).status_code == 403

    gekozen = region(people[DOCENT], code, "gekozen")
    assert "De praktijkopleider wil bespreken" in text_of(gekozen) and theirs[1].question in text_of(gekozen)
    assert f'id="stel-voor-{theirs[1].id}"' in gekozen
    assert "stel-voor-" not in region(people[STUDENT], code, "gekozen")
    post_action(people[DOCENT], code, "/cards/suggest", {"card": theirs[1].id})
    assert "Neem dit kaartje" in region(people[OPLEIDER], code, "kaartje")
    assert post_action(people[STUDENT], code, "/cards/suggestion/take").status_code == 403
    assert post_action(people[OPLEIDER], code, "/cards/suggestion/take").status_code == 200
    assert current(people, code)["id"] == theirs[1].id


# Private cards --------------------------------------------------------------------------------------------------

def test_a_private_or_retired_card_is_never_drawn_at_random_and_never_put_on_the_table(table, cards):
    code, people, _ = table
    private, retired = cards.private, cards.retired
    for role, deck_ids in ((STUDENT, ("leren", "begeleiden")), (OPLEIDER, ("begeleiden",))):
        for deck_id in deck_ids:
            seen = []
            while (drawn := post_action(people[role], code, "/cards/draw", {"deck": deck_id})).status_code == 200:
                seen.append(current(people, code)["id"])
                assert post_action(people[role], code, "/cards/discussed").status_code == 200
            assert drawn.status_code == 409
            assert f"van de set {cards.deck(deck_id).title} zijn besproken" in message(drawn)
            assert private.id not in seen and retired.id not in seen
            assert sorted(seen) == sorted(c.id for c in cards.of(role, deck_id)), (role, deck_id)
    chosen = post_action(people[STUDENT], code, "/cards/draw", {"deck": private.deck, "card": private.id})
    assert chosen.status_code == 403
    assert "komt niet op tafel" in message(chosen) and "alleen zijn" in message(chosen)
    assert "apart gesprek" in message(chosen)
    assert post_action(people[STUDENT], code, "/cards/draw",
                       {"deck": retired.deck, "card": retired.id}).status_code == 409
    assert current(people, code) is None


def test_the_student_prepares_a_private_card_the_praktijkopleider_never_sees(app, table, cards):
    code, people, _ = table
    private = cards.private
    prepare_list = people[STUDENT].get(f"/r/{code}/cards/prepare").get_data(as_text=True)
    assert "Alleen met de stagedocent" in prepare_list and private.id in card_ids(prepare_list)
    assert post_action(people[STUDENT], code, f"/cards/{private.id}/prepare", {"prepared": "1"}).status_code == 200
    table_card = cards.of(STUDENT, "leren")[0]
    post_action(people[STUDENT], code, f"/cards/{table_card.id}/prepare", {"prepared": "1"})
    for role in (STUDENT, DOCENT):
        gekozen = text_of(region(people[role], code, "gekozen"))
        assert "Alleen met de stagedocent" in gekozen and private.question in gekozen, role
        assert "apart gesprek" in gekozen, role
    assert state(people[DOCENT], code)["prepared"] == [table_card.id]

    # In every phase, with a card on the table and a suggestion waiting: nowhere on the praktijkopleider's phone.
    post_action(people[STUDENT], code, "/cards/draw", {"deck": "leren", "card": table_card.id})
    post_action(people[DOCENT], code, "/cards/suggest", {"card": cards.of(STUDENT, "leren")[1].id})
    for phase in state(people[DOCENT], code)["phases"]:  # this conversation's steps
        go_to(people, code, phase["id"])
        seen = [people[OPLEIDER].get(f"/r/{code}").get_data(as_text=True),
                people[OPLEIDER].get(f"/r/{code}/state.json").get_data(as_text=True),
                people[OPLEIDER].get(f"/r/{code}/cards/prepare").get_data(as_text=True),
                people[OPLEIDER].get(f"/r/{code}/cards/{private.id}/note").get_data(as_text=True),
                *(people[OPLEIDER].get(f"/r/{code}/cards/choose/{deck.id}").get_data(as_text=True)
                  for deck in cards.content.decks)]
        with app.test_request_context():
            room = db.session.query(Room).filter_by(code=code).one()
            opleider = db.session.query(Participant).filter_by(room_id=room.id, role=OPLEIDER).one()
            seen += Renderer(room).screen_of(opleider).values()
        for html in seen:
            assert private.question not in html and private.question not in text_of(html), phase["id"]
        assert private.id not in seen[1]
    # the student's own phone does show it
    assert private.question in people[STUDENT].get(f"/r/{code}").get_data(as_text=True)


# Retired cards and the moment of the stage ------------------------------------------------------------------------

def test_a_retired_card_is_never_offered_but_an_old_conversation_still_shows_it(app, table, cards):
    code, people, _ = table
    card = cards.of(STUDENT, "leren")[0]
    post_action(people[STUDENT], code, "/cards/draw", {"deck": "leren", "card": card.id})
    post_action(people[STUDENT], code, f"/cards/{card.id}/note", {"note": "Goed besproken.", "rev": "0"})
    post_action(people[STUDENT], code, "/cards/discussed")
    cards.use({card.id: {"retired": True}})  # the school retires it afterwards
    assert [c["text"] for c in state(people[DOCENT], code)["discussed"]] == [card.question]
    assert card.question in text_of(region(people[OPLEIDER], code, "besproken"))

    retired = cards.retired
    for role in (STUDENT, DOCENT):
        chooser = people[role].get(f"/r/{code}/cards/choose/{retired.deck}").get_data(as_text=True)
        assert retired.id not in card_ids(chooser), role
    assert retired.id not in card_ids(people[STUDENT].get(f"/r/{code}/cards/prepare").get_data(as_text=True))
    refused = post_action(people[STUDENT], code, f"/cards/{retired.id}/prepare", {"prepared": "1"})
    assert refused.status_code == 409 and "gebruiken we niet meer" in message(refused)


@pytest.fixture
def end_of_stage(app, cards, table):
    """Set Leren with cards for the end of the stage and cards that do not fit it (marked where the content has
    none), and the room at the end of the stage."""
    code, people, _ = table
    leren = cards.of(STUDENT, "leren")
    if not (any(c.fits("eind") for c in leren) and not all(c.fits("eind") for c in leren)):
        cards.use({c.id: {"moments": ("eind",) if i < 3 else ("start",)} for i, c in enumerate(leren)})
    with app.app_context():
        room = db.session.query(Room).filter_by(code=code).one()
        room.stage_moment = "eind"
        db.session.commit()
    return code, people


def test_with_the_stage_at_its_end_the_draw_prefers_cards_for_the_end(cards, end_of_stage):
    code, people = end_of_stage
    leren = cards.of(STUDENT, "leren")
    fitting = {c.id for c in leren if c.fits("eind")}
    chooser = people[STUDENT].get(f"/r/{code}/cards/choose/leren").get_data(as_text=True)
    listed = card_ids(chooser)
    assert set(listed[:len(fitting)]) == fitting, "the list shows the cards that fit first"
    assert "passen bij het eind van de stage" in text_of(chooser)
    drawn = []
    for _ in leren:
        assert post_action(people[STUDENT], code, "/cards/draw", {"deck": "leren"}).status_code == 200
        drawn.append(current(people, code)["id"])
        post_action(people[STUDENT], code, "/cards/discussed")
    assert set(drawn[:len(fitting)]) == fitting, "first every card that fits, then the others"
    assert sorted(drawn) == sorted(c.id for c in leren)
