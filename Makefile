# The two set-up commands of the README. Each creates .venv if needed and installs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast typecheck check bench chaos benchmarks-doc install clean

$(STAMP): pyproject.toml constraints.txt requirements-cluster.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-cluster.txt
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dingtalk-attendance demo

# Two tiers: the tests that stay in this process first (a few minutes; a failure shows early),
# then those that cross a process or a socket (`integration`). The second tier keeps a file's
# tests on one worker so that its module fixtures (a synced month, a real-path day) run once.
test: test-fast
	$(BIN)/python -m pytest -n 2 --dist loadfile -m integration tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not integration" tests

# basedpyright over pipelines/, assets/ and sensors/: standard mode everywhere, strict on the
# paths listed in pyproject.toml's [tool.basedpyright] `strict`.
typecheck: $(STAMP)
	$(BIN)/python -m basedpyright

check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m basedpyright
	$(MAKE) test

# Every benchmark writes JSON under bench/results/; docs/benchmarks.md is generated from them.
BENCHES := backfill_quota client_rate_limit emulator_api emulator_push event_latency listener_ingest \
	warehouse_compaction

bench: $(STAMP)
	for script in $(BENCHES); do $(BIN)/python bench/$$script.py --json bench/results/$$script.json || exit 1; done
	$(BIN)/python bench/benchmarks_doc.py

benchmarks-doc: $(STAMP)
	$(BIN)/python bench/benchmarks_doc.py

# Hostile input and faults in one run (issue 17); `--quick` is the reduced run of the test suite.
chaos: $(STAMP)
	$(BIN)/python bench/chaos.py

clean:
	rm -rf $(VENV) data/*.duckdb data/*.sqlite* data/parquet data/dagster_home
