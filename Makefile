# The two set-up commands of the README. Each creates .venv if needed and installs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test typecheck check bench install clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dingtalk-attendance demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 tests

# basedpyright over pipelines/, assets/ and sensors/: standard mode everywhere, strict on the
# paths listed in pyproject.toml's [tool.basedpyright] `strict`.
typecheck: $(STAMP)
	$(BIN)/python -m basedpyright

check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m basedpyright
	$(BIN)/python -m pytest -n 2 tests

bench: $(STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) data/*.duckdb data/*.sqlite* data/parquet data/dagster_home
