# Corridor: the two commands a newcomer runs are `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
MIRROR ?= ../shared/data
OUT ?= out

.PHONY: setup browser demo test lint bench clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv
	$(VENV)/bin/uv pip install --python $(PY) --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

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

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

# The whole test suite: lint, then every test on the real data in $(MIRROR).
test: lint browser
	CORRIDOR_TEST_DATA=$(abspath $(MIRROR)) $(PY) -m pytest -q

# Benchmarks print each timing beside a baseline measured in the same run; see bench/RESULTS.md.
bench: setup
	$(VENV)/bin/corridor sync --mirror $(MIRROR)
	$(PY) bench/sync_flows.py --mirror $(MIRROR)
	$(PY) bench/forecast_suites.py
	$(PY) bench/evaluate_bench.py
	$(PY) bench/simulate_bench.py
	$(PY) bench/web_load.py

clean:
	rm -rf $(VENV) corridor.duckdb .corridor-cache $(OUT)
