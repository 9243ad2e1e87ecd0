# The verbs of the book. `make book` and `make test` do all the set-up themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
READY  := $(VENV)/.ready-$(shell cat requirements.lock pyproject.toml package-lock.json 2>/dev/null | cksum | cut -d' ' -f1)
CHECK  := _build/check

.DEFAULT_GOAL := help
.PHONY: help setup book test lint data-check serve clean bench lock execute pdf learner-book lab kernel

help:  ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

# The environment: a virtual environment built from the lock file, rebuilt when it changes.
$(READY): requirements.lock pyproject.toml package-lock.json
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; install Python 3.11+" >&2; exit 2; }
	@command -v npm >/dev/null || { echo "make: npm not found; install Node.js (it typesets the formulas)" >&2; exit 2; }
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

setup: $(READY)  ## create .venv from requirements.lock and install the package

book: $(READY)  ## execute changed chapters and build the HTML site
	$(BIN)/jupyter-book build . --keep-going
	@echo "The book is at file://$(CURDIR)/_build/html/index.html (or run: make serve)"

test: $(READY)  ## every check: lint, data, warnings-as-errors build, unit and site tests, notebooks on several CPU set-ups
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/implsupport data check
	rm -rf $(CHECK) && mkdir -p $(CHECK)
	@# The chapters as other CPUs compute them (tools/nbval_other_machines.py) run beside the
	@# build and the tests, so that both cores stay busy; their report is printed at the end.
	@$(BIN)/python tools/nbval_other_machines.py > $(CHECK)/other_machines.txt 2>&1 & others=$$!; \
	echo "$(BIN)/python tools/check_build.py $(CHECK)"; \
	$(BIN)/python tools/check_build.py $(CHECK) && \
	$(BIN)/pytest -n 3 --dist loadscope --no-loadscope-reorder tests chapters --nbval \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-current-env; status=$$?; \
	wait $$others; others_status=$$?; cat $(CHECK)/other_machines.txt; \
	[ $$status -eq 0 ] && [ $$others_status -eq 0 ]

lint: $(READY)  ## ruff lint and format check only
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

data-check: $(READY)  ## validate every dataset against data/datapackage.json
	$(BIN)/implsupport data check

execute: $(READY)  ## run one chapter top to bottom in a fresh kernel and save it: make execute NB=chapters/x.ipynb
	@test -n "$(NB)" || { echo "make: say which notebook: make execute NB=chapters/NAME.ipynb" >&2; exit 2; }
	$(BIN)/python tools/execute_notebook.py $(NB)

pdf: $(READY)  ## print the whole book to _build/pdf/book.pdf (SOLUTIONS=no leaves solutions out)
	$(BIN)/python tools/make_pdf.py $(if $(filter no,$(SOLUTIONS)),--no-solutions)
learner-book: $(READY)  ## build the learner edition of the site (no solutions) into _build/learner
	rm -rf _build/learner
	$(BIN)/implsupport course site --out _build/learner

kernel: $(READY)  ## register the book's Python as the Jupyter kernel "Python (implsupport book)"
	$(BIN)/python -m ipykernel install --sys-prefix --name implsupport-book \
	  --display-name "Python (implsupport book)" >/dev/null
	@echo "kernel registered: Python (implsupport book)"

lab: kernel  ## open the chapters in JupyterLab, on this computer only (DIR=folder to open another)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$(or $(DIR),$(CURDIR))"

serve: book  ## preview the built site at http://127.0.0.1:8000
	$(BIN)/python -m http.server 8000 --bind 127.0.0.1 --directory _build/html

bench: $(READY)  ## time set-up, full build, incremental rebuild and make test (medians)
	$(BIN)/python tools/bench_book.py

# Left out of the lock: rfc3987-syntax (and lark, which only it needs), an optional format
# checker that jsonschema imports when present; it compiles a grammar at import, which costs
# every process that reads a notebook 1.5 s of CPU. The book never validates IRIs.
LOCK_EXCLUDES := --no-emit-package rfc3987-syntax --no-emit-package lark

lock: $(READY)  ## re-resolve requirements.lock from pyproject.toml (needs the package index)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu $(LOCK_EXCLUDES) --upgrade -o requirements.lock

clean:  ## remove the build folder and the environment
	rm -rf _build $(VENV) .pytest_cache .ruff_cache
.PHONY: bench-power
bench-power: $(READY)  ## time simulated power (10,000 replications) against loops of statsmodels fits
	$(BIN)/python tools/bench_power.py
.PHONY: bench-mediation
bench-mediation: $(READY)  ## time model 7 with 5,000 bootstrap resamples (beside pyprocessmacro) and moderation on 1,000,000 CSV rows
	$(BIN)/python tools/bench_mediation.py
