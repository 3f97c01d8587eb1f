# Entry points. `make demo` and `make test` are the README's two commands; both create the
# virtual environment (.venv) on first use.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
CORES ?= $(shell nproc 2>/dev/null || echo 2)
SNAKEMAKE := $(VENV)/bin/snakemake
STAMP := $(VENV)/.installed

.PHONY: demo test lint dry-run-slurm clean-results help

help:
	@echo "make demo   - set up .venv and run the whole pipeline on the built-in demo data"
	@echo "make test   - set up .venv and run the test suite"
	@echo "make lint   - snakemake --lint, snakefmt --check, ruff"

$(STAMP): pyproject.toml
	@bash workflow/bootstrap.sh "$(PYTHON)" "$(VENV)"
	@touch $@

demo: $(STAMP)
	$(SNAKEMAKE) --cores $(CORES)
	$(SNAKEMAKE) --cores $(CORES) --report results/report.html
	@echo "Figures: results/figures/  Report: results/report.html"

test: $(STAMP)
	$(VENV)/bin/pytest -ra

lint: $(STAMP)
	$(SNAKEMAKE) --lint
	$(VENV)/bin/snakefmt --check Snakefile rules
	$(VENV)/bin/ruff check src tests workflow bench

dry-run-slurm: $(STAMP)
	$(SNAKEMAKE) -n --profile profiles/slurm

clean-results:
	rm -rf results logs benchmarks
