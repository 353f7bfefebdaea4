# ipgrs — two commands: `make run` and `make test` (plus `make bench`, `make fuzz` and `make loadtest`).
VENV ?= .venv
# durable-rules does not import on Python 3.13: take the newest interpreter from 3.12 down to 3.10.
PYTHON ?= $(shell for p in python3.12 python3.11 python3.10 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] < (3, 13))' 2>/dev/null && echo $$p && break; done)
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test fuzz fuzz-config bench loadtest audit install clean

$(STAMP): pyproject.toml constraints.txt
	@test -n "$(PYTHON)" || { echo "ipgrs needs Python 3.10, 3.11 or 3.12 (durable-rules does not run on 3.13)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) app.py

# One worker per core, each test file on one worker (a file's Redis database and fixtures stay its own), the longest
# files first (tests/conftest.py).
test: $(STAMP)
	$(PY) -m pytest -n auto --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

# A longer run of the API fuzzer (tests/api/test_fuzz.py; make test runs it with 6 examples per operation and role).
# FUZZ_EXAMPLES examples per operation and role, derandomized, so a failure found here is found again.
# FUZZ_DATABASES=sqlite,postgresql adds PostgreSQL (127.0.0.1:5432, as make test).
FUZZ_EXAMPLES ?= 200
FUZZ_DATABASES ?= sqlite
fuzz: $(STAMP)
	IPGRS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) IPGRS_FUZZ_DATABASES=$(FUZZ_DATABASES) $(PY) -m pytest -p no:cacheprovider tests/api/test_fuzz.py $(PYTEST_ARGS)

# Every bench runs even when an earlier one misses a target; make fails if any does. BENCH_ARGS=--quick for a
# smoke run. The filing, escalation and dashboard benches need PostgreSQL on 127.0.0.1:5432 (each makes and drops its own database).
bench: $(STAMP)
	$(PY) bench/rules_bench.py $(BENCH_ARGS); rules=$$?; $(PY) bench/filing_bench.py $(BENCH_ARGS); filing=$$?; \
	$(PY) bench/escalation_bench.py $(BENCH_ARGS); escalation=$$?; $(PY) bench/dashboard_bench.py $(BENCH_ARGS) && \
	test $$rules -eq 0 && test $$filing -eq 0 && test $$escalation -eq 0

# The load test with injected faults (loadtest/run.py, docs/reliability.md): 5 minutes of mixed traffic against
# gunicorn, a Celery worker and a PostgreSQL server of its own while the SMS gateway, CPGRAMS, the worker and
# PostgreSQL fail; then the audit. LOADTEST_ARGS="--short" is the CI run; "--duration 600 --users 40" a longer one.
loadtest: $(STAMP)
	$(PY) -m loadtest.run $(LOADTEST_ARGS)

# Known vulnerabilities in every pinned package (constraints.txt), from OSV's database at api.osv.dev; fails on any.
audit: $(STAMP)
	$(PY) -m pip_audit --vulnerability-service osv --requirement constraints.txt --no-deps --disable-pip --progress-spinner off

clean:
	rm -rf $(VENV) instance .pytest_cache

# Config fuzzing, the long run (docs/security.md): fifty times the CI examples, randomised.
fuzz-config: $(STAMP)
	HYPOTHESIS_PROFILE=long $(PY) -m pytest -q -p no:cacheprovider tests/rules/test_config_fuzz.py
