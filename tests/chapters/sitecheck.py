"""Helpers for the offline site test (tests/chapters/test_site.py).

Three steps, each usable on its own:

1. ``build_site(executed_dir, out_dir)`` builds the Jupyter Book from notebooks that were already
   executed (by papermill, in fast mode) without executing anything again, with ``-W`` so any
   Sphinx warning fails the build. The Library pages (``book/api``) are generated from the
   library's docstrings by ``book/_ext/api_reference.py``; ``check_library_pages`` checks them.
2. ``serve(html_dir)`` serves the built site on 127.0.0.1 at a free port.
3. ``check_site(base_url, html_dir, pages, ...)`` opens every page in Debian's Chromium through
   Playwright and returns the problems found per page (console errors, page errors, broken images,
   undrawn plotly figures, unrendered widgets, figures without alt text/aria-label/caption, dead
   internal links, and any request to the internet).

No request leaves the machine: every request to a host other than 127.0.0.1 is answered from pinned
local copies (``CdnAssets``) or aborted and reported.

- plotly.js comes from plotly's own wheel (``plotly/package_data/plotly.min.js``); the page's script
  tag carries its sha256 (``integrity=``), which Chromium checks, and we check it too.
- require.js, the jupyter-widgets HTML manager and MathJax are the files of the exact npm packages
  the pages name (``_config.yml`` pins their jsDelivr URLs). They are fetched once with
  ``npm pack`` (or, without npm, the same tarball from registry.npmjs.org), checked against the
  sha512 ``integrity`` recorded below, and cached in ``$REPALIGN_CACHE/site-assets`` (default
  ``~/.cache/repalign/site-assets``). A fresh clone therefore needs the npm registry once; after
  that the test runs fully offline. Nothing of this is committed to the repository.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import http.server
import json
import mimetypes
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: npm packages the built pages load from jsDelivr (or cdnjs for MathJax, via plotly's HTML), pinned
#: to the sha512 the registry publishes for their tarballs (`npm pack --json` prints it).
NPM_PACKAGES = {
    (
        "requirejs",
        "2.3.8",
    ): "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKGNehIonFlyQXSowL6Mw==",
    (
        "@jupyter-widgets/html-manager",
        "1.0.15",
    ): "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
    (
        "mathjax",
        "3.2.2",
    ): "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
}


# ---------------------------------------------------------------------------------------------
# 1. Build
# ---------------------------------------------------------------------------------------------


def toc_docnames(toc_path: Path = REPO_ROOT / "_toc.yml") -> list[str]:
    """Every page of the book in toc order, as docnames (paths without suffix), parsed by the same
    parser jupyter-book uses (sphinx-external-toc)."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    return list(parse_toc_yaml(str(toc_path)))


def build_site(executed_dir: Path, out_dir: Path, *, timeout: float = 600) -> Path:
    """Build the book from already executed notebooks; return the html directory.

    ``executed_dir`` holds the executed notebooks at their toc paths (``notebooks/01_rdms.ipynb``).
    A book root is assembled in ``out_dir/book_root``: ``_config.yml`` (with execution switched
    off), ``_toc.yml``, ``book/`` and the toc's notebooks. The build runs with
    ``-W --keep-going -n``; a non-zero exit or any "WARNING" in its log raises AssertionError
    carrying the log.
    """
    executed_dir, out_dir = Path(executed_dir), Path(out_dir)
    root = out_dir / "book_root"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(
        REPO_ROOT / "book", root / "book", ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "_build")
    )
    shutil.copy2(REPO_ROOT / "_toc.yml", root / "_toc.yml")

    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"  # dumped quoted, not as YAML false
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    missing = []
    for docname in toc_docnames():
        if (root / f"{docname}.md").exists():
            continue
        source = executed_dir / f"{docname}.ipynb"
        if not source.exists():
            missing.append(str(source))
            continue
        target = root / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    assert not missing, f"executed notebooks missing for toc pages: {missing}"

    # The console script's own module, run by this interpreter: works in a venv, a tox env or a
    # system install alike, without relying on PATH.
    cmd = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main()",
        "build",
        "-W",
        "--keep-going",
        "-n",
        str(root),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    log = proc.stdout + proc.stderr
    (out_dir / "build.log").write_text(log, encoding="utf-8")
    assert proc.returncode == 0, f"jupyter-book build failed (exit {proc.returncode}):\n{log[-6000:]}"
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    assert not warnings, "jupyter-book build printed warnings:\n" + "\n".join(warnings)
    html = root / "_build" / "html"
    assert (html / "index.html").exists(), f"no index.html in {html}"
    return html


