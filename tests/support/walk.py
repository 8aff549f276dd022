"""The sync walk: a whole conversation with a phone for every person, from the start through the cards, the
afspraken and the Akkoorden to the verslag, the vervolggesprek and the delete: every action route, by each role
that may do it (WALK), and a conversation planned ahead (PLANNED_WALK). Each step says who does what, the answer
it expects, and what every phone must then show in words besides a fresh load's regions; `Gesprek.walk` takes the
steps. tests/test_sync.py judges every phone against a fresh load after each step; tests/test_render_cost.py and
tests/test_region_reads.py watch the server along the same walks (`walk_applying_pushes`)."""
import json
import re
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from bs4 import BeautifulSoup

from tests.support.actions import join, post_action
from tests.support.app import csrf_from
from tests.support.mail import EMAILS
from tests.support.phones import Phone, differences, fresh
from webapp.domain.content import EXTENSION_KEY

ALL_AGREED = "Iedereen gaf akkoord"
NEXT_MEETING = (date.today() + timedelta(days=21)).isoformat()


# The gesprek under test ----------------------------------------------------------------------------------------

class Gesprek:
    """The conversation being walked: its code, and each person's browser and phone."""

    def __init__(self, app):
        self.app = app
        self.code = ""
        self.roles: dict[str, str] = {}
        self.clients: dict[str, object] = {}
        self.phones: dict[str, Phone] = {}
        self.gone: dict[str, Phone] = {}  # the phones of people taken out
        self.afspraken: list[int] = []  # ids, in the order they were written
        self.links: dict[str, str] = {}  # each person's own link to a planned gesprek, as last made
        self.removed: dict[str, int] = {}  # the deelnemer id of each person taken out

    def browser(self, name: str, role: str):
        self.roles[name], self.clients[name] = role, self.app.test_client()
        return self.clients[name]

    def open_phone(self, name: str) -> None:
        self.phones[name] = Phone(self.app, self.clients[name], self.code, name, self.roles[name])

    def state(self) -> dict:
        return self.clients["Marieke"].get(f"/r/{self.code}/state.json").get_json()

    def person_id(self, name: str) -> int:
        return next(p["id"] for p in self.state()["participants"] if p["name"] == name)

    def afspraak(self, n: int) -> dict:
        """The n-th afspraak written here (from 0): its id, and its rev while it is not deleted."""
        live = self.state()["agreements"]
        self.afspraken += [a["id"] for a in live if a["id"] not in self.afspraken]
        wanted = self.afspraken[n]
        return next((a for a in live if a["id"] == wanted), {"id": wanted})

    def check(self, step: "Step") -> list[str]:
        """Every phone applies what it was pushed; then what differs from a fresh load, and which claims fail."""
        for phone in self.phones.values():
            phone.apply_pushes()
        pages = {phone: fresh(phone.client, phone.code) for phone in self.phones.values()} if step.compare else {}
        claims = (*step.then, activity_line_follows) if step.compare else step.then
        problems = [problem for claim in claims for problem in claim(self)]
        for phone, page in pages.items():
            problems += differences(phone, page)
        if problems:  # every phone reloads, as its person would, so the next step is judged on its own
            for phone, page in pages.items():
                phone.show(page)
        return problems

    def walk(self, walk: list["Step"], before_step: Callable[[str], None] = lambda _label: None):
        """Take each step in turn and yield it with its label ("step 3, Sanne joins as student"), once its answer
        is the one the step expects; `before_step` hears the label before the step is taken. Every phone is hung
        up when the walk is closed (use it in `contextlib.closing`), also after a failed step."""
        try:
            for number, step in enumerate(walk, 1):
                label = f"step {number}, {step}"
                before_step(label)
                response = step.request(self, step.who)
                assert response.status_code == step.status, (
                    f"{label}: answered {response.status_code}, not {step.status}\n"
                    f"{response.get_data(as_text=True)[:500]}")
                yield label, step
        finally:
            for phone in [*self.phones.values(), *self.gone.values()]:
                if phone.sio.is_connected():
                    phone.sio.disconnect()


