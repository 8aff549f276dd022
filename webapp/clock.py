"""The app's one clock: every module asks `utcnow` from here. A test that needs another day (a whole stage over
months) replaces `now` (monkeypatch.setattr(clock, "now", ...)), which `utcnow` looks up at every call, and every
date the app makes follows, also the column defaults and the time inside the links to the verslag."""
from datetime import datetime, timezone


def system_now() -> datetime:
    """Now, in UTC, without a time zone (as the database keeps it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


now = system_now


def utcnow() -> datetime:
    return now()
