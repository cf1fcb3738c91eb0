# Two commands on a fresh machine with only python3: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck bench bench-real eval eval-fast clean fuzz browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/taosha demo -o build/demo

lint: $(STAMP)
	$(BIN)/ruff check $(wildcard src tests bench eval scripts)

# headless Chromium for the report's browser test (Debian's package, driven by playwright; a CJK font so that its
# screenshot in build/ is readable); without it the test is skipped with a message
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q chromium fonts-wqy-microhei \
		>/dev/null; } \
		|| echo "make: chromium is absent and could not be installed: the report's browser test will be skipped"

# mypy over the package ([tool.mypy] in pyproject.toml: strict on document, step, zh, io)
typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck browser
	$(BIN)/python -m pytest
	@$(MAKE) --no-print-directory eval-fast

# the evaluations that take seconds, part of make test (make eval runs them all, minutes): each exits non-zero
# when a figure falls below its floor; they read ../shared/corpora, and are skipped without it
eval-fast: $(STAMP)
	@if [ -d ../shared/corpora ]; then \
		$(BIN)/python eval/eval_clean.py && $(BIN)/python eval/eval_fix.py && $(BIN)/python eval/eval_pii.py; \
	else echo "make: ../shared/corpora is absent: the evaluations are skipped"; fi

eval: $(STAMP)
	$(BIN)/python eval/eval_spinner.py
	$(BIN)/python eval/eval_mojibake.py
	$(BIN)/python eval/eval_fix.py
	$(BIN)/python eval/eval_clean.py
	$(BIN)/python eval/eval_dedup.py
	$(BIN)/python eval/eval_mojibake_chains.py
	$(BIN)/python eval/eval_mojibake_chains.py --confirm
	$(BIN)/python eval/eval_pii.py
	@# magic-html, a baseline of eval_extract: PyPI's wheel asks for Python >= 3.12 but runs on 3.11
	-$(BIN)/python -m pip install --quiet --ignore-requires-python magic-html
	$(BIN)/python eval/eval_extract.py

bench: $(STAMP)
	$(BIN)/python bench/bench_overhead.py
	$(BIN)/python bench/bench_fix.py
	$(BIN)/python bench/bench_pipeline.py
	$(BIN)/python bench/bench_pii.py
	$(BIN)/python bench/bench_formats.py
	$(BIN)/python bench/bench_extract.py

# the benchmarks on the real corpora in ../shared (issues #17 and #25's goals, printed beside the figures)
bench-real: $(STAMP)
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_mojibake_share.py --whole
	$(BIN)/python bench/bench_real.py

clean:
	rm -rf build .pytest_cache

# a longer run of the reader and pipeline fuzz targets (tests/test_fuzz.py); the suite runs a few dozen examples
fuzz: $(STAMP)
	TAOSHA_FUZZ_EXAMPLES=3000 $(BIN)/python -m pytest tests/test_fuzz.py -q
