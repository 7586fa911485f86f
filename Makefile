# One command to set up and run the dashboard, one to run every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# serve-office: the address other machines reach the dashboard on (all interfaces), and the reviewers' accounts
OFFICE_ADDRESS ?= 0.0.0.0
USERS ?= data/users.json

.PHONY: setup run serve-office test lint samples bench

$(BIN)/python:
	$(PY) -m venv $(VENV)

setup: $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt

# This machine only (127.0.0.1), no login. `python -m ui.serve` is `streamlit run app.py` with the pages' modules
# imported before the server listens (the first page after a restart does not wait for them).
run: setup
	$(BIN)/python -m ui.serve --server.address=127.0.0.1 --server.port=$(PORT) --browser.gatherUsageStats=false

# For an office: listens on $(OFFICE_ADDRESS), every reviewer logs in with an account of $(USERS)
# (create them with `$(BIN)/python -m ui.accounts add 用户名 --name 姓名`).
serve-office: setup
	@test -s "$(USERS)" || { echo "还没有账号：先运行 $(BIN)/python -m ui.accounts --file $(USERS) add 用户名 --name 姓名"; exit 1; }
	GOVREPORT_USERS="$(USERS)" $(BIN)/python -m ui.serve --server.address=$(OFFICE_ADDRESS) --server.port=$(PORT) \
		--browser.gatherUsageStats=false

lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -q

samples: setup
	$(BIN)/python tools/make_samples.py

bench: setup
	$(BIN)/python bench/run.py --quick