def check_page_features(html_dir: Path, toc_path: Path = REPO_ROOT / "_toc.yml") -> list[str]:
    """Static checks of the built HTML (no browser): what a reader of a course needs on each page.

    - every notebook chapter has Binder and Colab launch buttons pointing at its own ``.ipynb``
      and a download button offering the ``.ipynb``;
    - the site has a search page and its index;
    - the glossary defines terms and chapters link to them (``{term}`` roles resolved);
    - every hidden solution cell is rendered as a toggle (``tag_hide-cell``), not shown open.
    """
    html_dir = Path(html_dir)
    problems = []
    for docname in toc_docnames(toc_path):
        page = html_dir / f"{docname}.html"
        if not page.is_file():
            continue  # reported by the toc-page test
        text = page.read_text(encoding="utf-8", errors="replace")
        if (REPO_ROOT / f"{docname}.ipynb").exists():
            nb = f"{docname}.ipynb"
            for what, pattern in (
                ("Binder launch button", rf'href="https://mybinder\.org/v2/gh/[^"]*{re.escape(nb)}'),
                ("Colab launch button", rf'href="https://colab\.research\.google\.com/github/[^"]*{re.escape(nb)}'),
                ("download button (.ipynb)", rf'href="[^"]*_sources/{re.escape(nb)}"'),
            ):
                if not re.search(pattern, text):
                    problems.append(f"{docname}: no {what}")
            if 'class="tag_solution' in text and "tag_hide-cell" not in text:
                problems.append(f"{docname}: solution cells are not hidden behind a toggle")
    if not (html_dir / "search.html").is_file() or not (html_dir / "searchindex.js").is_file():
        problems.append("no search page (search.html / searchindex.js)")
    glossary = html_dir / "book" / "glossary.html"
    if glossary.is_file():
        if not re.search(r'<dl class="[^"]*\bglossary\b', glossary.read_text(encoding="utf-8", errors="replace")):
            problems.append("book/glossary: no glossary list")
        linked = [
            p
            for p in html_dir.rglob("*.html")
            if p != glossary and "glossary.html#term-" in p.read_text(encoding="utf-8", errors="replace")
        ]
        if not linked:
            problems.append("no page links to a glossary term")
    return problems


def check_library_pages(html_dir: Path, toc_path: Path = REPO_ROOT / "_toc.yml") -> list[str]:
    """Static checks of the Library pages (``book/api/<subpackage>``, built from the docstrings).

    - the toc has a Library page for every subpackage of ``repalign`` (and the ``distributed`` module);
    - each page documents at least one function or class, and every name of its subpackage's
      ``__all__`` has an entry (an element with id ``repalign.<subpackage>[.<nested>].<name>``);
    - the chapters link to the Library pages.
    """
    import importlib
    import pkgutil

    import repalign

    html_dir = Path(html_dir)
    problems = []
    pages = [d for d in toc_docnames(toc_path) if d.startswith("book/api/") and d != "book/api/index"]
    expected = {f"book/api/{m.name}" for m in pkgutil.iter_modules(repalign.__path__) if not m.name.startswith("_")}
    if missing := sorted(expected - set(pages)):
        problems.append(f"no Library page in the toc for: {missing}")
    for docname in pages:
        page = html_dir / f"{docname}.html"
        if not page.is_file():
            problems.append(f"{docname}: not built")
            continue
        text = page.read_text(encoding="utf-8", errors="replace")
        if not re.search(r'<dl class="py (function|class)">', text):
            problems.append(f"{docname}: documents no function or class")
        module = importlib.import_module("repalign." + docname.rsplit("/", 1)[-1])
        ids = set(re.findall(r'\bid="(repalign\.[^"]+)"', text))
        undocumented = [
            name
            for name in getattr(module, "__all__", [])
            if not any(i.startswith(module.__name__ + ".") and i.endswith("." + name) for i in ids)
        ]
        if undocumented:
            problems.append(f"{docname}: no entry for {undocumented}")
    chapters = sorted(html_dir.glob("notebooks/*.html"))
    if chapters and not any("../book/api/" in p.read_text(encoding="utf-8", errors="replace") for p in chapters):
        problems.append("no chapter links to a Library page")
    return problems


