# Two commands on a fresh clone: `make review` runs the whole review, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REVIEW ?= review
TORCH ?= 2.13.0
TORCH_INDEX ?=
OUT ?= $(REVIEW)/build

.PHONY: review test test-quick status validate clean

# PyTorch (for the sentence-embedding model) is installed first, so that nothing pulls in another build:
# here pip's find-links hold the CPU wheel of $(TORCH); elsewhere, `make TORCH_INDEX=https://download.pytorch.org/whl/cpu`
# takes the CPU build from PyTorch's index instead of PyPI's CUDA build and its several GB of packages.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) 'torch==$(TORCH)'
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