def walk_applying_pushes(app, walk: list["Step"], before_step: Callable[[str], None] = lambda _label: None) -> None:
    """The whole walk, each phone applying what it was pushed after each step (as tests that watch the server
    while it walks need it: tests/test_render_cost.py, tests/test_region_reads.py)."""
    gesprek = Gesprek(app)
    with closing(gesprek.walk(walk, before_step)) as steps:
        for _label, _step in steps:
            for phone in gesprek.phones.values():
                phone.apply_pushes()


# The actions, as each phone sends them; a callable path or field is looked up when the action is sent -----------

def value(given, gesprek: Gesprek, who: str):
    return given(gesprek, who) if callable(given) else given


def post(path, **fields):
    """An action as the room page sends it: htmx, with the CSRF header."""
    def send(gesprek: Gesprek, who: str):
        data = {name: value(given, gesprek, who) for name, given in fields.items()}
        return post_action(gesprek.clients[who], gesprek.code, value(path, gesprek, who), data)
    return send


def start_as(role: str):
    """Start a gesprek on the front page, then the room opens on this phone."""
    def send(gesprek: Gesprek, who: str):
        browser = gesprek.browser(who, role)
        token = csrf_from(browser.get("/").get_data(as_text=True))
        response = browser.post("/rooms", data={"name": who, "role": role, "csrf_token": token})
        if response.status_code == 303:
            gesprek.code = response.location.rsplit("/", 1)[-1]
            gesprek.open_phone(who)
        return response
    return send


def join_as(role: str):
    """Join with the code, then the room opens on this phone."""
    def send(gesprek: Gesprek, who: str):
        response = join(gesprek.browser(who, role), gesprek.code, who, role)
        if response.status_code == 303:
            gesprek.open_phone(who)
        return response
    return send


def plan_as(role: str, **names):
    """Plan a gesprek for next week on the planning page, naming the others; the room opens on this phone."""
    def send(gesprek: Gesprek, who: str):
        browser = gesprek.browser(who, role)
        fields = {"role": role, "date": NEXT_MEETING, "time": "14:00", "moment": "midden", f"name-{role}": who,
                  **{f"name-{other}": name for other, name in names.items()}}
        fields["csrf_token"] = csrf_from(browser.get("/plannen").get_data(as_text=True))
        response = browser.post("/plannen", data=fields)
        if response.status_code == 303:
            gesprek.code = response.location.split("/r/")[1].split("#")[0]
            gesprek.open_phone(who)
            for other, name in names.items():
                gesprek.roles[name] = other
        return response
    return send


def make_link(name: str):
    """A new personal link for someone (or oneself), shown on the phone that made it."""
    def send(gesprek: Gesprek, who: str):
        participant = next(p["id"] for p in gesprek.state()["participants"] if p["role"] == gesprek.roles[name])
        response = post_action(gesprek.clients[who], gesprek.code, f"/participants/{participant}/link")
        gesprek.links[name] = re.search(r'value="(http://localhost/r/[^"]+)"', response.get_data(as_text=True))[1]
        return response
    return send


def open_own_link(gesprek: Gesprek, who: str):
    """Open one's own link in a new browser and say 'dat ben ik': the room opens on this phone."""
    browser = gesprek.clients[who] = gesprek.app.test_client()
    link = gesprek.links[who]
    response = browser.post(link, data={"name": who, "csrf_token": csrf_from(browser.get(link).get_data(as_text=True))})
    if response.status_code == 303:
        gesprek.open_phone(who)
    return response


