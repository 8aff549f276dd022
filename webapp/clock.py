"""The app's one clock. Every module asks `webapp.models.room.utcnow`, which asks this; a test that needs another
day (a whole stage over months) replaces `webapp.clock.utcnow` and every date the app makes follows, also the
time inside the links to the verslag (record_links)."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    """Now, in UTC, without a time zone (as the database keeps it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
