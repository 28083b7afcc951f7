# Each target installs what it needs into .venv first, so a fresh clone needs only `make demo`
# or `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install install-dev install-torch demo notebooks test test-gpu bench clean

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

# Rebuild notebooks/*.ipynb from examples/NN_*.py (jupytext) and run them, outputs stored (nbclient).
notebooks: install
	$(PY) notebooks/build.py

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

test-gpu: install
	TINYGRAD_EDU_DEVICE=cuda $(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
