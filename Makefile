# pulumi-gitlab-tokens: the two commands a new machine needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PYTEST := $(VENV)/bin/python -m pytest
# pytest-xdist: one worker per core and one more, as an engine test spends part of its time waiting
# (on the CLI's processes, a sandbox, a package index); each is handed its next test when it is
# ready for one, in collection order, which puts the long engine tests first
# (tests/engine/conftest.py), so the run ends evenly on short ones. JOBS=0 runs serially.
JOBS ?= $(shell echo $$(( $$(getconf _NPROCESSORS_ONLN) + 1 )))
PARALLEL := -n $(JOBS) --dist load --maxschedchunk 1
# The suite starts hundreds of Python processes (programs, providers, language hosts) over the
# same sources: let them keep bytecode caches rather than compile the package in every one.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup test check test-unit test-engine demo demo-down bench pack plugin sdks faces clean

## setup: .venv with the project, the pinned Pulumi toolchain, the policy pack's venv (idempotent)
setup:
	@PYTHON=$(PYTHON) bash toolchain/setup.sh

## test: the whole suite (what CI runs), unit and engine tests, against the sandbox and the real pulumi CLI
test: setup
	$(PYTEST) $(PARALLEL)

## check: the fast tier, everything but the engine tests (the pulumi CLI) and those that start processes
check: setup
	$(PYTEST) $(PARALLEL) -m "not engine and not spawns"

test-unit: setup
	$(PYTEST) $(PARALLEL) -m "not engine"

test-engine: setup
	$(PYTEST) $(PARALLEL) -m engine

## demo: start the sandbox, create the quickstart stack's tokens, print the outputs
demo: setup
	@$(VENV)/bin/python toolchain/demo.py up

## demo-down: destroy the demo stack and stop its sandbox
demo-down:
	@$(VENV)/bin/python toolchain/demo.py down

## bench: benchmarks against the sandbox; writes benchmarks/results.md
bench: setup
	$(VENV)/bin/python benchmarks/run.py

## pack: the policy pack's generated files (its per-type table from the declarations) and its publishable artifact, dist/gitlab-tokens-policy-<version>[.tar.gz]
pack: setup
	@$(VENV)/bin/python toolchain/build_pack.py build

## plugin: the native provider's plugin directory, dist/plugin/gitlab-tokens (a Pulumi.yaml names it under plugins.providers)
plugin: setup
	@$(VENV)/bin/python toolchain/write_plugin.py dist/plugin/gitlab-tokens

## sdks: the TypeScript, Go and Python SDKs generated from the package schema, into build/sdk/{nodejs,go,python} (docs/sdks.md)
sdks: setup
	@$(VENV)/bin/python toolchain/sdks.py build/sdk $(if $(SCHEMA),--schema $(SCHEMA))

## faces: the Python resource classes, their Args and the token lists, from the declarations (resources/_generated.py)
faces: setup
	@$(VENV)/bin/python toolchain/generate_faces.py generate

clean:
	rm -rf $(VENV) policies/venv dist .demo .pytest_cache .hypothesis