def one_tap_into_the_follow_up(gesprek: Gesprek, who: str):
    """"Naar het vervolggesprek" on the sent gesprek's screen: one tap, and this phone is in the vervolggesprek as
    the same person. From the first tap the walk goes on there; a phone whose person is not in yet stays on the
    sent gesprek (and is compared with that), and one whose person is in goes along (who started it)."""
    client = gesprek.clients[who]
    page = BeautifulSoup(client.get(f"/r/{gesprek.phones[who].code}").get_data(as_text=True), "html.parser")
    button = page.find(id="knop-naar-vervolg")
    response = client.post(button["hx-post"], headers={"X-CSRFToken": csrf_from(str(page)), "HX-Request": "true"})
    if response.status_code == 200 and response.headers.get("HX-Redirect"):
        gesprek.code = response.headers["HX-Redirect"].rsplit("/", 1)[-1]
        gesprek.afspraken = []
        for name, phone in list(gesprek.phones.items()):
            if phone.code != gesprek.code and 'id="room"' in phone.client.get(f"/r/{gesprek.code}").get_data(
                    as_text=True):
                phone.sio.disconnect()
                gesprek.open_phone(name)
    return response


def remove(name: str):
    def send(gesprek: Gesprek, who: str):
        gesprek.removed[name] = gesprek.person_id(name)
        response = post_action(gesprek.clients[who], gesprek.code, f"/participants/{gesprek.removed[name]}/remove")
        gesprek.gone[name] = gesprek.phones.pop(name)
        return response
    return send


def readmit(name: str):
    """The stagedocent lets someone taken out back in: the same deelnemer, whose phone loads the room again."""
    def send(gesprek: Gesprek, who: str):
        response = post_action(gesprek.clients[who], gesprek.code, f"/participants/{gesprek.removed.pop(name)}/readmit")
        gesprek.open_phone(name)
        return response
    return send


def while_offline(name: str, action: Callable):
    """This person's phone loses its connection while the action happens, then comes back and catches up."""
    def send(gesprek: Gesprek, who: str):
        gesprek.phones[name].sio.disconnect()
        response = action(gesprek, who)
        gesprek.phones[name].connect()
        return response
    return send


def form_fields(html: str, action: str) -> dict:
    """What the form in this HTML that posts to `action` sends when nothing is typed (its hidden fields too)."""
    soup = BeautifulSoup(html, "html.parser")
    form = next(form for form in soup.find_all("form") if (form.get("hx-post") or "").endswith(action))
    fields: dict[str, list[str]] = {}
    for field in form.find_all(["input", "textarea"]):
        if field.get("name") and (field.get("type") not in ("checkbox", "radio") or field.has_attr("checked")):
            typed = field.get_text() if field.name == "textarea" else field.get("value", "")
            fields.setdefault(field["name"], []).append(typed)
    return {name: values[0] if len(values) == 1 else values for name, values in fields.items()}


def fill_in(form_path: str, action: str, **typed):
    """Open a form (GET form_path), type into it and send it, with whatever else the form carries (rev, ...)."""
    def send(gesprek: Gesprek, who: str):
        path, to = value(form_path, gesprek, who), value(action, gesprek, who)
        form = gesprek.clients[who].get(f"/r/{gesprek.code}{path}").get_data(as_text=True)
        return post_action(gesprek.clients[who], gesprek.code, to, {**form_fields(form, to), **typed})
    return send


def note(text: str, card: str | None = None):
    """Write in the note form of a card: the one on the table, unless named."""
    def card_path(gesprek: Gesprek, who: str) -> str:
        return f"/cards/{card or gesprek.state()['current_card']['id']}/note"
    return fill_in(card_path, card_path, note=text)


def agree(name: str, then: tuple = ()) -> "Step":
    """Akkoord, with the form this phone shows: on the page, or loaded into it (hx-trigger="load")."""
    def send(gesprek: Gesprek, who: str):
        html = gesprek.clients[who].get(f"/r/{gesprek.code}").get_data(as_text=True)
        loads = BeautifulSoup(html, "html.parser").find(attrs={"hx-get": lambda url: (url or "").endswith("/confirm")})
        if loads is not None:
            html = gesprek.clients[who].get(loads["hx-get"]).get_data(as_text=True)
        fields = {**form_fields(html, "/confirm"), "email": EMAILS[gesprek.roles[who]]}
        return post_action(gesprek.clients[who], gesprek.code, "/confirm", fields)
    return Step(name, "gives Akkoord", send, then=then)


