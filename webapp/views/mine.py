"""Mijn gesprekken: the student's and the stagedocent's own overview of their series, without passwords.

Sign in with a one-time link by mail (webapp/domain/accounts.py); Flask-Login keeps who is signed in, in the
app's own session cookie: only the key of the address (`_user_id`), never the address, and which sign-in it is
(the used link's hash), which the server keeps while it lasts (so "Uitloggen" ends it for every copy of the
cookie). Asking for a link answers the same for every address, so the form tells nobody which addresses are known.
"""
from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from webapp.domain import accounts
from webapp.domain.addresses import clean_email
from webapp.domain.refusals import RoomError
from webapp.extensions import limiter, login_manager
from webapp.origin import public_url
from webapp.presentation import timeline
from webapp.views.identity import current_participant

bp = Blueprint("mine", __name__, url_prefix="/mijn-gesprekken")

# The one answer to every well-formed address, known or not.
SENT = ("Als dit adres bij een gesprek hoort, krijg je zo een mail met een link. "
        "De link werkt {minutes} minuten en één keer.")
SIGN_IN = "mine_sign_in"  # session key: this browser's sign-in, kept on the server (accounts.signed_in_key)
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
        return None
    return Account(key)


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

    def compose(token: str) -> dict:
        url = public_url("mine.link", token=token)
        return {"subject": accounts.SIGN_IN_SUBJECT,
                "text_body": render_template("mine/mail.txt", url=url, minutes=minutes)}

    accounts.request_sign_in(address, compose)
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
    return redirect(url_for("mine.overview"), 303)


@bp.post("/uitloggen")
def sign_out():
    """The sign-in ends on the server, so a copy of this cookie signs nobody in either."""
    sign_in = session.pop(SIGN_IN, None)
    if sign_in is not None:
        accounts.sign_out(sign_in)
    logout_user()
    return redirect(url_for("mine.sign_in", uit=1), 303)


@bp.get("")
@login_required
def overview():
    """Every series of the signed-in student or stagedocent: who, the conversations, afspraken, next date."""
    series = accounts.overview(current_user.id)
    mine = {c.room.id for s in series for c in s.conversations if current_participant(c.room) is not None}
    pictures = {s.series_id: timeline.build(s.conversations) for s in series}
    return render_template("mine/overzicht.html", series=series, mine=mine, pictures=pictures)
