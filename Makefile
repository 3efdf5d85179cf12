# Everyday commands. Needs only GNU make and Python 3.11+; everything else lands in .venv.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements
MANAGE := $(BIN)/python manage.py

# Both can be overridden from the environment or the command line: `PORT=8080 make demo`.
PORT ?= 8000
DEMO_PASSWORD ?= demo-okot-2026
POSTGRES_TEST_URL ?= postgres://postgres@localhost:5432/test
# The integration tests' database (pytest-django makes test_integration) and the benchmark's
# throwaway database and Redis db; neither touches the dev database.
POSTGRES_INTEGRATION_URL ?= postgres://postgres@localhost:5432/integration
BENCH_PG ?= -h localhost -p 5432 -U postgres
BENCH_DATABASE ?= okot_bench
BENCH_DATABASE_URL ?= postgres://postgres@localhost:5432/$(BENCH_DATABASE)
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
BENCH_TRANSITIONS ?= 1000
# The reports' benchmark: its own throwaway database, the referrals it fills and the timed runs.
BENCH_REPORT_DATABASE ?= okot_bench_report
BENCH_REPORT_DATABASE_URL ?= postgres://postgres@localhost:5432/$(BENCH_REPORT_DATABASE)
# The steps' benchmark: its own throwaway database, the referrals it fills and the timed calls.
BENCH_STEP_DATABASE ?= okot_bench_step
BENCH_STEP_DATABASE_URL ?= postgres://postgres@localhost:5432/$(BENCH_STEP_DATABASE)
BENCH_STEP_REFERRALS ?= 100000
BENCH_STEP_REPEAT ?= 200
BENCH_REFERRALS ?= 1000000
BENCH_REPEAT ?= 5
# The import's benchmark: the rows of its legitimate file and the runs per file.
BENCH_IMPORT_ROWS ?= 60000
BENCH_IMPORT_REPEAT ?= 1
# The audit trail's benchmark: its own throwaway database, requests per page and mode, and
# the rows of trail already written before it starts.
BENCH_AUDIT_DATABASE ?= okot_bench_audit
BENCH_AUDIT_DATABASE_URL ?= postgres://postgres@localhost:5432/$(BENCH_AUDIT_DATABASE)
BENCH_AUDIT_REQUESTS ?= 200
BENCH_AUDIT_TRAIL ?= 200000
# The API's benchmark beside the pages: its own throwaway database and Redis db (the steps'
# e-mails wait there, purged after), the referrals of its one OCMW and the timed requests.
BENCH_API_DATABASE ?= okot_bench_api
BENCH_API_DATABASE_URL ?= postgres://postgres@localhost:5432/$(BENCH_API_DATABASE)
BENCH_API_REDIS_URL ?= redis://127.0.0.1:6379/13
BENCH_API_REFERRALS ?= 5000
BENCH_API_REQUESTS ?= 200
BENCH_ARGS ?=
# The benchmark of the whole application (make bench-data, then make bench as often as
# wanted): a PostgreSQL database that stays, the referrals it holds, gunicorn's workers and
# the timed rounds of every page, and the Redis db where the steps' e-mails wait (purged).
BENCH_DATA_DATABASE ?= okot_bench_flanders
BENCH_DATA_DATABASE_URL ?= postgres://postgres@localhost:5432/$(BENCH_DATA_DATABASE)
BENCH_DATA_REFERRALS ?= 1000000
BENCH_DATA_REDIS_URL ?= redis://127.0.0.1:6379/11
BENCH_WORKERS ?= 2
BENCH_ROUNDS ?= 20
# make bench-load: people asking at once, the seconds each number of them asks, gunicorn's workers
# (the image's default, WEB_CONCURRENCY).
BENCH_LOAD_CLIENTS ?= 1,2,4,8
BENCH_LOAD_SECONDS ?= 30
BENCH_LOAD_WORKERS ?= 3
# make bench-jobs: timed runs of each background job.
BENCH_JOBS_REPEAT ?= 3
# The backup's round trip (make backup-check): two throwaway databases on the BENCH_PG server,
# the demo loaded into the first, its dump restored into the second.
BACKUP_CHECK_SOURCE ?= okot_backup_check_source
BACKUP_CHECK_RESTORED ?= okot_backup_check_restored
BACKUP_CHECK_SERVER_URL ?= postgres://postgres@localhost:5432
# The API's fuzzing (make test-api-fuzz): a throwaway PostgreSQL database (its name must say
# fuzz; DATABASE_URL wins), the test cases per operation and token, and more options.
FUZZ_DATABASE_URL ?= postgres://postgres@localhost:5432/okot_fuzz
FUZZ_EXAMPLES ?= 10
FUZZ_ARGS ?=
PYTEST_ARGS ?=
# Options of `make screenshots`, e.g. SCREENSHOTS_ARGS="--role caseworker --viewport phone".
SCREENSHOTS_ARGS ?=
# Processes of `make test` and `make test-postgres` (pytest-xdist): one per core ("auto"), each
# with its own test database; PYTEST_WORKERS=0 runs the suite in this process, one test at a
# time. The browser and integration tests always run that way (one live server, one worker).
# Tests are handed out one by one in their collected order (--dist load): pytest-django puts
# the transactional tests, which empty the tables, after the others, and only that keeps the
# roles of the data migration there for every test (--dist loadfile or worksteal mix them).
PYTEST_WORKERS ?= auto
# The broker of `make worker` and `make beat` unless REDIS_URL is set.
LOCAL_REDIS_URL ?= redis://localhost:6379/0

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv install demo migrate worker beat test test-postgres test-clock test-browser test-integration test-api-fuzz bench-data bench bench-load bench-jobs bench-notify bench-report bench-step bench-import bench-audit bench-api backup-check screenshots lint format check domain-doc messages clean distclean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed; set PYTHON=/path/to/python3.x" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changes (or the venv is new).
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -r requirements-dev.txt
	@touch $@

