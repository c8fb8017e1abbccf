# samstat: `make run` starts everything, `make test` runs the whole suite. Both install first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# The suite in two processes (README): empty for one. Work stealing, not a file per process:
# a few files hold most of the minutes, and a file at a time left one process idle for the
# last third (21.5 min against 14.5 min with tests dealt one by one, on the same machine).
PYTEST_XDIST ?= -n 2 --dist worksteal

.PHONY: install system-deps run test lint bench clean screenshots image image-test k8s-render

# Debian packages the tests use for real: the Prometheus server and promtool, and Chromium
# (with fonts) for the report's PDF and the browser screenshot test.
SYSTEM_BINS := prometheus promtool chromium
SYSTEM_PKGS := prometheus chromium fonts-liberation
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

system-deps:
	@missing=""; for b in $(SYSTEM_BINS); do command -v $$b >/dev/null || missing="$$missing $$b"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(SYSTEM_PKGS); \
	fi
	@# kubectl for `kubectl kustomize` (k8s-render, tests/ops/test_k8s_manifests.py): Debian's
	@# kubernetes-client, only where no kubectl is on PATH (it conflicts with other packagings).
	@command -v kubectl >/dev/null || { echo "installing Debian's kubernetes-client (kubectl)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends kubernetes-client; }

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: system-deps $(STAMP)

run: install
	$(BIN)/samstat run

test: install
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy samstat samstat_kit services

# Render every Kubernetes overlay (the k8s tests also validate what it renders). The overlays
# use kustomize v4+ features (components, labels): kubectl 1.21 or later.
k8s-render: system-deps
	@for o in deploy/k8s/overlays/*/; do \
	  kubectl kustomize "$$o" >/dev/null || { echo "kubectl kustomize $$o failed"; exit 1; }; \
	  echo "rendered $$o"; done

# The README tour's pictures (docs/screenshots/), from a fresh stack in real Chromium.
screenshots: install
	$(BIN)/python -m samstat.screenshots

bench: install
	$(BIN)/python -m bench

# The container images, built here with buildah and podman (Debian packages) instead of a Docker
# engine: a local Debian base is made with debootstrap when python:3.11-slim cannot be pulled.
# `make image-test` runs every role from the image and a small stack of containers (a few
# minutes, as root): tests/ops/test_image.py, which the plain suite skips.
IMAGE_PKGS := buildah podman debootstrap runc
image:
	@command -v buildah >/dev/null && command -v podman >/dev/null && command -v debootstrap >/dev/null \
	  && command -v runc >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(IMAGE_PKGS); }
	deploy/image/build.sh

image-test: install image
	SAMSTAT_IMAGE_TESTS=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/ops/test_image.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