# ---------------------------------------------------------------------------------------------
# 2. Serve
# ---------------------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # `format`: the signature of the base class
        pass


@contextlib.contextmanager
def serve(html_dir: Path):
    """Serve ``html_dir`` on 127.0.0.1 at a free port; yields the base URL (ending in "/")."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# ---------------------------------------------------------------------------------------------
# Pinned offline copies of what the pages load from CDNs
# ---------------------------------------------------------------------------------------------


def default_asset_cache() -> Path:
    base = os.environ.get("REPALIGN_CACHE") or Path.home() / ".cache" / "repalign"
    return Path(base) / "site-assets"


def _sri(data: bytes, algorithm: str) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def plotlyjs_file() -> tuple[str, Path]:
    """plotly.js version bundled in the installed plotly wheel, and its file."""
    import plotly
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version(), Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def fetch_npm_package(name: str, version: str, cache: Path) -> Path:
    """Unpacked ``name@version`` from the npm registry, cached; the tarball's sha512 is checked."""
    integrity = NPM_PACKAGES[(name, version)]
    target = cache / f"{name.replace('/', '__')}@{version}"
    if (target / "package.json").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        tmp = Path(tmp)
        tarball = None
        if shutil.which("npm"):
            proc = subprocess.run(
                ["npm", "pack", "--json", "--pack-destination", str(tmp), f"{name}@{version}"],
                capture_output=True,
                text=True,
                timeout=300,
            )
            if proc.returncode == 0:
                tarball = tmp / json.loads(proc.stdout)[0]["filename"]
        if tarball is None:  # no npm (or it failed): the same tarball, straight from the registry
            url = f"https://registry.npmjs.org/{name}/-/{name.split('/')[-1]}-{version}.tgz"
            tarball = tmp / "package.tgz"
            with urllib.request.urlopen(url, timeout=120) as response:
                tarball.write_bytes(response.read())
        got = _sri(tarball.read_bytes(), "sha512")
        if got != integrity:
            raise RuntimeError(f"npm {name}@{version}: integrity {got} != pinned {integrity}")
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp / "x", filter="data")
        (tmp / "x" / "package").rename(tmp / "package")
        try:
            (tmp / "package").rename(target)
        except OSError:  # another process won the race
            if not (target / "package.json").exists():
                raise
    return target


