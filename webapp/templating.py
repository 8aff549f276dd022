"""Filters the templates share, so a code, a role or a date reads the same on every page and in mail."""
from datetime import date

from flask import Flask

from webapp import agreements, codes
from webapp.dates import dutch_date
from webapp.roles import LABELS, ROLES, WAITS_FOR, may


def init_app(app: Flask) -> None:
    app.add_template_filter(codes.display, "display_code")
    app.add_template_filter(lambda role: LABELS.get(role, role), "role_label")
    app.add_template_filter(agreements.who_label, "who_label")
    app.add_template_filter(agreements.when_label, "when_label")
    app.add_template_filter(lambda text: dutch_date(date.fromisoformat(text)), "iso_date")
    # The partials show a button only where the server's permission table allows the action, and
    # otherwise say whom to wait for: one table for both.
    app.add_template_global(may, "may")
    app.add_template_global(WAITS_FOR, "waits_for")
    app.add_template_global([(role, LABELS[role]) for role in ROLES], "roles")
