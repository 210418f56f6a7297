# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo-output

.PHONY: demo test lint bench clean docs

# The sample returns inside the cs-demand-model wheel are test input (read from the wheel,
# never committed); the wheel is downloaded, not installed (it pins pandas<2).
PEER_WHEELS := $(VENV)/peer-wheels
SAMPLES := $(PEER_WHEELS)/.downloaded

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(SAMPLES): $(STAMP)
	$(BIN)/python -m pip download --quiet --no-deps --dest $(PEER_WHEELS) cs-demand-model==0.5.1
	touch $(SAMPLES)

demo: $(STAMP)
	$(BIN)/sufficiency demo --out $(DEMO)

test: $(STAMP) $(SAMPLES)
	$(BIN)/ruff check src tests bench studies scripts
	SUFFICIENCY_PEER_WHEELS=$(PEER_WHEELS) $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache

# The generated reference (docs/reference/, docs/validation.md, docs/indicators.md) from the code.
docs: $(STAMP)
	$(BIN)/python scripts/gen_reference.py
	$(BIN)/python -m sufficiency.ssda903.validate > docs/validation.md
	$(BIN)/python -m sufficiency.indicators > docs/indicators.md
