"""A step is a screen (issue 19): on three phones at 360 x 740, at 100 % and at 200 % text, what the moment is
for is in view on its first screen, without scrolling and not under a bar: the lobby's code, QR code and names,
the card's way to take one, the new-afspraak form, the next date, the Akkoord, Verstuur, the terugblik (and the
Akkoord under a vervolggesprek's verslag), and the leader's Verder in every step. On every tab at 200 % the fixed
and sticky bars take at most a third of the screen and nothing scrolls sideways; axe finds nothing. With
SCREENSHOT_DIR set, each moment's first screen per role and text size is saved there (docs/screens.md shows them)."""
import shutil
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.e2e.audit import ROOT_FONT_SIZE, assert_accessible, assert_no_sideways_scroll, styled
from tests.e2e.steps import add_agreement, go_to_last_step, join, open_tab, snapshot, start
from tests.support.servers import serving

pytestmark = pytest.mark.e2e

TABS = ("Gesprek", "Afspraken", "Voorbereiding", "Deelnemers", "Uitleg")
SCALES = (1, 2)
# Closing, on every phone: the draft's heading, the Akkoord and the way to one's mail address, on the first screen.
AKKOORD_IN_VIEW = ["#verslag-title", "#knop-akkoord", "#knop-naar-mail"]


def text_scale(page, scale):
    """Text at `scale` (Android's font size; 2 is 200 %), and back, on the page as it is: the bars measure again."""
    page.evaluate("""([size]) => {
        let style = document.getElementById('tekstgrootte');
        if (!style) { style = document.createElement('style'); style.id = 'tekstgrootte'; document.head.append(style); }
        style.textContent = size ? `:root { font-size: ${size}% !important; }` : '';
    }""", [ROOT_FONT_SIZE * scale if scale != 1 else 0])
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def on_screen(locator) -> bool:
    """Inside the viewport as the page stands, and not covered (by a bar) at its top or its foot: what the eye sees
    and the thumb taps. A text box needs only its top: a tap on it brings it up above the keyboard anyway."""
    if not locator.count() or not locator.is_visible():
        return False
    styled(locator.page)
    return locator.evaluate("""element => {
        const box = element.getBoundingClientRect();
        const typed = element.matches('textarea');
        if (box.top < -0.5 || box.left < -0.5 || box.right > innerWidth + 0.5) return false;
        if (box.bottom > innerHeight + 0.5 && !typed) return false;
        const inset = Math.min(box.height / 2, 20);
        return [box.top + inset].concat(typed ? [] : [box.bottom - inset]).every(y => {
            const hit = document.elementFromPoint(box.left + box.width / 2, y);
            return !!hit && (element === hit || element.contains(hit) || hit.contains(element));
        });
    }""")


def bars_share(page) -> float:
    """The share of the screen's height that fixed and sticky bars cover."""
    styled(page)
    return page.evaluate("""() => {
        let covered = 0;
        for (const element of document.querySelectorAll('#room *')) {
            const style = getComputedStyle(element);
            if (style.position !== 'fixed' && style.position !== 'sticky') continue;
            if (element.parentElement.closest('[style*=fixed]')) continue;
            const box = element.getBoundingClientRect();
            if (!box.height || box.bottom <= 0 || box.top >= innerHeight) continue;
            covered += Math.min(box.bottom, innerHeight) - Math.max(box.top, 0);
        }
        return covered / innerHeight;
    }""")


# Taps as a phone user makes them: every tap on a control, and one for each field typed into (a tap to get there).
_COUNT_TAPS = """(() => {
    const typed = new WeakSet();
    const tap = () => { sessionStorage.taps = String(Number(sessionStorage.taps || 0) + 1); };
    addEventListener('click', event => { if (event.isTrusted) tap(); }, true);
    addEventListener('input', event => {
        if (!event.isTrusted || typed.has(event.target) || !event.target.matches('input, textarea')) return;
        if (['checkbox', 'radio'].includes(event.target.type)) return;
        typed.add(event.target); tap();
    }, true);
})()"""


def count_taps(page):
    page.add_init_script(_COUNT_TAPS)


def taps(page) -> int:
    return int(page.evaluate("Number(sessionStorage.taps || 0)"))


def first_screen(page, moment, role, wanted, scales=SCALES, also_at_100=()):
    """At the top of the Gesprek tab as a push or a fresh load left it, at each text size: every locator in
    `wanted` is on screen (and `also_at_100` at 100 % text); axe and the sideways check pass."""
    page.evaluate("window.scrollTo(0, 0)")
    for scale in scales:
        text_scale(page, scale)
        page.evaluate("window.scrollTo(0, 0)")
        snapshot(page, f"{moment}-{role}" + ("" if scale == 1 else "-200"))
        for locator in list(wanted) + (list(also_at_100) if scale == 1 else []):
            assert on_screen(page.locator(locator)), f"{moment}, {role}, {scale * 100:g} %: {locator} not in view"
        assert_no_sideways_scroll(page, f"{moment}, {role}, {scale * 100:g} %")
    text_scale(page, 1)
    assert_accessible(page, f"{moment}, {role}")


