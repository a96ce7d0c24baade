# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ROOT ?= demo
DEMO_PORT ?= 8888
VOILA_PORT ?= 8866

CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: install demo demo-data test lint pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Browser tests drive Debian's Chromium (Playwright's own browser download is not used); the
# CJK fonts make Chinese render in it.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk

# Certificates embed Noto Sans CJK SC (fonts-noto-cjk); the certificate tests read the PDFs back
# with poppler's pdffonts, pdftoppm and pdftotext (poppler-utils).
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
PDFFONTS := /usr/bin/pdffonts

$(CJK_FONT):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-noto-cjk

$(PDFFONTS):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq poppler-utils

# The JupyterHub test runs a real hub, whose proxy is configurable-http-proxy (npm); the hub itself
# comes with the test extras.
CHP := $(shell command -v configurable-http-proxy || echo /usr/local/bin/configurable-http-proxy)

$(CHP):
	command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	$(SUDO) npm install --global --silent configurable-http-proxy

demo-data: install $(CJK_FONT)
	$(BIN)/qinglian demo --root $(DEMO_ROOT) --exams exams

# qinglian serve prints the addresses once every server answers (JupyterLab takes about 12 s): the
# staff pages (records, item analysis, audit) and marking ask for a staff account (the demo's are in
# $(DEMO_ROOT)/.qinglian/demo-staff.txt); JupyterLab's token is new on every run, printed here only
demo: demo-data
	$(BIN)/qinglian serve --root $(DEMO_ROOT) --courses courses --port $(VOILA_PORT) --lab-port $(DEMO_PORT)

lint: install
	$(BIN)/ruff check grader tests benchmarks
	$(BIN)/mypy

pytest: install $(CHROMIUM) $(CJK_FONT) $(PDFFONTS) $(CHP)
	$(BIN)/pytest -n 2 --dist loadfile

test: lint pytest

bench: install
	$(BIN)/python benchmarks/autograde_bench.py

clean:
	rm -rf $(VENV) $(DEMO_ROOT) .pytest_cache .mypy_cache .ruff_cache
