# Two commands on a fresh machine: `make run` (the app on http://localhost:5000) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app webapp

# Every package, the test and bench extras' too, at the version and hashes requirements.lock names, installed by uv
# (about 15 s where pip took 30), compiled as pip does: where PYTHONDONTWRITEBYTECODE is set, nothing else would, and
# every process would compile its imports again (a server's start took 4.5 s instead of 2).
LOCK := requirements.lock
UV_VERSION := 0.13.8
UV := $(VENV)/bin/uv

.PHONY: install run test perf db-upgrade lock clean

install: $(VENV)/.installed

$(UV):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q uv==$(UV_VERSION)

# The locked packages, then the project itself (editable, nothing more: its build backend is locked too).
# uv pip check fails when the lock no longer gives what pyproject.toml asks for: run make lock.
$(VENV)/.installed: $(LOCK) pyproject.toml | $(UV)
	$(UV) pip install -q --python $(PY) --require-hashes --compile-bytecode -r $(LOCK)
	$(UV) pip install -q --python $(PY) --no-deps --no-build-isolation -e .
	$(UV) pip check --python $(PY)
	touch $@

# After a change to the dependencies in pyproject.toml: the versions already locked stay where the ranges allow.
# `make lock UPGRADE=--upgrade` moves every package to the newest its range allows (then run make test).
lock: | $(UV)
	$(UV) pip compile pyproject.toml --all-extras --generate-hashes --python python3 \
		--custom-compile-command 'make lock' --quiet -o $(LOCK) $(UPGRADE)

db-upgrade: install
	$(FLASK) db upgrade

run: db-upgrade
	$(PY) wsgi.py

# Two pytest workers (pytest-xdist), one per core: the browser tests take turns in one group, and so do the tests on
# PostgreSQL and Redis (tests/e2e/conftest.py, tests/support/servers.py). WORKERS=0 runs them in this process.
WORKERS ?= 2

test: install
	bash scripts/ensure-chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n $(WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The checks that time something (a protocol stall): they belong with bench/, on a quiet machine.
perf: install
	$(PY) -m pytest -m perf $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