venv: $(STAMP)  ## Create .venv and install requirements-dev.txt

install: $(STAMP)  ## Same as venv

# Links in e-mails point at the port served (SITE_URL, unless set).
DEMO_ENV = DJANGO_SETTINGS_MODULE=config.settings.local SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}"

demo: install  ## Migrate a local SQLite db, load demo data, serve on 127.0.0.1:PORT (8000)
	$(DEMO_ENV) $(MANAGE) migrate --noinput
	$(DEMO_ENV) $(MANAGE) seed_demo --password "$(DEMO_PASSWORD)"
	$(DEMO_ENV) $(MANAGE) runserver 127.0.0.1:$(PORT)

migrate: install  ## Apply migrations (DATABASE_URL, default SQLite db.sqlite3)
	$(MANAGE) migrate --noinput

# Both use the local settings (SQLite or DATABASE_URL, mail to the console) unless
# DJANGO_SETTINGS_MODULE says otherwise; the web app must run with the same REDIS_URL.
worker: install  ## Celery worker delivering e-mails (REDIS_URL, default redis://localhost:6379/0)
	REDIS_URL="$${REDIS_URL:-$(LOCAL_REDIS_URL)}" REMAP_SIGTERM=SIGQUIT $(BIN)/celery -A config worker -l info

beat: install  ## Celery beat: the relay of pending e-mails and the daily reminders (REDIS_URL as worker)
	REDIS_URL="$${REDIS_URL:-$(LOCAL_REDIS_URL)}" $(BIN)/celery -A config beat -l info \
		--schedule $(VENV)/celerybeat-schedule

test: install  ## Run the test suite (SQLite in memory, or DATABASE_URL if set)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

test-postgres: install  ## Run the test suite on PostgreSQL (DATABASE_URL, default postgres://postgres@localhost:5432/test)
	DATABASE_URL="$${DATABASE_URL:-$(POSTGRES_TEST_URL)}" $(BIN)/pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

# The next New Year's night, spring and autumn clock changes and 29 February (tests/clock.py).
CLOCKS = new-year spring autumn leap-day

test-clock: install  ## Run the test suite as make test with the clock moved to each of CLOCKS in turn
	for clock in $(CLOCKS); do \
		$(BIN)/pytest -n $(PYTEST_WORKERS) --dist load --clock $$clock $(PYTEST_ARGS) || exit 1; \
	done

test-browser: install  ## End-to-end and accessibility tests in Chromium (needs /usr/bin/chromium)
	$(BIN)/pytest -m browser tests/browser $(PYTEST_ARGS)

