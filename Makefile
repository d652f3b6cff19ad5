# Two entry points (see README): `make report` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PARAMS ?= params/lejre.yaml

.PHONY: report test batch clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix > /dev/null
	touch $(STAMP)

## build the example report from the embedded data and print the PDF's path
report: $(STAMP)
	$(BIN)/evaltools run $(PARAMS) --force

## run the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) reports/*/
