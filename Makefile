# Two commands on a fresh machine: `make run` (the app on http://localhost:5000) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app webapp

.PHONY: install run test perf db-upgrade clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

db-upgrade: install
	$(FLASK) db upgrade

run: db-upgrade
	$(PY) wsgi.py

test: install
	bash scripts/ensure-chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

# The checks that time something (a protocol stall): they belong with bench/, on a quiet machine.
perf: install
	$(PY) -m pytest -m perf $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
