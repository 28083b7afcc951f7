# Each target installs what it needs into .venv first, so a fresh clone needs only `make demo`
# or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install install-dev install-torch demo test test-gpu bench clean check mutate

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,viz]"
	touch $@

install: $(VENV)/.installed

install-dev: install

# PyTorch, for the differential tests and benchmarks only (they skip without it).
install-torch: install
	$(PY) -m pip install -q torch==2.13.0

demo: install
	$(PY) examples/demo.py

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-gpu: install
	TINYGRAD_EDU_DEVICE=cuda $(PY) -m pytest $(PYTEST_ARGS)

check: install  # make check EX=03 [SOLUTIONS=1]: the autograder for exercises/EX_*.py
	$(PY) -m tinygrad_edu.exercises check $(EX) $(if $(SOLUTIONS),--solutions)

bench: install
	$(PY) benchmarks/run.py

# Plant each bug listed in mutation/mutants.py in a scratch copy and run the tests that should catch
# it (not part of `make test`: it takes several minutes). MUTATE_ARGS="sigmoid conv" picks some.
mutate: install-torch
	$(PY) mutation/run.py $(MUTATE_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
