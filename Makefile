# metron: `make run` starts the platform, `make test` proves it works.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck unit bench docs clean kafka-start kafka-stop kafka-status

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The platform on its embedded default: config in ~/.config/metron, data in
# ~/.local/share/metron (or $METRON_CONFIG_DIR / $METRON_DATA_DIR); the first run writes
# the demo sensors' configs, whose live synthetic telemetry turns into alerts at once.
run: install
	$(BIN)/metron run --demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy src

unit: install
	$(BIN)/python -m pytest -q -n 2

test: lint typecheck unit

# A real Kafka broker (scripts/kafka-broker.sh) on 127.0.0.1: export the printed
# KAFKA_BOOTSTRAP as METRON_KAFKA_BOOTSTRAP and the tests share it; without that variable
# the Kafka tests start a broker of their own.
kafka-start:
	scripts/kafka-broker.sh start

kafka-stop:
	scripts/kafka-broker.sh stop

kafka-status:
	scripts/kafka-broker.sh status

bench: install
	$(BIN)/python bench/stellar_bench.py
	$(BIN)/python bench/parse_bench.py
	$(BIN)/python bench/lookup_bench.py
	$(BIN)/python bench/flatfile_bench.py
	$(BIN)/python bench/enrich_bench.py
	$(BIN)/python bench/index_bench.py
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/lake_bench.py
	$(BIN)/python bench/pipeline_bench.py

docs: install
	$(BIN)/python -m metron.stellar.docs > docs/stellar-functions.md
	$(BIN)/python -m metron.parsing.docs > docs/parsers.md

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
