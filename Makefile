# The only entry points a newcomer needs: make demo, make test (and make bench, make lint).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Tests run against real PostgreSQL and Redis; these defaults match a local install or
# `docker compose up -d postgres redis`.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/wallboard
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: install demo test bench lint format lock vendor clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: install
	DEBUG=true $(BIN)/python manage.py demo --port $${PORT:-8000}

test: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python -m tests.bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(BIN)/mypy .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin every transitive dependency after changing pyproject.toml.
lock:
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

# Re-vendor the pinned front-end libraries (package.json) into static/vendor/ (needs npm).
vendor:
	./scripts/vendor-static.sh

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
