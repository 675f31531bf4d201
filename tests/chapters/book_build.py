"""``make book``: execute every chapter in full mode, side by side, then build the website from them.

First the image features and sentence embeddings the chapters share are computed once into the
feature cache (:func:`notebook_runner.warm_up`; rows are cached image by image and sentence by
sentence, so each chapter reads back whatever subset, block or layer it asks for). Jupyter Book executes notebooks one after another; on a machine
with several cores this script then runs the chapters in parallel instead (:func:`notebook_runner.execute_all`, one kernel per worker
process, longest first, ``REPALIGN_NOTEBOOK_WORKERS`` to override the number of workers), with the
book's full-mode parameters (``FAST=False``), and then builds the site from the executed notebooks
with execution switched off (:func:`sitecheck.build_site`, ``-W``: any warning fails the build).

Where the time goes is written to ``<out>/timings.md`` (and printed): each chapter's wall time and
its slowest cells (papermill's per-cell durations).

Run: ``python tests/chapters/book_build.py [OUT] [--fast]`` (default ``_build``; the site lands in
``OUT/html``; ``--fast``: the chapters' FAST mode, a quick preview).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from notebook_runner import ROOT, default_workers, execute, execute_all, toc_notebooks, warm_up  # noqa: E402
from sitecheck import build_site  # noqa: E402


def slowest_cells(notebook: Path, n: int = 3) -> list[tuple[float, str]]:
    """The ``n`` slowest code cells of an executed notebook: (seconds, first line of the cell)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    timed = []
    for cell in cells:
        duration = cell.get("metadata", {}).get("papermill", {}).get("duration")
        if cell["cell_type"] == "code" and duration is not None:
            source = "".join(cell["source"]).strip().splitlines()
            first = next((line for line in source if line and not line.startswith("#")), source[0] if source else "")
            timed.append((float(duration), first[:70]))
    return sorted(timed, reverse=True)[:n]


def timings_table(
    runs: dict, wall: float, workers: int, mode: str = "full", warmup: dict | None = None, warmup_wall: float = 0.0
) -> str:
    """Markdown: the warm-up's steps, then per chapter its seconds and slowest cells; wall against summed time."""
    lines = []
    if warmup:
        lines += [
            f"Feature cache warmed up in {warmup_wall:.0f} s wall ({sum(warmup.values()):.0f} s summed): "
            + "; ".join(f"{step} {sec:.0f} s" for step, sec in warmup.items())
            + ".",
            "",
        ]
    lines += [
        f"Chapters executed in {mode} mode on {workers} worker(s): {wall:.0f} s wall, "
        f"{sum(r.seconds for r in runs.values()):.0f} s summed over chapters.",
        "",
        "| chapter | s | slowest cells (s) |",
        "|---|---:|---|",
    ]
    for name, run in runs.items():
        cells = (
            "; ".join(f"`{src}` ({sec:.0f})" for sec, src in slowest_cells(run.output)) if run.output.exists() else ""
        )
        lines.append(f"| {Path(name).name} | {run.seconds:.0f} | {cells.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def main(out: Path, fast: bool = False) -> int:
    out = out.resolve()
    executed = out / "executed"
    cache = Path(os.environ.get("REPALIGN_CACHE") or ROOT / ".cache" / "repalign")
    cache.mkdir(parents=True, exist_ok=True)
    names = toc_notebooks()
    workers = min(default_workers(), len(names))
    t0 = time.perf_counter()
    warmup = warm_up(cache, workers)
    warmup_wall = time.perf_counter() - t0
    print(f"[book] feature cache warmed up in {warmup_wall:.0f} s")
    t0 = time.perf_counter()
    runs = execute_all(names, executed, cache, runner=functools.partial(execute, fast=fast), workers=workers)
    wall = time.perf_counter() - t0
    table = timings_table(runs, wall, workers, "FAST" if fast else "full", warmup, warmup_wall)
    (out / "timings.md").write_text(table, encoding="utf-8")
    print(table)
    failed = {name: run.error for name, run in runs.items() if run.error}
    if failed:
        for name, error in failed.items():
            print(f"[book] {name} failed:\n{error}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    html = build_site(executed, out / "site", timeout=1800)
    target = out / "html"
    if target.exists():
        shutil.rmtree(target)
    shutil.move(str(html), str(target))
    print(f"[book] site built in {time.perf_counter() - t0:.0f} s: {target / 'index.html'}")
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--fast"]
    sys.exit(main(Path(args[0]) if args else ROOT / "_build", fast="--fast" in sys.argv[1:]))