def every_tab_at_200(page, label):
    """On every tab at 200 % text: the bars take at most a third of the screen, nothing scrolls sideways."""
    text_scale(page, 2)
    for tab in TABS:
        open_tab(page, tab)
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        share = bars_share(page)
        assert share <= 1 / 3 + 0.01, f"{label}, tab {tab}: the bars take {share:.0%} of the screen"
        assert_no_sideways_scroll(page, f"{label}, tab {tab}, 200 %")
    open_tab(page, "Gesprek")
    text_scale(page, 1)


def verder(page):
    step = page.locator("#fase").get_attribute("data-phase")
    page.locator("#knop-verder").click()
    expect(page.locator("#fase")).not_to_have_attribute("data-phase", step)


def test_each_moment_shows_what_it_is_for_first_on_every_phone(live_server, phone):
    docent, student, opleider = phone(), phone(), phone()
    for page in (docent, student, opleider):
        count_taps(page)
    counted = {}
    code = start(docent, live_server.url, "Marieke", "stagedocent")

    # The lobby: the code large, the QR code, the link to share, and each name as they join.
    lobby = ["#wachtkamer .room-code", "#wachtkamer .qr svg", "#wachtkamer .wachtkamer-namen",
             "#wachtkamer .wachtkamer-link a"]
    expect(docent.locator("#wachtkamer .wachtkamer-link a")).to_be_visible()
    join(student, live_server.url, code, "Sanne", "student")
    expect(docent.locator("#wachtkamer")).to_contain_text("Sanne", timeout=2000)
    for page, role in ((docent, "stagedocent"), (student, "student")):  # two names in: the lobby at its longest
        first_screen(page, "0-wachtkamer", role, lobby)
    join(opleider, live_server.url, code, "Kees", "praktijkopleider")
    for page in (docent, student, opleider):
        expect(page.locator("#wachtkamer")).to_be_hidden(timeout=2000)
    counted["start, until all three are in (stagedocent / each other)"] = f"{taps(docent)} / {taps(student)}"

    # Every step of a quick conversation (no Voorbereiden: nobody was asked to prepare): what it is for, and the
    # leader's Verder, in view.
    what_first = {
        "kennismaken": {"stagedocent": ["#stap-title"], "student": ["#stap-title"]},
        "leren": {"student": ["#kaartje-title", "#knop-trek", "#knop-kies"],
                  "stagedocent": ["#kaartje-title", "#knop-stel-voor"]},
        "begeleiden": {"student": ["#knop-trek"], "praktijkopleider": ["#knop-trek"]},
        "afspraken": {role: ["#nieuw-what"] for role in ("student", "stagedocent", "praktijkopleider")},
        "afronden": {"stagedocent": ["#next-date", "#knop-afronden"]},
    }
    pages = {"stagedocent": docent, "student": student, "praktijkopleider": opleider}
    for number, (phase, wanted) in enumerate(what_first.items(), 1):
        for role, page in pages.items():
            expect(page.locator("#fase")).to_have_attribute("data-phase", phase)
            leads = role != "praktijkopleider"
            more = ["#knop-verder"] if leads and phase != "afronden" else []
            first_screen(page, f"{number}-{phase}", role, wanted.get(role, []) + more)
        if phase == "leren":
            before = taps(student)
            student.locator("#knop-trek").click()
            expect(student.locator("#kaartje[data-card]")).to_have_count(1)
            counted["draw a card (student)"] = taps(student) - before
            student.locator("#knop-leg-terug").click()
            every_tab_at_200(student, "cards step, student")
            pick_a_card_closes_the_list(student)
        if phase == "afspraken":
            before = taps(opleider)
            opleider.fill("#nieuw-what", "Kees laat Sanne elke week een klant helpen.")
            opleider.locator("#nieuwe-afspraak").get_by_label("Student").check()
            opleider.locator("#knop-afspraak-erbij").click()
            expect(opleider.locator("#afspraken li")).to_have_count(1)
            counted["add an afspraak (wat, wie; wanneer as it is)"] = taps(opleider) - before
            every_tab_at_200(student, "afspraken step, student")
            # "Haal weg" leaves a notice with "Zet terug" in view, under the heading, not at the panel's foot: where
            # the page stands after the tap, at either text size.
            for scale in SCALES:
                text_scale(opleider, scale)
                opleider.locator("#afspraken [id^=haal-weg-]").first.click()
                expect(opleider.locator("#afspraken [id^=zet-terug-]")).to_be_visible()
                expect(opleider.locator("#afspraken-title")).to_be_focused()
                snapshot(opleider, "4-weggehaald-praktijkopleider" + ("" if scale == 1 else "-200"))
                assert on_screen(opleider.locator("#afspraken [id^=zet-terug-]").first), \
                    f"Zet terug out of view at {scale * 100:g} %"
                opleider.locator("#afspraken [id^=zet-terug-]").first.click()
                expect(opleider.locator("#afspraken li")).to_have_count(1)
                expect(opleider.locator("#meldingen")).to_be_empty(timeout=10000)  # the notice goes by itself
            text_scale(opleider, 1)
        if phase == "afronden":
            every_tab_at_200(docent, "last step, stagedocent")
        if phase != "afronden":
            verder(docent)

    # Closing: the draft, and the Akkoord within thumb reach; Verstuur after the stagedocent's own Akkoord.
    docent.on("dialog", lambda dialog: dialog.accept())
    docent.locator("#knop-afronden").click()
    for role, page in pages.items():
        expect(page.locator("#verslag-title")).to_be_visible()
        first_screen(page, "6-verslag", role, AKKOORD_IN_VIEW)
    akkoord_says_whether_mail_goes(opleider)
    every_tab_at_200(opleider, "closing, praktijkopleider")
    before = taps(student)
    student.locator("#knop-akkoord").click()
    expect(student.locator("#akkoord-title")).to_be_focused()
    counted["Akkoord (the address as it is)"] = taps(student) - before
    opleider.locator("#knop-akkoord").click()
    expect(docent.locator('#verslag [data-agreed="true"]')).to_have_count(2)
    docent.locator("#knop-akkoord").click()
    expect(docent.locator("#knop-versturen")).to_be_visible()
    first_screen(docent, "7-akkoord", "stagedocent", ["#knop-versturen"])
    before = taps(docent)
    docent.locator("#knop-versturen").click()
    expect(docent.locator("#verslag-title")).to_have_text("Het gesprek is afgerond")
    counted["send the verslag (stagedocent)"] = taps(docent) - before
    print("\ntaps per key task:\n" + "\n".join(f"- {task}: {n}" for task, n in counted.items()))
    assert counted["draw a card (student)"] == counted["Akkoord (the address as it is)"] == 1
    assert counted["send the verslag (stagedocent)"] == 1
    assert counted["add an afspraak (wat, wie; wanneer as it is)"] <= 3


