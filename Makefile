# `make run` starts the portal with demo data; `make test` runs the whole suite.
# Both create .venv and install what they need; see README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test setup messages catalogues lint stop clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed catalogues

# Compile the message catalogues (pure Python, no gettext tools needed).
catalogues: $(VENV)/.installed
	$(PY) scripts/catalogues.py compile

run: setup
	$(PY) scripts/portal.py serve

# The browser tests drive Debian's Chromium; `browser.py ensure` installs it
# (with CJK fonts) when missing and running as root, and says so otherwise.
test: setup
	-$(PY) scripts/browser.py ensure
	$(PY) scripts/portal.py test $(PYTEST_ARGS)

# Extract new strings into the catalogues (needs GNU gettext) and check them.
messages: $(VENV)/.installed
	$(PY) scripts/catalogues.py extract

# Requests per second of the event pages beside a trivial view, served by
# gunicorn on a database of 10,000 events (docs/benchmarks.md). BENCH_ARGS
# passes options, e.g. BENCH_ARGS="--duration 5 --rebuild".
.PHONY: bench
bench: setup
	$(PY) scripts/bench.py $(BENCH_ARGS)

# Time of the city-wide yearly summary of 100 stations beside its own SQL
# (docs/summaries.md); builds portal_bench_summary on first use.
.PHONY: bench-summary
bench-summary: setup
	$(PY) scripts/bench_summary.py $(BENCH_ARGS)

# Time of one worker sending 10,000 due reminders (reminders.dispatch.send_due)
# beside a plain send_mail loop (docs/benchmarks.md); uses its own database,
# portal_bench_reminders. BENCH_ARGS="--backend locmem,file,smtp --rebuild".
.PHONY: bench-reminders
bench-reminders: setup
	$(PY) scripts/bench_reminders.py $(BENCH_ARGS)

# Backups of the database (scripts/backup.py, docs/deploy.md): make backup,
# make restore BACKUP=.local/backups/portal-....dump, and the drill that
# restores into a fresh database and compares every table.
.PHONY: backup restore backup-drill
backup: setup
	$(PY) scripts/backup.py backup
restore: setup
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=file.dump"; exit 2; }
	$(PY) scripts/backup.py restore "$(BACKUP)"
backup-drill: setup
	$(PY) scripts/backup.py drill

# Time of importing a 50,000-row residents' workbook (Chinese headers): preview,
# then confirm, through the admin's code (docs/import-export.md); uses its own
# database, portal_bench_import. BENCH_ARGS="--rows 10000 --rebuild".
.PHONY: bench-import
bench-import: setup
	$(PY) scripts/bench_import.py $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

stop:
	$(PY) scripts/portal.py stop

clean: stop
	rm -rf $(VENV) .local

# A large, realistic city for load and scale work (docs/load.md): 100 stations,
# 150,000 residents, 3,000 events, 60,000 registrations, 60,000 consultations and
# 30,000 hours entries in the database of DATABASE_URL (the embedded one when
# unset). CITY_ARGS passes options, e.g. CITY_ARGS="--stations 20 --scale 0.5".
.PHONY: generate-city
generate-city: setup
	eval "$$($(PY) scripts/portal.py env --for run)" && $(PY) manage.py migrate --no-input && \
		$(PY) manage.py generate_city $(CITY_ARGS)

# The load test (docs/load.md): gunicorn, a Celery worker and beat, 60 s of
# residents browsing, then 1,000 residents rushing for 300 places of one event;
# uses its own database, portal_load. LOAD_ARGS="--rebuild --duration 120".
# make load-smoke: the short run the test suite makes (tests/test_load_smoke.py).
.PHONY: load load-smoke
load: setup
	$(PY) scripts/loadtest.py $(LOAD_ARGS)
load-smoke: setup
	$(PY) scripts/loadtest.py --smoke $(LOAD_ARGS)

# The fault checks (docs/faults.md): PostgreSQL restarted under load, Redis
# stopped and started, a worker killed with SIGKILL in the middle of a batch,
# each against servers of its own. FAULTS_ARGS="postgres --outage 20 --keep".
.PHONY: faults
faults: setup
	$(PY) scripts/faults.py $(FAULTS_ARGS)
