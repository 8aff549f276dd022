"""What the tests share besides tests/conftest.py (the app, its clients, a live server, a browser) and tests/helpers.py
(a person's actions in one room): the phones, the sync walk, the real servers beside the app, the mail, and the
stages people make over HTTP. A test module imports from here, never from another test module.

- `phones`: a phone on the test client that keeps its screen as static/app.js does (judged against a fresh load),
  and a phone on a real server over the network.
- `walk`: the sync walk, every action by each role that may do it, as `tests/test_sync.py` takes it.
- `mail`: the addresses people give, a real SMTP server for the app, delivering what is due.
- `servers`: PostgreSQL, Redis, two app processes on them, a self-signed certificate.
- `stages`: conversations planned, held, sent and followed up, and Mijn gesprekken.

Its fixtures are registered for every test by `pytest_plugins` in tests/conftest.py.
"""
