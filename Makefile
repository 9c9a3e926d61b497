# Two commands do all setup: `make serve` and `make test`. Everything else is in tasks.py.
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.installed
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

VNU := $(VENV)/vnu/node_modules/vnu-jar/build/dist/vnu.jar

.PHONY: serve test build publish clean browser ssh-tools

# Debian's python3 makes a venv only with its python3-venv package.
$(READY): requirements.txt
	@python3 -c "import ensurepip" 2>/dev/null || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv >/dev/null; }
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(READY)

PORT ?= 8000

# MAKE_SERVE tells the task it was started here: a port in use is then told as PORT=, not --port.
serve: $(READY)
	MAKE_SERVE=1 $(BIN)/invoke serve --port $(PORT)

build: $(READY)
	$(BIN)/invoke build

# For CI systems (.ci/publish): build into output-publish/ and send it to PUBLISH_URL (docs/deploy.md).
publish: $(READY)
	$(BIN)/invoke publish

# Browser tests drive Debian's Chromium; the CJK font makes Chinese visible in screenshots;
# the Nu HTML Checker (vnu-jar from npm) runs on Java.
browser:
	@command -v chromium >/dev/null && command -v java >/dev/null && fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-wqy-microhei default-jre-headless >/dev/null; }

# Publishing to a server uses rsync over ssh; its tests run Debian's OpenSSH server on 127.0.0.1.
ssh-tools:
	@command -v rsync >/dev/null && test -x /usr/sbin/sshd || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq rsync openssh-server >/dev/null; }

$(VNU):
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq npm >/dev/null; }
	npm install --silent --no-audit --no-fund --prefix $(VENV)/vnu vnu-jar@26.9.27

# Two test processes: most slow tests wait on servers, browsers, git and the disk, so one
# process left a core idle (9-10 min on two cores; 6.5-7 min with two). worksteal hands a
# test to whichever process is free, so the long tests do not all queue behind one.
test: $(READY) browser ssh-tools $(VNU)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 --dist worksteal

clean:
	$(BIN)/invoke clean
