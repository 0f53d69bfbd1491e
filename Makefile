# Two commands on a fresh clone: `make review` runs the whole review, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REVIEW ?= review
OUT ?= $(REVIEW)/build

.PHONY: review test test-quick status validate clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

review: $(STAMP)
	$(BIN)/reviewkit run --review $(REVIEW) --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

status: $(STAMP)
	$(BIN)/reviewkit status --review $(REVIEW)

validate: $(STAMP)
	$(BIN)/reviewkit validate --review $(REVIEW)

clean:
	rm -rf $(OUT)
