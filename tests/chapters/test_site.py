"""The built website works offline in a real browser.

Builds the book from notebooks already executed by papermill (fixture ``executed_notebooks``: a
directory with the executed notebooks at their ``_toc.yml`` paths), serves it on 127.0.0.1 and opens
every page of the toc in Debian's Chromium via Playwright. Requests to any other host are answered
from pinned local copies (see tests/chapters/sitecheck.py) or blocked and reported.

Per page: no console errors, no page errors, every <img> loaded, every plotly figure drawn, every
widget rendered, every internal link (and #anchor) resolves, every plotly figure, <img> and <iframe>
has a text alternative (alt, aria-label, title) or a figure caption. Statically: launch buttons
(Binder, Colab) and a download button on every chapter, a search page, glossary links, and a
Library page (API reference) per subpackage documenting every public name.
``SITE_SCREENSHOTS=DIR`` saves a full-page screenshot of each page into DIR.

Needs /usr/bin/chromium (``apt-get install chromium``): without it the browser test fails when ``CI``
is set and is skipped otherwise. The first run needs the npm registry once (CDN copies are cached).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sitecheck


@pytest.fixture(scope="module")
def site_html(executed_notebooks: Path, tmp_path_factory) -> Path:
    """The book built (with -W, no execution) from the executed notebooks; its html directory."""
    return sitecheck.build_site(Path(executed_notebooks), tmp_path_factory.mktemp("site"))


def test_build_has_every_toc_page(site_html: Path):
    missing = [d for d in sitecheck.toc_docnames() if not (site_html / f"{d}.html").is_file()]
    assert not missing, f"toc pages without html: {missing}"


def test_plotly_scripts_match_installed_wheel(site_html: Path):
    """The plotly.js the pages ask for is exactly the wheel's copy we serve offline (sha256)."""
    assert sitecheck.check_plotly_integrity(site_html) == []


def test_course_features_on_every_page(site_html: Path):
    """Launch (Binder, Colab) and download buttons on every chapter, search, glossary links, hidden solutions."""
    assert sitecheck.check_page_features(site_html) == []


def test_library_pages_document_the_api(site_html: Path):
    """A Library page per subpackage, each documenting every name of its __all__; chapters link to them."""
    assert sitecheck.check_library_pages(site_html) == []


def test_pages_work_offline_in_chromium(site_html: Path):
    if not sitecheck.CHROMIUM.exists():
        reason = f"{sitecheck.CHROMIUM} not found (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    pytest.importorskip("playwright")

    pages = [f"{d}.html" for d in sitecheck.toc_docnames()]
    shots = os.environ.get("SITE_SCREENSHOTS")
    with sitecheck.serve(site_html) as base_url:
        results = sitecheck.check_site(base_url, site_html, pages, screenshots=Path(shots) if shots else None)

    assert set(pages) <= set(results), f"pages not checked: {set(pages) - set(results)}"
    failures = {page: problems for page, problems in results.items() if problems}
    report = "\n".join(f"{page}:\n  " + "\n  ".join(problems) for page, problems in failures.items())
    assert not failures, f"problems on {len(failures)} page(s):\n{report}"


def test_plotly_figures_get_a_text_alternative():
    """book/_ext/figure_a11y.py labels plotly HTML from the figure title, subplot titles or cell metadata."""
    import sys

    sys.path.insert(0, str(sitecheck.REPO_ROOT / "book" / "_ext"))
    import figure_a11y

    def page(layout):
        return (
            '<div id="f" class="plotly-graph-div" style="height:100%;"></div><script>'
            f'Plotly.newPlot( "f", [{{"type": "scatter"}}], {layout}, {{"responsive": true}})</script>'
        )

    titled = figure_a11y.label_html(page('{"title": {"text": "RDM of <b>100</b> scenes<br>(hover)"}}'), None)
    assert 'role="img" aria-label="RDM of 100 scenes (hover)"' in titled
    panels = figure_a11y.label_html(page('{"annotations": [{"text": "#0: a dog"}, {"text": "#1: a cat"}]}'), None)
    assert 'aria-label="Figure panels: #0: a dog; #1: a cat"' in panels
    assert 'aria-label="Brain map"' in figure_a11y.label_html(page('{"title": {"text": "t"}}'), "Brain map")
    assert "aria-label" not in figure_a11y.label_html(page("{}"), None)  # nothing to say: the site test reports it
    assert 'title="Viewer"' in figure_a11y.label_html('<iframe srcdoc="x">', "Viewer")


def test_a_reader_plays_the_arena_on_the_published_page(site_html: Path):
    """Chapter 2's arena runs in the page with no kernel: 24 scenes with captions as alt text, trial 2 follows."""
    if not sitecheck.CHROMIUM.exists():
        pytest.skip(f"{sitecheck.CHROMIUM} not found")
    pytest.importorskip("playwright")
    with sitecheck.serve(site_html) as base_url:
        got = sitecheck.play_arena(base_url)
    assert got["problems"] == []
    assert got["items"] == 24 and len(set(got["ids"])) == 24 and all(i.startswith("coco_") for i in got["ids"])
    assert all(len(a) > 10 for a in got["alts"])  # each thumbnail's alt text is its first caption
    assert got["trial_text"].startswith("Trial 2") and 3 <= got["next_items"] < 24
