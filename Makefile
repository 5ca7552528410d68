# Corridor: the two commands a newcomer runs are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
MIRROR ?= ../shared/data
OUT ?= out
# uv installs the locked versions; its own version is pinned so every machine resolves alike.
UV_VERSION ?= 0.13.9
# The lock is resolved for the platform the suite runs on (CI: Linux x86_64, Python 3.11).
LOCK_FLAGS := --extra dev --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	--custom-compile-command "make lock"
PYTEST = CORRIDOR_TEST_DATA=$(abspath $(MIRROR)) $(1) -m pytest -q
# Tests run in one worker process per core, each test a unit of work; the longest start first,
# in the order tests/conftest.py gives (LONGEST_FIRST), which xdist must keep
# (--no-loadscope-reorder). See tests/conftest.py on xdist groups under pytest 9.
# TEST_WORKERS=3 runs a third worker on two cores, to compute while the others wait (soaks, slow
# clients, kill points); not yet measured on an idle machine (bench/RESULTS.md, round 6).
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

.PHONY: setup lock lock-check lock-upgrade browser demo test test-all test-lowest lint types deadcode \
	docs-help screenshots bench clean

$(VENV)/.installed: pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --python $(PY) --quiet --compile-bytecode -r requirements.lock
	$(VENV)/bin/uv pip install --python $(PY) --quiet --no-deps -e .
	touch $@

# Install exactly the versions in requirements.lock (and Corridor itself, editable).
setup: $(VENV)/.installed

# Regenerate requirements.lock after changing dependencies in pyproject.toml (keeps every other
# pin as it is); `make lock-upgrade` moves every package to its newest allowed version.
lock:
	@test -x $(VENV)/bin/uv || { python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet uv==$(UV_VERSION); }
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_FLAGS) --quiet -o requirements.lock
	@echo "requirements.lock updated; run 'make setup' to install it."

# CI: fail when requirements.lock does not match pyproject.toml (someone forgot `make lock`).
lock-check:
	@test -x $(VENV)/bin/uv || { python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet uv==$(UV_VERSION); }
	@mkdir -p $(OUT)
	@cp requirements.lock $(OUT)/requirements.lock.check
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_FLAGS) --quiet -o $(OUT)/requirements.lock.check
	@diff -u requirements.lock $(OUT)/requirements.lock.check || \
		{ echo "requirements.lock is out of date with pyproject.toml: run 'make lock' and commit it"; exit 1; }

lock-upgrade:
	@test -x $(VENV)/bin/uv || { python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet uv==$(UV_VERSION); }
	$(VENV)/bin/uv pip compile pyproject.toml $(LOCK_FLAGS) --upgrade --quiet -o requirements.lock

# Browser tests drive Debian's chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@command -v chromium >/dev/null || { echo "could not install chromium"; exit 1; }

# The main job: sync the warehouse from the mirror folder, summarise, and write the report.
demo: setup
	$(VENV)/bin/corridor sync --mirror $(MIRROR)
	$(VENV)/bin/corridor flows --region southwest --by fiscal_year
	$(VENV)/bin/corridor report --out $(OUT)
	@echo "Open $(OUT)/index.html in a browser (it works offline)."
	@echo "Then run corridor yourself: '. $(VENV)/bin/activate', then e.g. 'corridor status'."

# Lint: ruff (rules and formatting), mypy over src/ and vulture (high-confidence dead code); each
# must report 0 findings. `make types` and `make deadcode` run the last two alone.
lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/vulture

types: setup
	$(VENV)/bin/mypy src

# vulture_whitelist.py lists the names used from outside our code (see its docstring).
deadcode: setup
	$(VENV)/bin/vulture

# The fast suite: lint and every test not marked `slow`, in parallel, on the real data in
# $(MIRROR). Run `make test-all` (adds the slow statistical and end-to-end tests) before
# resolving an issue.
# Lint runs beside the tests (a cold mypy keeps one core busy for ~25 s, and the tests cannot
# use both cores all the time); its report follows the tests', and either failing fails
# `make test`. Hypothesis: `fast` draws a quarter of each property's examples, `thorough` all
# (tests/conftest.py).
test: setup browser
	@mkdir -p $(OUT)
	@$(MAKE) --no-print-directory lint > $(OUT)/lint.log 2>&1 & lint=$$!; \
	$(call PYTEST,$(PY)) $(XDIST) -m "not slow" --hypothesis-profile=fast; tests=$$?; \
	wait $$lint; linted=$$?; echo "---- make lint (run beside the tests) ----"; cat $(OUT)/lint.log; \
	[ $$linted -eq 0 ] || echo "make test: lint failed (above)"; \
	[ $$tests -eq 0 ] && [ $$linted -eq 0 ]

test-all: lint browser
	$(call PYTEST,$(PY)) $(XDIST) --hypothesis-profile=thorough

# The fast suite on the lowest versions pyproject.toml allows (direct dependencies at their lower
# bounds, the rest at their newest), in a separate venv: checks that the lower bounds are honest.
LOWEST ?= .venv-lowest
test-lowest: browser
	rm -rf $(LOWEST)
	python3 -m venv $(LOWEST)
	$(LOWEST)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(LOWEST)/bin/uv pip install --python $(LOWEST)/bin/python --quiet --resolution lowest-direct -e '.[dev]'
	$(LOWEST)/bin/uv pip freeze --python $(LOWEST)/bin/python > $(LOWEST)/versions.txt
	$(call PYTEST,$(LOWEST)/bin/python) $(XDIST) -m "not slow" --hypothesis-profile=fast

# docs/cli.md: every verb's --help, regenerated (tests/test_docs.py fails when it is stale).
docs-help: setup
	$(PY) -m tests.test_docs --write-cli docs/cli.md

# Refresh the dashboard screenshots in docs/screenshots/ (tests write theirs under out/).
screenshots: setup browser
	CORRIDOR_SCREENSHOTS=$(abspath docs/screenshots) $(call PYTEST,$(PY)) tests/test_web_browser.py

# Benchmarks print each timing beside a baseline measured in the same run; see bench/RESULTS.md.
bench: setup
	$(VENV)/bin/corridor sync --mirror $(MIRROR)
	$(PY) bench/sync_flows.py --mirror $(MIRROR)
	$(PY) bench/forecast_suites.py
	$(PY) bench/evaluate_bench.py
	$(PY) bench/simulate_bench.py
	$(PY) bench/web_load.py

clean:
	rm -rf $(VENV) $(LOWEST) corridor.duckdb .corridor-cache $(OUT)