def all_three_agree() -> list["Step"]:
    """Sanne, Marieke and Kees each give Akkoord to the draft as it stands; the stagedocent then reads that all did."""
    return [agree("Sanne"), agree("Marieke"), agree("Kees", then=(reads("Marieke", ALL_AGREED),))]


def phase(phase_id: str):
    return post("/phase", phase=phase_id)


def tick_an_item(gesprek: Gesprek, who: str):
    """Tick the first open item of this person's own checklist, as its checkbox sends it (hx-vals)."""
    page = BeautifulSoup(gesprek.clients[who].get(f"/r/{gesprek.code}").get_data(as_text=True), "html.parser")
    boxes = [json.loads(box["hx-vals"]) for box in page.select("#mijn-lijst input[hx-vals]")]
    return post("/checklist", **next(box for box in boxes if box["done"] == "1"))(gesprek, who)


def a_card(role: str, deck: str, n: int = 0, private: bool = False, skip: tuple = ()):
    """The n-th card of a deck for this role, as the content has it: one for the table, or a private one (a
    card for the table when the content has no private card)."""
    def pick(gesprek: Gesprek, who: str) -> str:
        content = gesprek.app.extensions[EXTENSION_KEY]
        cards = [card.id for card in content.deck(deck).cards
                 if card.for_role == role and not card.retired and card.id not in skip]
        fitting = [card_id for card_id in cards if content.card(card_id).private == private]
        return (fitting or [card_id for card_id in cards if not content.card(card_id).private])[n]
    return pick


def afspraak_path(n: int, action: str = ""):
    return lambda gesprek, who: f"/agreements/{gesprek.afspraak(n)['id']}{action}"


def rev_of(n: int):
    return lambda gesprek, who: gesprek.afspraak(n)["rev"]


def write(what: str):
    return post("/agreements", what=what, who=["student"], when="voor-volgend-gesprek")


def edit(n: int, what: str):
    """Open the edit form of the n-th afspraak written here, change it and save it."""
    return fill_in(afspraak_path(n, "/edit"), afspraak_path(n), what=what, who=["student", "praktijkopleider"],
                   when="bij-volgend-gesprek")


# What every phone must show, in words --------------------------------------------------------------------------

def activity_line_follows(gesprek: Gesprek) -> list[str]:
    """(After every step) the activity line tells what the room says happened last: in #stap while the
    conversation is open, in #verslag while closing and after."""
    found = []
    for phone in gesprek.phones.values():
        activity = phone.client.get(f"/r/{phone.code}/state.json").get_json()["activity"]
        line = BeautifulSoup((phone.screen["stap"] or "") + (phone.screen["verslag"] or ""),
                             "html.parser").select_one(".activity")
        shown = " ".join(line.get_text().split()) if line else None
        if shown != activity:
            found.append(f"{phone}: the activity line reads “{shown}”, the room's is “{activity}”")
    return found


def klaar_lists(name: str):
    def claim(gesprek: Gesprek) -> list[str]:
        return [f"{phone}: “Wie is klaar met voorbereiden?” leaves out {name}" for phone in gesprek.phones.values()
                if name not in phone.text("klaar")]
    return claim


def nobody_reads(text: str):
    def claim(gesprek: Gesprek) -> list[str]:
        return [f"{phone} still reads “{text}”" for phone in gesprek.phones.values() if text in phone.text()]
    return claim


def reads(name: str, text: str):
    def claim(gesprek: Gesprek) -> list[str]:
        return [] if text in gesprek.phones[name].text() else [f"{gesprek.phones[name]} does not read “{text}”"]
    return claim


