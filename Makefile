# tf3ro: two commands on a fresh machine —  make reproduce  (sample profile end to end)  and  make test.
# Each target is one or two lines; the work happens in the `tf3ro` CLI, Snakemake and the notebooks.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
PROFILE ?= sample
CORES ?= 2
# The CPU build of PyTorch (on this machine's disk). GPU users: make install TORCH="torch --index-url https://download.pytorch.org/whl/cu128"
TORCH ?= torch==2.13.0
export PATH := $(BIN):$(PATH)
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1
export MPLBACKEND := Agg
export PYTHONUNBUFFERED := 1
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(CORES)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: a C++ compiler and cmake (llama-cpp-python compiles llama.cpp: GGUF export, Q6_K/Q4_K_M),
# the Romanian hunspell dictionary and apertium's Romanian morphology (grammar checks, agreement probes)
APT_PACKAGES := g++ cmake hunspell hunspell-ro apertium-es-ro lttoolbox

.PHONY: install reproduce test docs lab clean

$(BIN)/.installed: settings.ini setup.py constraints.txt
	dpkg -s $(APT_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $(APT_PACKAGES); }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip && $(BIN)/pip install -q $(TORCH) && $(BIN)/pip install -q -c constraints.txt -e ".[dev]" && touch $@

install: $(BIN)/.installed  ## create .venv and install tf3ro with its pinned dependencies

reproduce: install  ## run the whole pipeline on PROFILE (default: sample) and say where the outputs are
	tf3ro run --profile $(PROFILE) --cores $(CORES)

test: install  ## notebooks agree with the library, notebook tests, then pipeline tests (micro DAG, docs)
	tf3ro check && nbdev_test --n_workers $(CORES) && pytest -q tests

docs: install  ## static docs site in _site/ (Sphinx + myst-nb; no quarto needed)
	tf3ro docs --out _site

lab: install  ## JupyterLab on the notebooks
	pip install -q jupyterlab && jupyter lab nbs

clean:  ## remove run folders and docs builds (not the venv)
	rm -rf runs _proc _docs _docs_src _site .snakemake