# The tests start their own redis-server (to stop it mid-test), Celery worker and beat, an
# SMTP server and a webhook receiver; they need PostgreSQL, shared with the worker, and the
# redis-server binary.
test-integration: install  ## Delivery through real Redis, Celery worker, SMTP and HTTP, and an import whose worker is lost (PostgreSQL: DATABASE_URL, default .../integration)
	DATABASE_URL="$${DATABASE_URL:-$(POSTGRES_INTEGRATION_URL)}" \
		$(BIN)/pytest -m integration tests/notifications/integration tests/webhooks/integration tests/referrals/integration $(PYTEST_ARGS)

# The database is dropped and made again, migrated and the demo loaded, with a token for a
# caseworker and one for a counsellor; gunicorn serves the app on a free port of 127.0.0.1
# with the local settings (mail to the console, tasks in-process: no SMTP server or Redis)
# and a throttle no fuzzer reaches; schemathesis reads the live schema and runs every
# operation as each token. The server is stopped whatever happens; its log is shown on failure.
# One schemathesis worker: with two threads, Hypothesis's lambda descriptions run `ast.parse`
# concurrently, which Python 3.11 can fail with "AST constructor recursion depth mismatch"
# (CPython gh-106905, fixed in 3.12), an error of the fuzzer, not of the API.
test-api-fuzz: install  ## Fuzz the API from its live schema (schemathesis): no 500s, answers as the schema says
	@url="$${DATABASE_URL:-$(FUZZ_DATABASE_URL)}"; db="$${url##*/}"; \
	case "$$db" in *fuzz*) ;; *) echo "test-api-fuzz drops and makes the database: its name must contain 'fuzz' (this is $$db)" >&2; exit 1;; esac; \
	dropdb --if-exists --force --maintenance-db="$${url%/*}/postgres" "$$db" \
		&& createdb --maintenance-db="$${url%/*}/postgres" "$$db" || exit 1; \
	export DATABASE_URL="$$url" DJANGO_SETTINGS_MODULE=config.settings.local ALLOWED_HOSTS=127.0.0.1 \
		API_THROTTLE_RATE=100000/minute; \
	unset REDIS_URL; \
	$(MANAGE) migrate --noinput -v 0 && $(MANAGE) seed_demo > /dev/null || exit 1; \
	caseworker="$$($(MANAGE) api_token ocmw-gent --name schemathesis --days 1 2>/dev/null)" \
		&& counsellor="$$($(MANAGE) api_token vdab-gent --name schemathesis --days 1 2>/dev/null)" \
		|| exit 1; \
	port="$$($(BIN)/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"; \
	log="$$(mktemp)"; \
	$(BIN)/gunicorn --config config/gunicorn.conf.py --bind "127.0.0.1:$$port" --workers 2 \
		--access-logfile - >"$$log" 2>&1 & server=$$!; \
	trap 'kill $$server 2>/dev/null; wait $$server 2>/dev/null; rm -f "$$log"' EXIT; \
	status=0; \
	for role in caseworker counsellor; do \
		echo "==> schemathesis as the $$role"; \
		$(BIN)/schemathesis run "http://127.0.0.1:$$port/api/schema/" --wait-for-schema 60 \
			--checks not_a_server_error,response_schema_conformance \
			--header "Authorization: Bearer $${!role}" --max-examples $(FUZZ_EXAMPLES) \
			--workers 1 --generation-database none --no-color $(FUZZ_ARGS) || status=1; \
	done; \
	if [ $$status -ne 0 ]; then echo "==> the server's log" >&2; grep -Ev '" [1-4][0-9][0-9] |^(Bad Request|Unauthorized|Forbidden|Not Found|Conflict|Unprocessable Content|Too Many Requests): ' "$$log" | tail -n 200 >&2; fi; \
	exit $$status

# The database of `make bench`, made again from nothing (dropped first) and kept.
bench-data: install  ## Fill PostgreSQL with a Flanders: 300 OCMWs, 3,000 users, 800,000 clients, BENCH_DATA_REFERRALS (1,000,000) referrals
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_DATA_DATABASE)
	createdb $(BENCH_PG) $(BENCH_DATA_DATABASE)
	export DATABASE_URL="$(BENCH_DATA_DATABASE_URL)" DJANGO_SETTINGS_MODULE=config.settings.production \
		ALLOWED_HOSTS=localhost SECRET_KEY=bench-data-only; \
	$(MANAGE) migrate --noinput -v 0 && $(MANAGE) bench_data --referrals $(BENCH_DATA_REFERRALS)