_CONTENT_TYPES = {
    ".js": "application/javascript",
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".eot": "application/vnd.ms-fontobject",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
_JSDELIVR = re.compile(r"^https://cdn\.jsdelivr\.net/npm/(?P<name>(@[^/@]+/)?[^/@]+)@(?P<version>[^/]+)/(?P<path>.+)$")
_CDNJS_MATHJAX = re.compile(r"^https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/(?P<version>[^/]+)/(?P<path>.+)$")
_PLOTLY_CDN = re.compile(r"^https://cdn\.plot\.ly/plotly-(?P<version>[0-9][^/]*?)\.min\.js$")


@dataclass
class CdnAssets:
    """Answers CDN URLs from pinned local files; ``lookup(url)`` -> (bytes, content type) or None."""

    cache: Path = field(default_factory=default_asset_cache)
    problems: list[str] = field(default_factory=list)

    def lookup(self, url: str):
        url = url.split("#")[0].split("?")[0]
        if m := _PLOTLY_CDN.match(url):
            version, path = plotlyjs_file()
            if m["version"] != version:
                self.problems.append(f"page wants plotly.js {m['version']}, plotly's wheel has {version}: {url}")
                return None
            return path.read_bytes(), "application/javascript"
        if m := _JSDELIVR.match(url):
            if (m["name"], m["version"]) not in NPM_PACKAGES:
                return None
            return self._npm_file(m["name"], m["version"], m["path"])
        if m := _CDNJS_MATHJAX.match(url):
            if ("mathjax", m["version"]) not in NPM_PACKAGES:
                return None
            # cdnjs serves the npm files under ".min.js" names (MathJax 3's es5 files are minified).
            return self._npm_file("mathjax", m["version"], re.sub(r"\.min\.js$", ".js", m["path"]))
        return None

    def _npm_file(self, name: str, version: str, path: str):
        root = fetch_npm_package(name, version, self.cache)
        file = (root / path).resolve()
        if root.resolve() not in file.parents or not file.is_file():
            return None
        content_type = _CONTENT_TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
        return file.read_bytes(), content_type or "application/octet-stream"


def check_plotly_integrity(html_dir: Path) -> list[str]:
    """Every plotly.js script tag of the site names the wheel's plotly.js, with a matching sha256."""
    version, path = plotlyjs_file()
    expected = _sri(path.read_bytes(), "sha256")
    problems = []
    tag = re.compile(r'<script[^>]*src="(https://cdn\.plot\.ly/[^"]+)"[^>]*>')
    for page in sorted(Path(html_dir).rglob("*.html")):
        for m in tag.finditer(page.read_text(encoding="utf-8", errors="replace")):
            integrity = re.search(r'integrity="([^"]+)"', m.group(0))
            if not m.group(1).endswith(f"plotly-{version}.min.js"):
                problems.append(f"{page.name}: {m.group(1)} is not plotly.js {version} of the installed wheel")
            elif integrity is None or integrity.group(1) != expected:
                problems.append(f"{page.name}: integrity of {m.group(1)} != {expected} (wheel's plotly.min.js)")
    return problems


# ---------------------------------------------------------------------------------------------
# 3. Check pages in Chromium
# ---------------------------------------------------------------------------------------------

# What a page shows once its scripts ran: broken images, plotly figures drawn, widgets rendered,
# figures without a text alternative.
_PAGE_STATE_JS = """() => {
  const hasText = t => !!(t && t.trim());
  const FILE_NAME = /^[^\\s]*\\.(png|jpe?g|gif|svg|webp)$/i;
  const hasCaption = el => { const f = el.closest('figure');
                             return !!(f && f.querySelector('figcaption') && hasText(f.querySelector('figcaption').textContent)); };
  const plots = Array.from(document.querySelectorAll('.plotly-graph-div'));
  const views = Array.from(document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]'));
  return {
    brokenImages: Array.from(document.images)
        .filter(img => !(img.complete && img.naturalWidth > 0))
        .map(img => img.currentSrc || img.src || img.outerHTML.slice(0, 120)),
    plots: plots.length,
    drawnPlots: plots.filter(d => d.classList.contains('js-plotly-plot')
                                   && d.querySelector('.main-svg')).length,
    widgetViews: views.length,
    renderedWidgets: views.filter(s => s.parentElement
        && s.parentElement.querySelector('.jupyter-widgets, .widget-subarea, .lm-Widget')).length,
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    // Accessibility: a text alternative (alt / aria-label / title) or a caption of an enclosing <figure>.
    // An alt that is only a file name (docutils' default for images without alt) does not count.
    unlabelled: [
      ...plots.filter(d => !hasText(d.getAttribute('aria-label')) && !hasCaption(d))
              .map(d => 'plotly figure #' + d.id),
      ...Array.from(document.images)
              .filter(img => !(hasText(img.getAttribute('alt')) && !FILE_NAME.test(img.getAttribute('alt').trim()))
                             && !hasCaption(img))
              .map(img => 'image ' + (img.getAttribute('src') || '').slice(0, 100)),
      ...Array.from(document.querySelectorAll('article iframe'))
              .filter(f => !hasText(f.getAttribute('title')) && !hasText(f.getAttribute('aria-label')) && !hasCaption(f))
              .map(f => 'iframe ' + (f.getAttribute('src') || '(srcdoc)').slice(0, 100)),
    ],
  };
}"""
_ALL_DRAWN_JS = f"""() => {{
  const s = ({_PAGE_STATE_JS})();
  return s.drawnPlots === s.plots && s.renderedWidgets === s.widgetViews;
}}"""


def _ids_of(file: Path, cache: dict) -> set[str]:
    if file not in cache:
        text = file.read_text(encoding="utf-8", errors="replace")
        cache[file] = set(re.findall(r'\b(?:id|name)="([^"]+)"', text))
    return cache[file]


def _dead_links(links: list[str], base_url: str, html_dir: Path, ids_cache: dict) -> list[str]:
    dead = []
    for href in sorted(set(links)):
        if not href.startswith(base_url):
            continue  # external links (launch buttons, repository, DOIs) are not followed offline
        parts = urllib.parse.urlsplit(href)
        rel = urllib.parse.unquote(parts.path)[len(urllib.parse.urlsplit(base_url).path) :]
        target = html_dir / rel
        if rel == "" or rel.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            dead.append(f"{href} (no file {rel or 'index.html'})")
        elif (
            parts.fragment
            and target.suffix == ".html"
            and urllib.parse.unquote(parts.fragment) not in _ids_of(target, ids_cache)
        ):
            dead.append(f"{href} (no anchor #{parts.fragment})")
    return dead


class _PageWatch:
    """Collects the problems of one page: console errors, page errors, failed or blocked requests."""

    def __init__(self, base_url: str, assets: CdnAssets):
        self.base_url, self.assets, self.problems = base_url, assets, []

    def route(self, route, request):
        url = request.url
        if url.startswith(self.base_url):
            return route.continue_()
        try:
            answer = self.assets.lookup(url)
        except Exception as exc:  # reported as a problem of the page
            self.problems.append(f"could not provide an offline copy of {url}: {exc!r}")
            answer = None
        if answer is None:
            self.problems.append(f"external request blocked: {url}")
            return route.abort()
        body, content_type = answer
        return route.fulfill(
            status=200,
            body=body,
            headers={
                "Content-Type": content_type,
                "Access-Control-Allow-Origin": "*",  # the CDN scripts are loaded crossorigin="anonymous"
            },
        )

    def console(self, msg):
        if msg.type == "error":
            where = f"{msg.location.get('url', '')}:{msg.location.get('lineNumber', '')}"
            self.problems.append(f"console error: {msg.text} @ {where}")

    def page_error(self, exc):
        self.problems.append(f"page error: {exc}")

    def response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def attach(self, page):
        page.route("**/*", self.route)
        page.on("console", self.console)
        page.on("pageerror", self.page_error)
        page.on("response", self.response)


def _launch(pw, profile: str):
    """Debian's Chromium, headless, with a throwaway profile and no service workers (offline checks)."""
    return pw.chromium.launch_persistent_context(
        profile,
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 900},
        service_workers="block",
    )


