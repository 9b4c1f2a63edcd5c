# The human commands. `make run` and `make test` set everything up on a fresh machine that
# has Python 3.11+, make and git.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test install migrate load lint fixture check-fixture clean

run: migrate load  ## Serve the site on http://127.0.0.1:8000/ (PORT overrides), debug on.
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install  ## Run the whole test suite (DATABASE_URL picks the database; default SQLite).
	$(BIN)/pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "musicdir needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --verbosity 0

load: migrate  ## Load (or reload) the whole directory from fixtures/organisations.json.
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py loaddata organisations

fixture: install  ## Rebuild fixtures/organisations.json from fixtures/directory.toml.
	DJANGO_DEBUG=1 $(BIN)/python manage.py build_fixture

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
