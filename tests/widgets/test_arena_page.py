"""The in-page arena (no kernel): a reader plays a whole session in Chromium, through the test hooks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from repalign.arrangement import load_meadows
from repalign.rdm import cluster_order, compare_rdms, compute_rdm
from repalign.widgets import arena_page

N = 10


def _page_arena(**kw):
    rng = np.random.default_rng(1)
    images = [Image.new("RGB", (40, 30), (25 * i % 255, 90, 200 - 12 * i)) for i in range(N)]
    x = rng.normal(size=(N, 3))
    refs = {"model A": compute_rdm(x, metric="euclidean"), "model B": compute_rdm(rng.normal(size=(N, 5)))}
    people = np.stack([compute_rdm(x + 0.5 * rng.normal(size=x.shape), metric="euclidean") for _ in range(8)])
    kw = {
        "ids": [f"s{i}" for i in range(N)],
        "variants": [("short", list(range(0, N, 2)) + [1], 4), ("long", list(range(N)), 5)],
        "participants": people,
        "seed": 3,
        **kw,
    }
    return arena_page(images, [f"caption {i}" for i in range(N)], refs, **kw), refs, people


def _centre(page, item):
    box = page.locator(f'[data-testid="ma-item"][data-item="{item}"]').bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _drag(page, item, dx, dy, grab=(0.0, 0.0)):
    x, y = _centre(page, item)
    page.mouse.move(x + grab[0], y + grab[1])
    page.mouse.down()
    page.mouse.move(x + grab[0] + dx, y + grab[1] + dy, steps=4)
    page.mouse.up()


def _session(page):
    return page.evaluate(
        "(() => { const s = document.querySelector('.repalign-arena-page').maArena.host.session;"
        " return { trials: s.trials, done: s.done }; })()"
    )


def test_payload_and_html_are_self_contained():
    game, refs, people = _page_arena()
    html = game.html()
    assert html.count("<script") == 1 and 'type="module"' in html and "http" not in html.split("<script")[1][:200]
    assert "nothing you arrange is sent anywhere" in html
    short = game.payload["variants"][0]
    assert short["items"] == [0, 2, 4, 6, 8, 1] and short["maxTrials"] == 4
    names = [r["name"] for r in short["references"]]
    assert names == ["model A", "model B", "simulated group mean"]
    sub = np.ix_(short["items"], short["items"])
    np.testing.assert_allclose(np.array(short["references"][0]["rdm"], dtype=float), refs["model A"][sub], rtol=1e-5)
    lo, hi = short["references"][0]["spread"]
    rho = [compare_rdms(p[sub], refs["model A"][sub]) for p in people]
    assert lo == pytest.approx(np.percentile(rho, 5)) and hi == pytest.approx(np.percentile(rho, 95))
    assert short["references"][2]["ceiling"][0] <= short["references"][2]["ceiling"][1]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="ids must hold"):
        _page_arena(ids=["a"] * N)
    with pytest.raises(ValueError, match="variants\\[0\\] must list at least 3"):
        _page_arena(variants=[("x", [0, 1], 3)])
    with pytest.raises(TypeError, match="variants must be"):
        _page_arena(variants=[])
    with pytest.raises(ValueError, match="order must be a permutation"):
        _page_arena(order=[0] * N)
    with pytest.raises(ValueError, match="order names no reference"):
        _page_arena(order="model C")


def test_order_by_a_reference_clusters_each_session():
    game, refs, _ = _page_arena(order="model A")
    for v in game.payload["variants"]:
        chosen = v["items"]
        assert v["order"] == cluster_order(refs["model A"][np.ix_(chosen, chosen)]).tolist()


def test_a_reader_plays_a_session_in_the_page(page, tmp_path):
    game, refs, _ = _page_arena()
    page.set_content(f"<html><body>{game.html()}</body></html>")
    page.get_by_test_id("ma-start-0").click()
    arena = page.get_by_test_id("ma-arena")
    assert arena.count() == 1
    items = page.get_by_test_id("ma-item")
    assert items.count() == 6
    assert sorted(items.evaluate_all("els => els.map(e => e.dataset.item)")) == sorted(
        ["s0", "s2", "s4", "s6", "s8", "s1"]
    )
    assert items.first.get_attribute("alt").startswith("caption ")
    # next with nothing moved: refused with a message, nothing recorded
    page.get_by_test_id("ma-next").click()
    assert "Move at least one scene" in page.locator(".repalign-arena-info").inner_text()
    assert _session(page)["trials"] == []
    # a thumbnail grabbed off-centre moves with the pointer; it does not jump under it
    before = _centre(page, "s0")
    _drag(page, "s0", 30, 20, grab=(12, -9))
    after = _centre(page, "s0")
    assert after[0] - before[0] == pytest.approx(30, abs=1.5) and after[1] - before[1] == pytest.approx(20, abs=1.5)
    # keyboard: focus + arrow keys
    item = page.locator('[data-testid="ma-item"][data-item="s2"]')
    item.focus()
    x0 = _centre(page, "s2")[0]
    page.keyboard.press("ArrowRight")
    assert _centre(page, "s2")[0] - x0 == pytest.approx(0.04 * 480 / 2, abs=1.5)
    # dropping one thumbnail exactly on another leaves both visible (no complete cover)
    a, b = _centre(page, "s4"), _centre(page, "s6")
    _drag(page, "s4", b[0] - a[0], b[1] - a[1])
    a = _centre(page, "s4")
    width = page.locator('[data-testid="ma-item"][data-item="s4"]').bounding_box()["width"]
    assert np.hypot(a[0] - b[0], a[1] - b[1]) >= 0.44 * width
    # a double click submits one trial, never the next trial's untouched ring
    page.get_by_test_id("ma-next").dblclick()
    assert len(_session(page)["trials"]) == 1
    assert "Trial 2" in page.locator(".repalign-arena-info").inner_text()
    while not page.get_by_test_id("ma-result").is_visible():
        first = items.first.get_attribute("data-item")
        _drag(page, first, 25, -15)
        page.get_by_test_id("ma-next").click()
    session = _session(page)
    assert 2 <= len(session["trials"]) <= 4
    # the end: locked items, a visible result with one row per reference, the hint under the arena
    assert items.first.evaluate("e => getComputedStyle(e).pointerEvents") == "none"
    result = page.get_by_test_id("ma-result")
    rows = result.locator("tr")
    assert rows.count() == 1 + 3 and "simulated group mean" in result.inner_text()
    assert result.locator("canvas").count() == 4 and page.get_by_test_id("ma-next").is_disabled()
    assert "result is just below" in page.locator(".repalign-arena-hint").inner_text()
    # the export is a Meadows tree that load_meadows reads, with the reader's RDM
    with page.expect_download() as info:
        page.get_by_test_id("ma-export").click()
    path = tmp_path / "reader.json"
    info.value.save_as(path)
    ma = load_meadows(path)
    assert len(ma.trials) == len(session["trials"]) and ma.stimuli[0] == "s0"
    tree = json.loads(path.read_text())
    assert tree["tasks"][0]["trials"][0]["positions"][0].keys() == {"id", "x", "y"}
    assert page.errors == []
