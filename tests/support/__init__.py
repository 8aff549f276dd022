"""What the tests share: a test module imports from here, never from another test module or from a conftest.py.

- `app`: the app on a fresh SQLite database with the tests' settings, a page's CSRF token, `need` (skip here, fail in
  CI when a real part is absent).
- `actions`: a person's actions in one room over the test client (start, join, post an action, Akkoord).
- `phones`: a phone on the test client that keeps its screen as static/app.js does (judged against a fresh load),
  and a phone on a real server over the network.
- `walk`: the sync walk, every action by each role that may do it, as `tests/test_sync.py` takes it.
- `mail` and `smtp`: the addresses people give, a real SMTP server (aiosmtpd) for the app, delivering what is due.
- `servers`: a live server (`python wsgi.py` on a migrated copy), PostgreSQL, Redis, two app processes on them, a
  self-signed certificate, free ports.
- `stages`: conversations planned, held, sent and followed up, and Mijn gesprekken.

The fixtures are in tests/conftest.py (the app, its clients, a live server, a browser, phones) and in `mail` and
`servers`, which it registers for every test by `pytest_plugins`. The browser tests' steps are in tests/e2e/steps.py
and their accessibility checks in tests/e2e/audit.py.
"""
