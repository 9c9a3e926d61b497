# Two commands do all setup: `make serve` and `make test`. Everything else is in tasks.py.
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.installed
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

VNU := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: serve test build clean browser

$(READY): requirements.txt
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(READY)

serve: $(READY)
	$(BIN)/invoke serve

build: $(READY)
	$(BIN)/invoke build

# Browser tests drive Debian's Chromium; the CJK font makes Chinese visible in screenshots;
# the Nu HTML Checker (vnu-jar from npm) runs on Java.
browser:
	@command -v chromium >/dev/null && command -v java >/dev/null && fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-wqy-microhei default-jre-headless >/dev/null; }

$(VNU):
	npm install --silent --no-audit --no-fund --prefix $(VENV)/vnu vnu-jar@26.9.27

test: $(READY) browser $(VNU)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

clean:
	$(BIN)/invoke clean
