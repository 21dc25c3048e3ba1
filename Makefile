# Two commands do all set-up on a fresh machine with Python 3.11+ and make:
#   make run    serve KetaCare with an embedded SQLite database and the demo clinic
#   make test   run every test (SQLite; PostgreSQL too when DATABASE_URL is set)
PORT ?= 8000
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The demo turns two-factor login off unless the environment asks for it (production requires it).
run: install
	KETACARE_REQUIRE_MFA=$${KETACARE_REQUIRE_MFA:-0} $(BIN)/ketacare serve --port $(PORT) --with-demo


# The pure core and every Django test run on SQLite; the tests that touch the database run again on
# PostgreSQL when DATABASE_URL names one. Both passes run in parallel (pytest-xdist, one worker per
# core, each with its own test database); PYTEST_ARGS="-n 0" runs in one process.
PYTEST_ARGS ?= -n auto --dist loadgroup
test: install
	env -u DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== again on PostgreSQL ($$DATABASE_URL), tests that use the database =="; \
		KETACARE_DATABASE_TESTS_ONLY=1 $(BIN)/python -m pytest $(PYTEST_ARGS); \
	else \
		echo "== DATABASE_URL is not set: PostgreSQL tests not run =="; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ketacare benchmarks scripts

bench: install
	$(BIN)/python -m benchmarks