# Production settings over plain HTTP (no TLS proxy in front), static files collected; the
# command serves the app with gunicorn itself. Migrates first: bench-data's database may be
# older than the code. The figures of all of Flanders are counted on the first request after
# a step (OKOT_FIGURES_STALE_SECONDS=0): with no Celery worker in the benchmark, they would
# otherwise be shown as last counted for five minutes, and the count is what is measured.
bench: install  ## Time every role's pages over HTTP with gunicorn on bench-data's database: median, p95, queries, main query
	export DATABASE_URL="$(BENCH_DATA_DATABASE_URL)" REDIS_URL="$(BENCH_DATA_REDIS_URL)" \
		DJANGO_SETTINGS_MODULE=config.settings.production ALLOWED_HOSTS=127.0.0.1,localhost \
		SECURE_SSL_REDIRECT=false BEHIND_TLS_PROXY=false LOG_LEVEL=WARNING \
		OKOT_FIGURES_STALE_SECONDS=0 \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	$(MANAGE) migrate --noinput -v 0 && $(MANAGE) collectstatic --noinput -v 0 \
		&& $(MANAGE) bench --workers $(BENCH_WORKERS) --repeat $(BENCH_ROUNDS) $(BENCH_ARGS)

bench-load: install  ## Page views a second and their latency with BENCH_LOAD_CLIENTS (1,2,4,8) people at once, on bench-data's database
	export DATABASE_URL="$(BENCH_DATA_DATABASE_URL)" REDIS_URL="$(BENCH_DATA_REDIS_URL)" \
		DJANGO_SETTINGS_MODULE=config.settings.production ALLOWED_HOSTS=127.0.0.1,localhost \
		SECURE_SSL_REDIRECT=false BEHIND_TLS_PROXY=false LOG_LEVEL=WARNING \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	$(MANAGE) migrate --noinput -v 0 && $(MANAGE) collectstatic --noinput -v 0 \
		&& $(MANAGE) bench_load --clients $(BENCH_LOAD_CLIENTS) --seconds $(BENCH_LOAD_SECONDS) \
			--workers $(BENCH_LOAD_WORKERS) $(BENCH_ARGS)

# On bench-data's database, in a transaction rolled back at the end (the database stays as
# filled); no Redis: the e-mails are handed to the broker only on a commit that never comes.
bench-jobs: install  ## Time the background jobs on bench-data's database: reminders, retention, relay, digest (rolled back)
	export DATABASE_URL="$(BENCH_DATA_DATABASE_URL)" DJANGO_SETTINGS_MODULE=config.settings.production \
		ALLOWED_HOSTS=localhost LOG_LEVEL=WARNING \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	unset REDIS_URL; \
	$(MANAGE) migrate --noinput -v 0 && $(MANAGE) bench_jobs --repeat $(BENCH_JOBS_REPEAT) $(BENCH_ARGS)

# A throwaway PostgreSQL database okot_bench, made, migrated and dropped again; Redis db 14.
bench-notify: install  ## Benchmark e-mail delivery: BENCH_TRANSITIONS (1000) steps through worker and SMTP
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_DATABASE)
	createdb $(BENCH_PG) $(BENCH_DATABASE)
	export DATABASE_URL="$(BENCH_DATABASE_URL)" \
		REDIS_URL="$(BENCH_REDIS_URL)" DJANGO_SETTINGS_MODULE=config.settings.production \
		ALLOWED_HOSTS=localhost SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	status=0; \
	$(MANAGE) migrate --noinput -v 0 \
		&& $(MANAGE) bench_notify --transitions $(BENCH_TRANSITIONS) $(BENCH_ARGS) || status=$$?; \
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_DATABASE); \
	exit $$status

