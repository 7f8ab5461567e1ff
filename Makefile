# hkt-serve — two commands do all set-up on a fresh Debian machine:
#   make serve   build and start the service on the shipped default weights
#   make test    build and run every test
SHELL := /bin/bash
.DEFAULT_GOAL := help

APT_PACKAGES := libjpeg62-turbo-dev libpng-dev libopenblas-dev libnghttp2-dev pkg-config \
                curl wrk nghttp2-client
SWIFT ?= swift
PORT ?= 8080
WEIGHTS ?= weights
SERVE_FLAGS ?=
BIN := .build/release/hkt-serve

.PHONY: help deps build release serve test test-unit test-live test-deploy fuzz-smoke train-smoke bench-http bench-engine bench-imaging clean

help:
	@echo "make serve   - install what is missing, build release, serve $(WEIGHTS) on :$(PORT)"
	@echo "make test    - install what is missing, build, run unit and live tests"
	@echo "make deps    - apt-install the C libraries and test tools (root)"
	@echo "make fuzz-smoke | train-smoke | bench-http | bench-engine | bench-imaging"

# Installs only what is missing; apt is skipped when everything is present.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "error: missing packages:$$missing"; \
	    echo "       run 'sudo make deps' (or: sudo apt-get install$$missing), then retry."; exit 1; \
	  fi; \
	  echo "installing:$$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "error: swift not found on PATH (Swift 6 toolchain needed)"; exit 1; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

serve: release
	$(BIN) serve --port $(PORT) --weights $(WEIGHTS) $(SERVE_FLAGS)

test: deps test-unit test-live

test-unit:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Live tests of the release binary over loopback: HTTP protocol, the service end to end,
# the OpenAPI contract (schemathesis, from pip), deploy/.
test-live: release
	bash Tests/live/http.sh $(BIN)
	bash Tests/live/h2.sh $(BIN)
	bash Tests/live/run.sh $(BIN)
	bash Tests/contract/run.sh $(BIN)
	bash Tests/deploy/run.sh $(BIN)

test-deploy: release
	bash Tests/deploy/run.sh $(BIN)

fuzz-smoke: deps
	bash FuzzTesting/smoke.sh

train-smoke:
	@python3 -c "import torch" 2>/dev/null || { echo "train-smoke: torch not installed (pip install -r training/requirements.txt); skipped"; exit 0; }; \
	python3 -m training.smoke

bench-http: release
	bash benchmarks/http.sh

bench-engine: release
	bash benchmarks/engine.sh

bench-imaging: release
	bash benchmarks/imaging.sh

clean:
	rm -rf .build
