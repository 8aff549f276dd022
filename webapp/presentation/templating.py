"""Filters the templates share, so a code, a role or a date reads the same on every page and in mail."""
from datetime import date

from flask import Flask

from webapp.domain import agreements, codes
from webapp.domain.content import STAGE_MOMENTS
from webapp.domain.dates import dutch_date, dutch_moment, short_moment
from webapp.domain.roles import LABELS, ROLES, WAITS_FOR, allowed, may, may_share_link, may_take


def init_app(app: Flask) -> None:
    app.add_template_filter(codes.display, "display_code")
    app.add_template_filter(lambda role: LABELS.get(role, role), "role_label")
    app.add_template_filter(agreements.who_label, "who_label")
    app.add_template_filter(agreements.when_label, "when_label")
    app.add_template_filter(lambda text: dutch_date(date.fromisoformat(text)), "iso_date")
    app.add_template_filter(dutch_moment, "dutch_moment")
    app.add_template_filter(short_moment, "short_moment")
    app.add_template_global(STAGE_MOMENTS, "stage_moments")
    # The templates show a control only where the server's permission table allows the action for this
    # role in the room's status now, and otherwise say whom to wait for: one table for all three.
    app.add_template_global(may, "may")
    app.add_template_global(lambda viewer, room, action: allowed(viewer.role, room.status, action), "allowed")
    app.add_template_global(WAITS_FOR, "waits_for")
    app.add_template_global(may_take, "may_take")  # may_take(role, card, action): who a card is for
    app.add_template_global(lambda viewer, room, person: allowed(viewer.role, room.status, "share_link")
                            and may_share_link(viewer.role, person.role), "may_share_link")
    app.add_template_global([(role, LABELS[role]) for role in ROLES], "roles")