# A throwaway PostgreSQL database okot_bench_report, made, migrated, filled and dropped again.
bench-report: install  ## Benchmark the reports: BENCH_REFERRALS (1,000,000) referrals, each table against its bare SQL
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_REPORT_DATABASE)
	createdb $(BENCH_PG) $(BENCH_REPORT_DATABASE)
	export DATABASE_URL="$(BENCH_REPORT_DATABASE_URL)" DJANGO_SETTINGS_MODULE=config.settings.production \
		ALLOWED_HOSTS=localhost SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	status=0; \
	$(MANAGE) migrate --noinput -v 0 \
		&& $(MANAGE) bench_report --referrals $(BENCH_REFERRALS) --repeat $(BENCH_REPEAT) $(BENCH_ARGS) \
		|| status=$$?; \
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_REPORT_DATABASE); \
	exit $$status

# A throwaway PostgreSQL database okot_bench_step, made, migrated, filled and dropped again;
# no Redis: the hand-off to the broker after commit is not what is timed.
bench-step: install  ## Benchmark each step against a bare transaction with the same writes: BENCH_STEP_REFERRALS (100,000)
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_STEP_DATABASE)
	createdb $(BENCH_PG) $(BENCH_STEP_DATABASE)
	export DATABASE_URL="$(BENCH_STEP_DATABASE_URL)" DJANGO_SETTINGS_MODULE=config.settings.production \
		ALLOWED_HOSTS=localhost SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	unset REDIS_URL; \
	status=0; \
	$(MANAGE) migrate --noinput -v 0 \
		&& $(MANAGE) bench_step --referrals $(BENCH_STEP_REFERRALS) --repeat $(BENCH_STEP_REPEAT) \
			$(BENCH_ARGS) || status=$$?; \
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_STEP_DATABASE); \
	exit $$status

# A throwaway database the command makes and drops: a temporary SQLite file, or
# <name>_bench_import next to DATABASE_URL's PostgreSQL database when that is set.
bench-import: install  ## Benchmark the import: BENCH_IMPORT_ROWS (60,000) rows as CSV and XLSX, and hostile files
	DJANGO_SETTINGS_MODULE=config.settings.production ALLOWED_HOSTS=localhost \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(MANAGE) bench_import --rows $(BENCH_IMPORT_ROWS) --repeat $(BENCH_IMPORT_REPEAT) $(BENCH_ARGS)

# A throwaway PostgreSQL database okot_bench_audit, made, migrated, filled and dropped again.
bench-audit: install  ## Benchmark the audit trail: a page view with and without its rows, BENCH_AUDIT_REQUESTS (200) each
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_AUDIT_DATABASE)
	createdb $(BENCH_PG) $(BENCH_AUDIT_DATABASE)
	export DATABASE_URL="$(BENCH_AUDIT_DATABASE_URL)" DJANGO_SETTINGS_MODULE=config.settings.production \
		ALLOWED_HOSTS=localhost LOG_LEVEL=WARNING SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	status=0; \
	$(MANAGE) migrate --noinput -v 0 \
		&& $(MANAGE) bench_audit --requests $(BENCH_AUDIT_REQUESTS) --trail $(BENCH_AUDIT_TRAIL) $(BENCH_ARGS) \
		|| status=$$?; \
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_AUDIT_DATABASE); \
	exit $$status

# A throwaway PostgreSQL database okot_bench_api, made, migrated, filled and dropped again;
# production settings over plain HTTP (no TLS proxy in front), static files collected, a
# throttle the benchmark does not reach; the command serves the app with gunicorn itself.
bench-api: install  ## Benchmark the API beside the pages: list, referral and a step over HTTP, BENCH_API_REQUESTS (200) each
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_API_DATABASE)
	createdb $(BENCH_PG) $(BENCH_API_DATABASE)
	export DATABASE_URL="$(BENCH_API_DATABASE_URL)" REDIS_URL="$(BENCH_API_REDIS_URL)" \
		DJANGO_SETTINGS_MODULE=config.settings.production ALLOWED_HOSTS=127.0.0.1,localhost \
		SECURE_SSL_REDIRECT=false BEHIND_TLS_PROXY=false API_THROTTLE_RATE=1000000/minute \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; \
	status=0; \
	$(MANAGE) migrate --noinput -v 0 && $(MANAGE) collectstatic --noinput -v 0 \
		&& $(MANAGE) bench_api --referrals $(BENCH_API_REFERRALS) --requests $(BENCH_API_REQUESTS) \
			$(BENCH_ARGS) || status=$$?; \
	dropdb $(BENCH_PG) --if-exists --force $(BENCH_API_DATABASE); \
	exit $$status

