# keras_gans: `make demo` and `make test` work on a fresh machine (Python >= 3.10, network to PyPI only).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install demo test test-slow benchmark benchmark-speed clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Train the default GAN (DCGAN on the embedded digits), write samples, loss curve and export.
demo: $(STAMP)
	$(BIN)/keras-gans demo --out runs/demo --export-dir exported/demo

## The offline test suite (slow quality runs excluded; see `make test-slow`).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow $(PYTEST_ARGS)

benchmark: $(STAMP)
	$(BIN)/python benchmarks/mixtures.py --out benchmarks/results

## Speed (docs/benchmarks.md): the zoo through fit and a hand-written loop, XLA on/off, and PyTorch
## when TORCH_PYTHON (default /work/torchvenv/bin/python) imports torch; then sampling, export, norms.
TORCH_PYTHON ?= /work/torchvenv/bin/python
benchmark-speed: $(STAMP)
	$(BIN)/python benchmarks/speed.py --torch-python $(TORCH_PYTHON) --out benchmarks/results
	$(BIN)/python benchmarks/generate_speed.py --json benchmarks/results/generate_speed.json
	$(BIN)/python benchmarks/export_speed.py
	$(BIN)/python benchmarks/norms.py
	-$(TORCH_PYTHON) benchmarks/norms.py --torch

clean:
	rm -rf $(VENV) runs build *.egg-info
