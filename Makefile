# The two set-up commands of the README. Each creates .venv if needed and installs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test typecheck check bench chaos benchmarks-doc install clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dingtalk-attendance demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 tests

# Strict basedpyright over pipelines/, assets/ and sensors/ (configured in pyproject.toml).
typecheck: $(STAMP)
	$(BIN)/python -m basedpyright

# The type check reports but does not fail `check` until the code base passes it (issue 10,
# item 6); TYPECHECK_GATE=1 makes it fail.
TYPECHECK_GATE ?= 0

check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m basedpyright || test "$(TYPECHECK_GATE)" != 1
	$(BIN)/python -m pytest -n 2 tests

# Every benchmark writes JSON under bench/results/; docs/benchmarks.md is generated from them.
BENCHES := backfill_quota client_rate_limit emulator_api emulator_push event_latency listener_ingest

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