def akkoord_says_whether_mail_goes(page):
    """The address is under the draft, the Akkoord in the bar: while the address is empty the Akkoord says "geen
    mail" and "Vul je mail in" beside it leads to the field in one tap; once an address is typed it says Akkoord."""
    akkoord, lead = page.locator("#knop-akkoord"), page.locator("#knop-naar-mail")
    field = page.locator("#akkoord-email")
    expect(field).to_have_value("")
    expect(akkoord).to_have_accessible_name("Akkoord, geen mail")
    expect(lead).to_have_accessible_name("Vul je mail in")
    for scale in SCALES:
        text_scale(page, scale)
        page.evaluate("window.scrollTo(0, 0)")
        lead.tap()
        expect(field).to_be_focused()
        assert on_screen(field), f"the address field out of view after 'Vul je mail in' at {scale * 100:g} %"
        page.keyboard.type("kees@bedrijf.example")
        expect(akkoord).to_have_accessible_name("Akkoord")
        expect(lead).to_be_hidden()
        assert on_screen(akkoord), f"Akkoord out of view with the address typed at {scale * 100:g} %"
        field.fill("")
        expect(akkoord).to_have_accessible_name("Akkoord, geen mail")
        expect(lead).to_be_visible()
    text_scale(page, 1)


def pick_a_card_closes_the_list(student):
    """"Kies zelf" opens the list of this step's deck only; a pick puts the card on the table, closes the list and
    takes the focus to the card."""
    student.locator("#knop-kies").click()
    expect(student.locator("#kiezen-title")).to_be_visible()
    expect(student.locator("#kiezen [id^=kies-set-]")).to_have_count(0)
    student.locator("#kiezen .kies-lijst button").first.click()
    expect(student.locator("#kaartje[data-card]")).to_have_count(1)
    expect(student.locator("#kiezen-title")).to_have_count(0)
    expect(student.locator("#kaartje-title")).to_be_focused()
    assert on_screen(student.locator("#kaartje-title"))
    student.locator("#knop-besproken").click()
    expect(student.locator("#kaartje-title")).to_have_text("Geen kaartje op tafel")


