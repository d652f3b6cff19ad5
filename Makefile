# Two entry points (see README): `make report` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PARAMS ?= params/lejre.yaml

.PHONY: report test batch clean

# Optional speed-up: WeasyPrint subsets fonts 4x faster with the system's HarfBuzz-Subset.
# Installed when missing and we may (root + apt); otherwise WeasyPrint falls back to fontTools.
$(STAMP): pyproject.toml constraints.txt
	@if ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset && command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing libharfbuzz-subset0 (faster PDF fonts)"; \
		apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1 || \
		{ apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libharfbuzz-subset0 >/dev/null 2>&1; } || \
		echo "could not install libharfbuzz-subset0; PDFs render more slowly"; \
	fi
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
