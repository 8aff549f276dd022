"""Filters the templates share, so a code, a role or a date reads the same on every page and in mail."""
from datetime import date

from flask import Flask

from webapp.domain import agreements, codes
from webapp.domain.dates import dutch_date
from webapp.domain.roles import LABELS, ROLES, WAITS_FOR, allowed, may


def init_app(app: Flask) -> None:
    app.add_template_filter(codes.display, "display_code")
    app.add_template_filter(lambda role: LABELS.get(role, role), "role_label")
    app.add_template_filter(agreements.who_label, "who_label")
    app.add_template_filter(agreements.when_label, "when_label")
    app.add_template_filter(lambda text: dutch_date(date.fromisoformat(text)), "iso_date")
    # The templates show a control only where the server's permission table allows the action for this
    # role in the room's status now, and otherwise say whom to wait for: one table for all three.
    app.add_template_global(may, "may")
    app.add_template_global(lambda viewer, room, action: allowed(viewer.role, room.status, action), "allowed")
    app.add_template_global(WAITS_FOR, "waits_for")
    app.add_template_global([(role, LABELS[role]) for role in ROLES], "roles")