def is_out(name: str):
    """The phone of someone taken out is told (`removed`, so it reloads), disconnected, and gets no room page."""
    def claim(gesprek: Gesprek) -> list[str]:
        phone = gesprek.gone[name]
        found = [f"{phone} is still connected"] if phone.sio.is_connected() else []
        # Once the server closed the connection, the test client keeps what came before in its queue.
        if "removed" not in [event["name"] for event in phone.sio.queue]:
            found.append(f"{phone} was not told (no `removed` event)")
        if 'id="room"' in phone.client.get(f"/r/{gesprek.code}").get_data(as_text=True):
            found.append(f"{phone} still gets the room page")
        return found
    return claim


def everyone_is_sent_to_the_start(gesprek: Gesprek) -> list[str]:
    found = [f"{phone} was not told (no `deleted` event)" for phone in gesprek.phones.values()
             if "deleted" not in phone.events]
    found += [f"{phone}: the room page still answers {status}" for phone in gesprek.phones.values()
              if (status := phone.client.get(f"/r/{gesprek.code}").status_code) != 404]
    return found


# The walk ------------------------------------------------------------------------------------------------------

@dataclass
class Step:
    who: str
    does: str
    request: Callable
    status: int = 200
    then: tuple = ()  # what every phone must show besides a fresh load's regions
    compare: bool = True  # with a fresh load of the room page (not once the gesprek is deleted)

    def __str__(self) -> str:
        return f"{self.who} {self.does}"


