# One command to set up and run the dashboard, one to run every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: setup run test lint samples bench

$(BIN)/python:
	$(PY) -m venv $(VENV)

setup: $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt

run: setup
	$(BIN)/streamlit run app.py --server.port=$(PORT) --browser.gatherUsageStats=false

lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -q

samples: setup
	$(BIN)/python tools/make_samples.py

bench: setup
	$(BIN)/python bench/run.py --quick
