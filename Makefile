# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench system-deps audit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv
	$(VENV)/bin/uv pip install --python $(PY) -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) pipeline.py demo

system-deps:
	bash scripts/install_system_deps.sh

test: $(STAMP) system-deps
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check .

audit: $(STAMP)
	$(VENV)/bin/pip-audit --progress-spinner off --skip-editable

bench: $(STAMP)
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-output out .pytest_cache
