# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test fuzz lint bench system-deps audit clean

# The venv's bundled pip 23.2 and setuptools 65.5 carry published advisories: they are upgraded.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check uv
	$(VENV)/bin/uv pip install --python $(PY) -q -e '.[test]'
	$(VENV)/bin/uv pip install --python $(PY) -q --upgrade pip setuptools
	touch $(STAMP)

demo: $(STAMP)
	$(PY) pipeline.py demo

system-deps:
	bash scripts/install_system_deps.sh

test: $(STAMP) system-deps
	$(PY) -m pytest -q -p no:cacheprovider

# Property tests with fresh random examples (CI and `make test` use a fixed, derandomized set):
# a failure prints the example; keep it as an @example in the test before fixing the code.
fuzz: $(STAMP)
	OBS_HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -p no:cacheprovider \
		tests/reliability/test_properties.py tests/nlp/test_eval_data.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Dependency audit with PyPI's advisory data (scripts/audit_deps.py says why not pip-audit here).
audit: $(STAMP)
	$(PY) scripts/audit_deps.py $(AUDIT_FLAGS)

bench: $(STAMP)
	for b in bench/bench_*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-output out .pytest_cache