# Backup and restore as docs/operations.md says: migrate and load the demo into a throwaway
# database, pg_dump -Fc it, pg_restore the dump into another fresh one, compare every table's
# rows and checksum and every sequence (compare_databases), then change one referral in the
# restore and expect the comparison to fail, so that a comparison that sees nothing cannot
# pass. Both databases and the dump are removed whatever happens.
backup-check: install  ## Prove a backup restores: pg_dump -Fc, pg_restore, compare every table (PostgreSQL)
	@pg="$(BENCH_PG)"; source="$(BACKUP_CHECK_SOURCE)"; restored="$(BACKUP_CHECK_RESTORED)"; \
	url="$(BACKUP_CHECK_SERVER_URL)"; dump="$$(mktemp --suffix=.dump)"; \
	cleanup() { dropdb $$pg --if-exists --force "$$source"; dropdb $$pg --if-exists --force "$$restored"; rm -f "$$dump"; }; \
	trap cleanup EXIT; cleanup; \
	createdb $$pg "$$source" && createdb $$pg "$$restored" || exit 1; \
	export DATABASE_URL="$$url/$$source" DJANGO_SETTINGS_MODULE=config.settings.local; unset REDIS_URL; \
	echo "==> migrate and load the demo into $$source"; \
	$(MANAGE) migrate --noinput -v 0 && $(MANAGE) seed_demo > /dev/null || exit 1; \
	echo "==> pg_dump -Fc, pg_restore into $$restored"; \
	pg_dump $$pg --format=custom --file="$$dump" "$$source" || exit 1; \
	pg_restore $$pg --no-owner --exit-on-error --dbname="$$restored" "$$dump" || exit 1; \
	echo "==> compare"; \
	$(MANAGE) compare_databases "$$url/$$source" "$$url/$$restored" || exit 1; \
	echo "==> change one referral in the restore: the comparison must see it"; \
	psql $$pg -q -d "$$restored" -c "UPDATE referrals_referral SET external_id = 'changed' WHERE id = (SELECT min(id) FROM referrals_referral)" || exit 1; \
	if $(MANAGE) compare_databases "$$url/$$source" "$$url/$$restored" > /dev/null 2>&1; then \
		echo "compare_databases did not see a changed referral" >&2; exit 1; fi; \
	echo "==> backup-check passed"

# A throwaway SQLite database in a temporary folder (never db.sqlite3 or DATABASE_URL's), the
# demo loaded, runserver on a free port, and Chromium (SCREENSHOTS_CHROMIUM, default
# /usr/bin/chromium). Only the PNGs README.md shows are committed (.gitignore).
screenshots: install  ## PNGs of each role's main pages, both languages, desktop and phone: docs/screenshots
	env -u DATABASE_URL -u REDIS_URL DJANGO_SETTINGS_MODULE=config.settings.local \
		$(MANAGE) screenshots $(SCREENSHOTS_ARGS)

lint: install  ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install  ## Fix what ruff can fix and reformat
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The deploy check runs with throwaway values for what production takes from the environment.
check: install  ## Django system checks, missing migrations, deploy checks of production settings
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) domain_doc --check
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ALLOWED_HOSTS=example.org SITE_URL=https://example.org \
		$(MANAGE) check --deploy --fail-level WARNING

domain-doc: install  ## Write the generated parts of docs/DOMAIN.md (states, steps, codes) from the code
	$(MANAGE) domain_doc

messages: install  ## Update locale/*.po for nl and en and compile them (needs gettext)
	@command -v msgfmt >/dev/null \
		|| { echo "make messages needs GNU gettext (e.g. apt-get install gettext)" >&2; exit 1; }
	$(MANAGE) makemessages -l nl -l en --add-location file --ignore=.venv --ignore=staticfiles --ignore=tests
	$(MANAGE) compilemessages --ignore=.venv --ignore=staticfiles

clean:  ## Remove caches and collected static files
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache staticfiles

distclean: clean  ## Also remove .venv and the local SQLite database
	rm -rf $(VENV) db.sqlite3