def check_site(
    base_url: str,
    html_dir: Path,
    pages: list[str],
    *,
    screenshots: Path | None = None,
    assets: CdnAssets | None = None,
    timeout_ms: int = 30_000,
) -> dict[str, list[str]]:
    """Open each page (a path relative to the site, e.g. ``book/intro.html``) in Chromium.

    Returns ``{page: [problem, ...]}`` with an entry for every page (empty list: no problem), plus
    an ``"(assets)"`` entry if a page asked for a CDN file that does not match our pinned copy.
    """
    from playwright.sync_api import sync_playwright

    html_dir = Path(html_dir)
    assets = assets or CdnAssets()
    results: dict[str, list[str]] = {}
    ids_cache: dict = {}
    if screenshots is not None:
        screenshots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="site-chromium-") as profile:
        context = _launch(pw, profile)
        try:
            for page_path in pages:
                watch = _PageWatch(base_url, assets)
                results[page_path] = watch.problems
                page = context.new_page()
                watch.attach(page)
                try:
                    page.goto(base_url + page_path, wait_until="load", timeout=timeout_ms)
                    with contextlib.suppress(Exception):  # what is still missing is reported below
                        page.wait_for_function(_ALL_DRAWN_JS, timeout=timeout_ms)
                    page.wait_for_timeout(300)  # let late async scripts report their errors
                    state = page.evaluate(_PAGE_STATE_JS)
                    watch.problems += [f"image not loaded: {src}" for src in state["brokenImages"]]
                    if state["drawnPlots"] != state["plots"]:
                        watch.problems.append(f"plotly figures drawn: {state['drawnPlots']} of {state['plots']}")
                    if state["renderedWidgets"] != state["widgetViews"]:
                        watch.problems.append(f"widgets rendered: {state['renderedWidgets']} of {state['widgetViews']}")
                    watch.problems += [f"no alt text, aria-label or caption: {u}" for u in state["unlabelled"]]
                    watch.problems += [
                        f"dead internal link: {d}" for d in _dead_links(state["links"], base_url, html_dir, ids_cache)
                    ]
                    if screenshots is not None:
                        name = page_path.replace("/", "__").removesuffix(".html") + ".png"
                        page.screenshot(path=str(screenshots / name), full_page=True)
                except Exception as exc:  # reported per page
                    watch.problems.append(f"could not check the page: {exc!r}")
                finally:
                    page.close()
        finally:
            context.close()
    if assets.problems:
        results["(assets)"] = list(assets.problems)
    return results


