"""Mijn gesprekken: the student's, the stagedocent's and the praktijkopleider's own overview of their stages,
without passwords.

Sign in with a one-time link by mail (webapp/domain/accounts.py); Flask-Login keeps who is signed in, in the
app's own session cookie: the key of the address (`_user_id`) and which sign-in it is (the used link's hash),
which the server keeps while it lasts (so "Uitloggen" ends it for every copy of the cookie). The address itself is
kept nowhere on the server; the browser that asked for the link keeps it in its own cookie (ASKED), and once
signed in there with it (ADDRESS), planning fills in one's own address. Asking for a link answers the same for every
address, so the form tells nobody which addresses are known.
"""
from datetime import datetime

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from webapp.domain import accounts, closing, planning
from webapp.domain.addresses import clean_email
from webapp.domain.refusals import RoomError
from webapp.extensions import limiter, login_manager
from webapp.identity import current_participant, remember
from webapp.origin import public_url
from webapp.presentation import timeline

bp = Blueprint("mine", __name__, url_prefix="/mijn-gesprekken")

# The one answer to every well-formed address, known or not.
SENT = ("Als dit adres bij een gesprek hoort, krijg je zo een mail met een link. "
        "De link werkt {minutes} minuten en één keer.")
SIGN_IN = "mine_sign_in"  # session key: this browser's sign-in, kept on the server (accounts.signed_in_key)
# Session keys: the address typed here to ask for a link (ASKED), until this browser uses a link; when that link
# signs in with the address's key, the address is one's own, proved (ADDRESS), and planning fills it in
# (own_address) until Uitloggen or the end of that sign-in.
ASKED = "mine_asked"
ADDRESS = "mine_address"
# Asking for links: a few per client for one address (someone else asking for hers spends their own budget, not
# the owner's), more per client (a school's network), and a ceiling per address across all clients, so no
# number of clients turns the school's mail server against one mailbox (six clients can spend it: the price).
CLIENT_ADDRESS_LIMIT = "5 per hour"
CLIENT_LIMIT = "60 per hour"
ADDRESS_LIMIT = "30 per hour"
TOO_MANY = "Voor dit e-mailadres is al vaak een link gevraagd."


class Account(UserMixin):
    """Who is signed in: only the key of their address. There is no user table."""

    def __init__(self, key: str):
        self.id = key


def init_app(app: Flask) -> None:
    """Flask-Login on the app's session cookie."""
    login_manager.init_app(app)
    login_manager.login_view = "mine.sign_in"
    login_manager.login_message = None  # the sign-in page says what to do; no flashed message
    # No hash of the client's address and browser in the cookie (Flask-Login's "_id"); the sign-in ends on the server.
    login_manager.session_protection = None
    timeline.init_app(app)  # the series' picture, also on the verslag page
    app.add_template_global(accounts.SIGNED_IN_HOURS, "signed_in_hours")  # said on the privacy page


@login_manager.user_loader
def load_account(key: str) -> Account | None:
    """Only a browser that signed in asks the database (Flask-Login calls this when the session has a key)."""
    sign_in = session.get(SIGN_IN)
    if sign_in is None or accounts.signed_in_key(sign_in) != key:
        session.pop(ADDRESS, None)  # the sign-in ended: the address it proved is of no more use here
        return None
    return Account(key)


def own_address() -> str | None:
    """The signed-in person's own address, when this browser asked for the link it signed in with: signing in
    proved it theirs (use_link). Otherwise None (signed in elsewhere, or not at all)."""
    return session.get(ADDRESS) if current_user.is_authenticated else None


def _address_key() -> str:
    """The budgets per address count the key of the typed address, so the limiter's storage holds no address."""
    return accounts.email_key(request.form.get("email", "")[:254])


def _client_and_address_key() -> str:
    return f"{get_remote_address()} {_address_key()}"


@bp.get("/inloggen")
def sign_in():
    """The form: your address, for a sign-in link."""
    if current_user.is_authenticated:
        return redirect(url_for("mine.overview"))
    return render_template("mine/inloggen.html", minutes=current_app.config["SIGN_IN_MINUTES"])


@bp.post("/inloggen")
# Flask-Limiter checks the lowest of these first and stops at the first one spent, so what a client asks beyond
# its own budgets never counts against the address's ceiling.
@limiter.limit(ADDRESS_LIMIT, key_func=_address_key, error_message=TOO_MANY)
@limiter.limit(CLIENT_LIMIT, key_func=get_remote_address)
@limiter.limit(CLIENT_ADDRESS_LIMIT, key_func=_client_and_address_key, error_message=TOO_MANY)
def ask_link():
    """The same answer for every well-formed address; a mail only when it belongs to a series."""
    minutes = current_app.config["SIGN_IN_MINUTES"]
    try:
        address = clean_email(request.form.get("email"))
        if address is None:
            raise RoomError("Vul je e-mailadres in.", 400)
    except RoomError as error:
        return render_template("mine/inloggen.html", minutes=minutes, error=error.message,
                               email=(request.form.get("email") or "")[:254]), error.status

    def compose(token: str, students: list[str]) -> dict:
        url = public_url("mine.link", token=token)
        return {"subject": accounts.SIGN_IN_SUBJECT,
                "text_body": render_template("mine/mail.txt", url=url, minutes=minutes, students=students)}

    accounts.request_sign_in(address, compose)
    session[ASKED] = address  # on this browser only, for when its link signs in here (own_address)
    return render_template("mine/inloggen.html", minutes=minutes, sent=SENT.format(minutes=minutes))