WALK = [
    Step("Marieke", "starts the gesprek as stagedocent", start_as("stagedocent"), 303),
    Step("Sanne", "joins as student", join_as("student"), 303, then=(klaar_lists("Sanne"),)),
    Step("Kees", "joins as praktijkopleider (the room locks)", join_as("praktijkopleider"), 303,
         then=(klaar_lists("Kees"),)),
    # Voorbereiden
    Step("Sanne", "ticks an item of her checklist", tick_an_item),
    Step("Marieke", "ticks an item of her checklist", tick_an_item),
    Step("Kees", "ticks an item of his checklist", tick_an_item),
    Step("Sanne", "marks a Leren card to bring", post("/cards/leren-05/prepare", prepared="1")),
    Step("Sanne", "marks a Begeleiden card to bring", post("/cards/begeleiden-02/prepare", prepared="1")),
    Step("Sanne", "takes the Begeleiden card off again", post("/cards/begeleiden-02/prepare", prepared="0")),
    Step("Kees", "marks a Begeleiden card meant for him to bring",
         post(lambda g, w: f"/cards/{a_card('praktijkopleider', 'begeleiden')(g, w)}/prepare", prepared="1")),
    Step("Sanne", "marks a card to discuss with Marieke alone",
         post(lambda g, w: f"/cards/{a_card('student', 'leren', private=True)(g, w)}/prepare", prepared="1")),
    # The stappenplan, forward and back (a quick conversation starts at Kennismaken: nobody was asked to prepare)
    Step("Marieke", "moves on to Leren", phase("leren")),
    Step("Marieke", "goes back to Kennismaken", phase("kennismaken")),
    Step("Sanne", "moves on to Leren", phase("leren")),
    # Cards and notes
    Step("Sanne", "draws a card from Leren", post("/cards/draw", deck="leren")),
    Step("Sanne", "writes a note on the card", note("Ik snap niet goed wat hier bedoeld wordt.")),
    Step("Sanne", "puts the card back", post("/cards/return")),
    Step("Sanne", "picks the Leren card she marked", post("/cards/draw", deck="leren", card="leren-05")),
    Step("Kees", "writes a note on the card", note("Sanne hielp een klant helemaal alleen.")),
    Step("Marieke", "adds to the note", note("Sanne hielp een klant helemaal alleen; volgende keer de kassa.")),
    Step("Sanne", "marks the card discussed", post("/cards/discussed")),
    Step("Marieke", "moves on to Begeleiden", phase("begeleiden")),
    Step("Sanne", "picks a Begeleiden card while Kees's phone is offline",
         while_offline("Kees", post("/cards/draw", deck="begeleiden", card="begeleiden-03"))),
    Step("Marieke", "marks the card discussed", post("/cards/discussed")),
    # Everyone's cards: Kees draws and picks his own, Marieke suggests, Sanne and Kees take or leave
    Step("Kees", "draws a Begeleiden card meant for him", post("/cards/draw", deck="begeleiden")),
    Step("Kees", "puts the card back", post("/cards/return")),
    Step("Kees", "picks the card he marked",
         post("/cards/draw", deck="begeleiden", card=a_card("praktijkopleider", "begeleiden"))),
    Step("Kees", "marks his card discussed", post("/cards/discussed")),
    Step("Marieke", "suggests a card to Sanne",
         post("/cards/suggest", card=a_card("student", "begeleiden", skip=("begeleiden-03",)))),
    Step("Sanne", "leaves the suggestion", post("/cards/suggestion/leave")),
    Step("Marieke", "suggests a card to Kees",
         post("/cards/suggest", card=a_card("praktijkopleider", "begeleiden", 1))),
    Step("Kees", "takes the suggested card", post("/cards/suggestion/take")),
    Step("Marieke", "marks the card discussed", post("/cards/discussed")),
    # One more at the table, and out again
    Step("Marieke", "lets one more in", post("/lock", locked="0")),
    Step("Ilse", "joins as a second praktijkopleider", join_as("praktijkopleider"), 303, then=(klaar_lists("Ilse"),)),
    Step("Ilse", "ticks an item of her checklist", tick_an_item),
    Step("Marieke", "locks the room", post("/lock", locked="1")),
    Step("Marieke", "takes Ilse out", remove("Ilse"), then=(is_out("Ilse"),)),
    Step("Marieke", "lets Ilse in again", readmit("Ilse")),
    Step("Marieke", "takes Ilse out again", remove("Ilse"), then=(is_out("Ilse"),)),
    # Afspraken
    Step("Sanne", "writes an afspraak", write("Sanne vraagt elke vrijdag om feedback.")),
    Step("Marieke", "writes an afspraak", write("Sanne maakt stage-opdracht 2 af.")),
    Step("Kees", "writes an afspraak", write("Sanne oefent met de kassa.")),
    Step("Kees", "edits Sanne's afspraak", edit(0, "Sanne vraagt elke vrijdag aan Kees om feedback.")),
    Step("Sanne", "edits Marieke's afspraak", edit(1, "Sanne maakt stage-opdracht 2 en 3 af.")),
    Step("Marieke", "edits Kees's afspraak", edit(2, "Sanne oefent twee keer per week met de kassa.")),
    Step("Sanne", "deletes an afspraak", post(afspraak_path(0, "/delete"), rev=rev_of(0))),
    Step("Kees", "puts it back", post(afspraak_path(0, "/restore"))),
    Step("Marieke", "deletes an afspraak", post(afspraak_path(1, "/delete"), rev=rev_of(1))),
    Step("Sanne", "puts it back", post(afspraak_path(1, "/restore"))),
    Step("Kees", "deletes an afspraak", post(afspraak_path(2, "/delete"), rev=rev_of(2))),
    Step("Marieke", "puts it back", post(afspraak_path(2, "/restore"))),
    Step("Sanne", "moves on to Afspraken maken", phase("afspraken")),
    Step("Marieke", "moves on to Afronden", phase("afronden")),
    # Afronden: every change after the Akkoorden takes them back, on every phone
    Step("Marieke", "starts closing", post("/close")),
    Step("Marieke", "goes back to the conversation", post("/reopen")),
    Step("Marieke", "starts closing again", post("/close")),
    *all_three_agree(),
    Step("Marieke", "plans the next meeting after all three agreed",
         post("/next-meeting", next_date=NEXT_MEETING, next_time="14:30"), then=(nobody_reads(ALL_AGREED),)),
    *all_three_agree(),
    Step("Kees", "edits an afspraak after all three agreed",
         edit(0, "Sanne vraagt elke vrijdag aan Kees om feedback, ook schriftelijk."),
         then=(nobody_reads(ALL_AGREED),)),
    *all_three_agree(),
    Step("Sanne", "adds to a note after all three agreed",
         note("Sanne hielp een klant helemaal alleen; volgende keer de kassa en de retouren.", card="leren-05"),
         then=(nobody_reads(ALL_AGREED),)),
    *all_three_agree(),
    Step("Marieke", "sends the verslag", post("/finalize")),
    Step("Marieke", "asks to send the mail that did not go yet again", post("/mail/retry")),
    Step("Marieke", "takes back the links to the verslag in the mails", post("/record-links/revoke")),
    # The next meeting was set while closing: sending planned it; "Start het vervolggesprek" goes into it.
    Step("Sanne", "goes into the vervolggesprek planned while closing", post("/follow-up")),
    # The series: the others go on with one tap each, and all three look back on last time's afspraken and tasks
    Step("Marieke", "goes on to the vervolggesprek with one tap", one_tap_into_the_follow_up),
    Step("Kees", "goes on to the vervolggesprek with one tap", one_tap_into_the_follow_up),
    Step("Sanne", "starts the vervolggesprek at the table", post("/start")),
    Step("Kees", "marks an afspraak of last time gedaan", post("/review", kind="afspraak", position="0",
                                                                 outcome="gedaan")),
    Step("Sanne", "marks a task of last time loopt nog", post("/review", kind="taak", position="0", outcome="loopt")),
    Step("Marieke", "changes the afspraak to niet gelukt", post("/review", kind="afspraak", position="0",
                                                                  outcome="niet-gelukt")),
    # Its verslag holds that look back: closing it reads last time's verslag and this time's marks.
    Step("Sanne", "writes an afspraak in the vervolggesprek", write("Sanne oefent nu ook met de retouren.")),
    Step("Marieke", "starts closing the vervolggesprek", post("/close")),
    *all_three_agree(),
    Step("Marieke", "sends the verslag of the vervolggesprek", post("/finalize")),
    Step("Marieke", "ends the stage: both gesprekken go", post("/delete-series"), compare=False,
         then=(everyone_is_sent_to_the_start,)),
]


