# `make demo` and `make test` work on a fresh clone with only Python >= 3.10 and pip.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME := $(VENV)/.runtime
DEV := $(VENV)/.dev
NOTEBOOK := $(VENV)/.notebook
NOTEBOOK_ARGS ?=

.PHONY: demo test notebook bench lint soak clean

# The demo needs the runtime dependencies only (a plain install); the tests add the dev extra (torch, onnx,
# jax, ...) as an editable install, for working on the code.
$(RUNTIME): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet .
	touch $(RUNTIME)

$(DEV): $(RUNTIME)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(DEV)

$(NOTEBOOK): $(RUNTIME)
	$(PY) -m pip install --quiet '.[notebook]'
	touch $(NOTEBOOK)

demo: $(RUNTIME)
	$(PY) -m nn train --dataset moons --hidden 16,16 --activation relu --epochs 200 --lr 0.1 --seed 0 --out out/
	$(PY) -m autograd render "tanh(x1*w1 + x2*w2 + b)" \
		--set x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432 -o out/neuron.svg
	mkdir -p docs && cp out/neuron.svg out/mlp.svg out/decision_boundary.svg out/loss.svg docs/
	@echo "pictures: out/neuron.svg out/mlp.svg out/decision_boundary.svg out/loss.svg (copied to docs/)"

# The learners' tour in Jupyter (opens a browser; NOTEBOOK_ARGS="--no-browser" for a server only).
notebook: $(NOTEBOOK)
	$(PY) -m jupyter notebook examples/tour.ipynb $(if $(filter 0,$(shell id -u)),--allow-root) $(NOTEBOOK_ARGS)

test: $(DEV)
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-ci} $(PY) -m pytest -q

soak: $(DEV)
	HYPOTHESIS_PROFILE=soak $(PY) -m pytest -q

bench: $(DEV)
	$(PY) benchmarks/micrograd_demo.py
	$(PY) benchmarks/tensor_bench.py
	$(PY) benchmarks/nn_bench.py
	$(PY) benchmarks/render_bench.py

lint: $(DEV)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
