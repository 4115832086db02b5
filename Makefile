# paxraft: `make demo` runs the default model-checking suite, `make test` runs the tests.
# Both create .venv and install what is needed on a fresh machine.
# The interpreter .venv is built with: an optimised (PGO/LTO) CPython when the machine has one, since
# the checker is pure Python and runs ~1.35x faster on it (docs/performance.md); else python3.
# `make setup PYTHON=...` overrides. The choice rests on what each build records, see the script.
PYTHON ?= $(shell python3 tools/optimized_python.py 2>/dev/null || echo python3)
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: setup demo test test-slow lint bench clean

$(STAMP): pyproject.toml spec/_native.c
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's graphviz (for the dot binary)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) >/dev/null 2>&1 \
	      || echo "note: could not install graphviz; pictures will be written as DOT files only"; \
	  else echo "note: 'dot' not found (apt-get install graphviz); pictures will be written as DOT files only"; fi; }
	@command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium and chromium-driver (the explorer's browser test)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
	      >/dev/null 2>&1 || echo "note: could not install chromium; the browser test will be skipped"; \
	  else echo "note: no chromium/chromedriver (apt-get install chromium chromium-driver): browser test skipped"; fi; }
	@echo "creating $(VENV) with $(PYTHON) (tools/optimized_python.py -v says why)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@$(BIN)/python -c "from spec import values; values.NATIVE or print('note: spec.values runs', values.BACKEND)"
	@touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/paxraft check
	@echo; echo "A broken variant (Phase2a ignores the reported votes): the checker must find the violation"
	@$(BIN)/paxraft check paxos --variant ignore-votes --acceptors 3 --values 2 --max-ballot 1; \
	  test $$? -eq 1 && echo "(exit status 1: the violation was found, as expected)"

# The default tests run in 2 processes (pytest-xdist, one test file per process at a time, so a file's
# shared fixtures run once): on 2 cores 472 s for 2,426 tests from a fresh clone (2026-12-06 17:41, quiet; 651 s for 2,544 on 2026-12-07 05:21, a slow host hour). Two
# processes are busy 88% of the time (696 CPU s in 397 s) and a third gained nothing (386 s). JOBS=1: one process.
JOBS ?= 2
test: setup
	$(BIN)/python -m pytest $(if $(filter-out 1,$(JOBS)),-n $(JOBS) --dist loadfile)

test-slow: setup
	$(BIN)/python -m pytest -m slow

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache spec/_native.*.so