# A gesprek planned ahead: each opens their own link, prepares at home, and one tap starts it.
PLANNED_WALK = [
    Step("Marieke", "plans a gesprek for next week", plan_as("stagedocent", student="Sanne", praktijkopleider="Kees"),
         303),
    Step("Marieke", "makes Sanne's link", make_link("Sanne")),
    Step("Marieke", "makes Kees's link", make_link("Kees")),
    Step("Sanne", "opens her link at home", open_own_link, 303),
    Step("Sanne", "ticks an item of her checklist", tick_an_item),
    Step("Sanne", "marks a Leren card to bring", post("/cards/leren-05/prepare", prepared="1")),
    Step("Marieke", "moves the gesprek to another time", post("/plan", date=NEXT_MEETING, time="15:30")),
    Step("Marieke", "says it is the middle of the stage", post("/moment", moment="midden")),
    Step("Marieke", "makes Kees a new link (the old one stops working)", make_link("Kees")),
    Step("Kees", "opens his new link", open_own_link, 303),
    Step("Kees", "marks a Begeleiden card meant for him to bring",
         post(lambda g, w: f"/cards/{a_card('praktijkopleider', 'begeleiden')(g, w)}/prepare", prepared="1")),
    Step("Kees", "makes a link for his laptop", make_link("Kees")),
    Step("Sanne", "starts the gesprek at the table", post("/start")),
    Step("Sanne", "picks the Leren card she marked", post("/cards/draw", deck="leren", card="leren-05")),
    Step("Marieke", "deletes the gesprek", post("/delete"), compare=False, then=(everyone_is_sent_to_the_start,)),
]
