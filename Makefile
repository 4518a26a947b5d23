# keras_gans: `make demo` and `make test` work on a fresh machine (Python >= 3.10, network to PyPI only).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install demo test test-slow lint check-install benchmark benchmark-speed mutants docs notebooks clean

# The package requires `tensorflow` (what Colab and GPU machines have); this
# virtualenv gets the CPU-only wheel, with a metadata-only `tensorflow` standing
# for it so that pip does not add the GPU-capable wheel (tools/cpu_tensorflow.py).
$(STAMP): pyproject.toml requirements/cpu.txt tools/cpu_tensorflow.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python tools/cpu_tensorflow.py
	$(BIN)/python -m pip install -q -e ".[dev,tensorboard]"
	$(BIN)/python tools/cpu_tensorflow.py --verify
	touch $(STAMP)

install: $(STAMP)

## Train the default GAN (DCGAN on the embedded 28x28 MNIST digits), write samples, loss and FD curves, export.
demo: $(STAMP)
	$(BIN)/keras-gans demo --out runs/demo --export-dir exported/demo

## The offline test suite (slow quality runs excluded; see `make test-slow`).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow $(PYTEST_ARGS)

## Mutation check of the engine: named breakages, each must be killed by the tests (about 15 min).
mutants: $(STAMP)
	$(BIN)/python tools/mutants.py

## ruff's lint rules (pyproject.toml [tool.ruff]) and pylint's duplicate-code check of the
## package ([tool.pylint]: no 6 lines repeated between modules); `.ci/run` runs it.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pylint keras_gans

## Would `pip install keras-gans` beside an installed `tensorflow` add another TensorFlow build? (PyPI only)
check-install:
	$(PYTHON) tools/check_tensorflow_install.py

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

.PHONY: docs notebooks

## The documentation site (strict), with the notebooks executed in smoke mode: site/index.html.
docs:
	.ci/docs

## Check the notebooks against their sources and run them headless in smoke mode.
notebooks: $(STAMP)
	$(BIN)/python -m pip install -q -e ".[docs]"
	KERAS_GANS_PYTHON=$(BIN)/python .ci/notebooks