ARENA_PAGE = "notebooks/02_multiple_arrangements.html"


def play_arena(base_url: str, page_path: str = ARENA_PAGE, *, assets: CdnAssets | None = None) -> dict:
    """Play the first trial of chapter 2's in-page arena on the built site, as a reader would (no kernel).

    Clicks the short session, checks the test hooks, drags one thumbnail, presses *next trial* and
    reads what the page shows. Returns ``{"items", "alts", "ids", "trial_text", "next_items", "problems"}``.
    """
    from playwright.sync_api import sync_playwright

    assets = assets or CdnAssets()
    with sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="site-arena-") as profile:
        context = _launch(pw, profile)
        try:
            watch = _PageWatch(base_url, assets)
            page = context.new_page()
            watch.attach(page)
            page.goto(base_url + page_path, wait_until="load")
            page.get_by_test_id("ma-start-0").click()
            items = page.get_by_test_id("ma-item")
            out = {
                "items": items.count(),
                "alts": items.evaluate_all("els => els.map(e => e.alt)"),
                "ids": items.evaluate_all("els => els.map(e => e.dataset.item)"),
            }
            box = items.first.bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x + 40, y + 25, steps=4)
            page.mouse.up()
            page.get_by_test_id("ma-next").click()
            page.wait_for_timeout(300)
            out["trial_text"] = page.locator(".repalign-arena-info").inner_text()
            out["next_items"] = page.get_by_test_id("ma-item").count()
            out["problems"] = list(watch.problems)
            return out
        finally:
            context.close()


def main(argv: list[str] | None = None) -> int:
    """Check an already built site: ``python tests/chapters/sitecheck.py _build/html [--screenshots DIR]``."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("html_dir", type=Path)
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    pages = [f"{d}.html" for d in toc_docnames()]
    with serve(args.html_dir) as base_url:
        results = check_site(base_url, args.html_dir, pages, screenshots=args.screenshots)
    bad = {page: problems for page, problems in results.items() if problems}
    for page in results:
        print(f"{'FAIL' if page in bad else 'ok  '} {page}")
        for problem in bad.get(page, []):
            print(f"       {problem}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
