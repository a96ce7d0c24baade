# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_ROOT ?= demo
DEMO_PORT ?= 8888
DEMO_TOKEN ?= qinglian-demo

.PHONY: install demo demo-data test lint pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo-data: install
	$(BIN)/qinglian demo --root $(DEMO_ROOT) --exams exams

demo: demo-data
	@echo ""
	@echo "演示工作区：$(DEMO_ROOT)/（nbgrader 课程目录，成绩表 $(DEMO_ROOT)/grades.csv）"
	@echo "JupyterLab： http://127.0.0.1:$(DEMO_PORT)/lab?token=$(DEMO_TOKEN)"
	@echo "评分（formgrader）： http://127.0.0.1:$(DEMO_PORT)/formgrader?token=$(DEMO_TOKEN)"
	@echo "按 Ctrl+C 停止。"
	cd $(DEMO_ROOT) && ../$(BIN)/jupyter lab --no-browser --ip 127.0.0.1 --port $(DEMO_PORT) \
		--IdentityProvider.token=$(DEMO_TOKEN) --ServerApp.open_browser=False

lint: install
	$(BIN)/ruff check grader tests benchmarks
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -n 2 --dist loadfile

test: lint pytest

bench: install
	$(BIN)/python benchmarks/autograde_bench.py

clean:
	rm -rf $(VENV) $(DEMO_ROOT) .pytest_cache .mypy_cache .ruff_cache
