# The human commands. `make run` and `make test` set everything up on a fresh machine that
# has Python 3.11+, make and git.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# What `install` adds to the site's own dependencies: the development tools, unless a
# production machine says `make install EXTRAS=`.
EXTRAS ?= [dev]

.PHONY: run test install migrate seed load lint fixture check-fixture clean bench lighthouse
.PHONY: release serve backup restore loadtest

run: seed  ## Serve the site on http://127.0.0.1:8000/ (PORT overrides), debug on.
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install  ## Run the whole test suite (DATABASE_URL picks the database; default SQLite).
	$(BIN)/pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "musicdir needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.$(EXTRAS)'
	touch $@

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --verbosity 0

seed: migrate  ## Load the directory into a database that has none; never overwrites edits.
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py seed_directory

load: migrate  ## Reload the whole directory from fixtures/organisations.json, on purpose.
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py loaddata organisations

fixture: install  ## Rebuild fixtures/organisations.json from fixtures/directory.toml.
	DJANGO_DEBUG=1 $(BIN)/python manage.py build_fixture

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install  ## Benchmark at 10,000 and 100,000 organisations on PostgreSQL and SQLite.
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m devtools.bench.run --readme $(BENCH_ARGS)

lighthouse: install  ## Lighthouse scores for the list and a detail page (needs Node and Chromium).
	$(BIN)/python -m devtools.lighthouse.run

# Production (README.md, "Deploy"). These run with the environment as it is: debug off unless
# DJANGO_DEBUG=1, so DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL must be set.

release: install  ## The release step: static files, migrations, the directory if none yet.
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_directory

serve: install  ## Serve with gunicorn as in production (settings: musicdir/gunicorn.py).
	$(BIN)/gunicorn --config python:musicdir.gunicorn

backup: install  ## Back up the whole database to BACKUP (default musicdir-backup-<time>.json.gz).
	$(BIN)/python manage.py backup $(BACKUP)

restore: install  ## Restore BACKUP into a new, empty database (migrated first).
	@test -n "$(BACKUP)" || { echo "Which backup? make restore BACKUP=<file>" >&2; exit 2; }
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py restore $(BACKUP)

LOADTEST_DURATION ?= 30
LOADTEST_CLIENTS ?= 8
loadtest: install  ## Load-test gunicorn on loopback; fails on any error (devtools/loadtest.py).
	$(BIN)/python -m devtools.loadtest --duration $(LOADTEST_DURATION) \
		--clients $(LOADTEST_CLIENTS) $(if $(LOADTEST_DATABASE_URL),--database-url $(LOADTEST_DATABASE_URL))

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