def _link_refused(state: str):
    messages = {"used": "Deze link is al gebruikt.", "expired": "Deze link is verlopen.",
                "unknown": "Deze link werkt niet."}
    status = 404 if state == "unknown" else 410
    return render_template("mine/link.html", refused=messages.get(state, messages["unknown"]),
                           minutes=current_app.config["SIGN_IN_MINUTES"]), status


@bp.get("/inloggen/<token>")
def link(token: str):
    """The link in the mail: a button, so a mail scanner that opens the link uses nothing."""
    state = accounts.sign_in_state(token[:100])
    if state != "ok":
        return _link_refused(state)
    return render_template("mine/link.html", token=token)


@bp.post("/inloggen/<token>")
def use_link(token: str):
    """The button: the link is used (once) and this browser is signed in."""
    found = accounts.use_sign_in(token[:100])
    if found is None:
        return _link_refused(accounts.sign_in_state(token[:100]))
    session[SIGN_IN], key = found
    login_user(Account(key))
    session.pop("_id", None)  # see init_app: session protection is off, so this hash is not needed
    asked = session.pop(ASKED, None)
    if asked is not None and accounts.email_key(asked) == key:  # the link went to the address typed here
        session[ADDRESS] = asked
    else:
        session.pop(ADDRESS, None)
    return redirect(url_for("mine.overview"), 303)


@bp.post("/uitloggen")
def sign_out():
    """The sign-in ends on the server, so a copy of this cookie signs nobody in either."""
    sign_in = session.pop(SIGN_IN, None)
    session.pop(ADDRESS, None)
    session.pop(ASKED, None)
    if sign_in is not None:
        accounts.sign_out(sign_in)
    logout_user()
    return redirect(url_for("mine.sign_in", uit=1), 303)


# The overview's columns it can be sorted by (`sorteer`): each a key over SeriesOverview, empty ones last.
FAR = datetime.max
SORTS = {
    "student": lambda s: ((s.student or "~").lower(), s.series_id),
    "laatste": lambda s: (-(s.last.when.timestamp()) if s.last else 0, s.series_id),
    "volgende": lambda s: (s.next_date or FAR, s.series_id),
    "nu": lambda s: (not s.needs, s.next_date or FAR, s.series_id),
}


@bp.get("")
@login_required
def overview():
    """One row per stage of the signed-in student, stagedocent or praktijkopleider: who and where, the last and
    the next conversation, open afspraken, what needs doing now; sorted (`sorteer`) and filtered (`zoek`: a name
    or a workplace; `nu`: only stages that need something now), without a script."""
    order = request.args.get("sorteer") if request.args.get("sorteer") in SORTS else "student"
    typed = (request.args.get("zoek") or "").strip()[:40]
    only_now = request.args.get("nu") == "1"
    stages = accounts.overview(current_user.id)
    shown = [s for s in stages if (not only_now or s.needs) and (not typed or typed.lower() in " ".join(
        filter(None, (s.student, s.praktijkopleider, s.workplace))).lower())]
    return render_template("mine/overzicht.html", stages=sorted(shown, key=SORTS[order]), total=len(stages),
                           order=order, typed=typed, only_now=only_now)


@bp.get("/stage/<int(max=2147483647):series_id>")
@login_required
def stage(series_id: int):
    """One stage: its conversations in order, the timeline, the open afspraken, the next conversation."""
    found = accounts.overview(current_user.id, series_id)
    if not found:
        abort(404)
    [series] = found
    mine = {c.room.id for c in series.rooms if current_participant(c.room) is not None}
    return render_template("mine/stage.html", s=series, mine=mine, picture=timeline.build(series.rooms))


@bp.post("/stage/<int(max=2147483647):series_id>/volgende")
@login_required
def open_next(series_id: int):
    """"Naar het volgende gesprek": the stage's next conversation (planned while closing the one before, or from
    here) opens on this browser in the signed-in person's own place there. Signing in proved the address whose key
    that place keeps, as taking up the link mailed to it would; nobody else's place opens this way."""
    upcoming = planning.upcoming_in_series(series_id) if accounts.is_member(current_user.id, series_id) else None
    place = next((p for p in upcoming.active_participants if p.email_key == current_user.id and not p.extra),
                 None) if upcoming else None
    if place is None:
        flash("Je plek in het volgende gesprek opent niet vanaf hier. Gebruik je eigen link uit de mail, of tik op "
              "„Naar het vervolggesprek” in het vorige gesprek.", "melding")
        return redirect(url_for(".stage", series_id=series_id), 303)
    closing.carry_over(upcoming, place)
    remember(upcoming, place)
    return redirect(url_for("room.show", code=upcoming.code), 303)