def outline_of(page) -> str:
    return page.evaluate("""() => { const style = getComputedStyle(document.activeElement);
        return style.outlineStyle === 'none' ? 'none' : style.outlineWidth + ' ' + style.outlineStyle; }""")


def test_focus_shows_for_the_keyboard_and_not_after_a_tap(live_server, phone):
    """A heading that gets the focus after a tap (so a screen reader follows) draws no ring; after a key it does,
    at today's 3 px."""
    docent = phone()
    start(docent, live_server.url, "Marieke", "stagedocent")
    docent.locator("#tab-afspraken-link").tap()
    expect(docent.locator("#afspraken-title")).to_be_focused()
    assert outline_of(docent) == "none", "a tap draws no ring on the heading"
    docent.locator("#tab-uitleg-link").tap()
    expect(docent.locator("#uitgangspunten-title")).to_be_focused()
    assert outline_of(docent) == "none"

    docent.locator("#tab-gesprek-link").focus()
    docent.keyboard.press("Enter")
    expect(docent.locator("#tab-gesprek-link")).not_to_be_focused()
    # Waited for: the link lets go of the focus (to the body) a moment before app.js gives it to the heading.
    expect(docent.locator("h2:focus")).to_have_count(1)
    assert outline_of(docent) == "3px solid", "from the keyboard the heading shows where the focus is"
    docent.keyboard.press("Tab")
    assert outline_of(docent) == "3px solid", "and so does the next control"


def test_a_schools_step_kind_changes_its_screen(tmp_path, phone):
    """content/stappenplan.yaml says what a step is for: a school that makes Leren (a quick conversation's second
    step) an afspraken step gets the afspraken and their form first on the Gesprek tab in that step, without a code
    change."""
    content = tmp_path / "content"
    shutil.copytree(Path(__file__).parents[2] / "content", content)
    plan = yaml.safe_load((content / "stappenplan.yaml").read_text(encoding="utf-8"))
    phase = next(p for p in plan["phases"] if p["id"] == "leren")
    assert phase["for"] == "cards"
    phase.update({"for": "agreements", "deck": None})
    (content / "stappenplan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    with serving(tmp_path, {"CONTENT_DIR": str(content)}) as server:
        docent, student, opleider = phone(), phone(), phone()
        code = start(docent, server.url, "Marieke", "stagedocent")
        join(student, server.url, code, "Sanne", "student")
        join(opleider, server.url, code, "Kees", "praktijkopleider")
        assert not docent.locator("#nieuw-what").is_visible(), "step 1 is not for afspraken"
        verder(docent)
        for page in (docent, student, opleider):
            expect(page.locator("#fase")).to_have_attribute("data-for", "agreements")
            expect(page.locator("#nieuw-what")).to_be_visible()
            assert on_screen(page.locator("#nieuw-what"))


def test_a_vervolggesprek_looks_back_first_and_its_verslag_says_how_it_went(three):
    """A vervolggesprek's first step looks back: the previous afspraken are the first thing on every phone. What
    they mark there goes into its draft verslag, and closing it puts the Akkoord in view as in a first conversation."""
    docent, student, opleider = three
    add_agreement(docent, "Sanne vraagt elke vrijdag om feedback.")
    open_tab(docent, "Gesprek")
    go_to_last_step(docent)
    docent.on("dialog", lambda dialog: dialog.accept())
    docent.locator("#knop-afronden").click()
    for page in three:
        page.locator("#knop-akkoord").click()
    docent.locator("#knop-versturen").click()
    expect(student.locator("#knop-vervolg")).to_be_visible()
    student.locator("#knop-vervolg").click()
    expect(student.locator("#terugblik-title")).to_be_visible()
    for page in (docent, opleider):
        page.locator("#knop-naar-vervolg").click()
        expect(page.locator("#terugblik-title")).to_be_visible()
    for role, page in zip(("stagedocent", "student", "praktijkopleider"), three):
        expect(page.locator("#fase")).to_have_attribute("data-for", "look_back")
        leads = ["#knop-verder"] if role != "praktijkopleider" else []
        first_screen(page, "8-terugblik", role, ["#terugblik-title"] + leads,
                     also_at_100=["#terugblik-afspraak-0-gedaan"])
    # Its closing: the draft now also says how last time went, and still the Akkoord is within thumb reach.
    opleider.locator("#terugblik-afspraak-0-gedaan").click()
    expect(docent.locator("#terugblik-afspraak-0-gedaan")).to_have_attribute("aria-pressed", "true")
    go_to_last_step(docent)
    docent.locator("#knop-afronden").click()
    for role, page in zip(("stagedocent", "student", "praktijkopleider"), three):
        expect(page.locator("#verslag")).to_contain_text("feedback. (afspraak, Sanne): gedaan")
        first_screen(page, "9-verslag-vervolg", role, AKKOORD_IN_VIEW)
