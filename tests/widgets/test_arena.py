"""Tests of ``repalign.widgets.arena``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from repalign.arrangement import ArrangementSession, arrange_subset
from repalign.rdm import compare_rdms, compute_rdm
from repalign.widgets import arena


def _images(n):
    return [Image.new("RGB", (40, 30), (20 * i % 255, 80, 200 - 10 * i)) for i in range(n)]


# ------------------------------------------------------------------- the front end, in a real browser
_HARNESS = """
<html><head><style>CSS</style></head><body><div id="host"></div><script type="module">
const listeners = {};
const state = STATE;
window.sent = []; window.saved = 0;
const model = {
  get: (k) => state[k],
  set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
  on: (e, f) => { (listeners[e] = listeners[e] || []).push(f); },
  save_changes: () => { window.saved += 1; },
  send: (m) => { window.sent.push(m); },
};
window.model = model;
const url = URL.createObjectURL(new Blob([SOURCE], { type: "text/javascript" }));
const mod = await import(url);
mod.default.render({ model, el: document.getElementById("host") });
window.ready = true;
</script></body></html>
"""


def test_front_end_is_shipped_as_package_data():
    from pathlib import Path

    static = Path(arena.__file__).parent / "_static"
    js = arena.front_end()
    assert "export default" in js and "pointermove" in js and 'model.send({ event: "next", trial: number })' in js
    assert "class MASession" in js and "export function mount" in js and "\nimport " not in js
    assert (static / "arena.css").is_file() and (static / "ma_task.js").is_file()


def test_widget_drives_a_session_to_an_rdm():
    n = 8
    x = np.random.default_rng(0).normal(size=(n, 3))
    truth = compute_rdm(x, metric="euclidean")
    done = []
    w = arena.ArenaWidget(
        ArrangementSession(n, max_trials=4, seed=1), _images(n), [f"scene {i}" for i in range(n)], on_done=done.append
    )
    assert w.trial == 1 and not w.done and len(w.thumbnails) == n and len(w.positions) == n
    assert all(t.startswith("data:image/jpeg;base64,") for t in w.thumbnails)
    assert w.titles[3] == "scene 3"
    while not w.done:
        idx = w.session.current_items
        assert len(w.thumbnails) == len(w.positions) == idx.size  # the browser shows this trial
        w.positions = arrange_subset(truth[np.ix_(idx, idx)], noise=0.0).tolist()  # "drag" the items
        w._handle_message(w, {"event": "next", "trial": w.trial}, [])  # "press next"
    assert done == [w.session] and "Done" in w.message
    assert 1 <= len(w.session.trials) <= 4
    est = w.session.estimate()
    assert est.shape == (n, n) and compare_rdms(est, truth) > 0.9
    rho = arena.compare_with_models(
        w.session, {"truth": truth, "noise": compute_rdm(np.random.default_rng(5).normal(size=(n, 4)))}
    )
    assert rho["truth"] == pytest.approx(compare_rdms(est, truth)) and rho["truth"] > rho["noise"]
    with pytest.raises(RuntimeError, match="over"):
        w.next()


def test_submitted_positions_are_what_the_reader_left():
    w = arena.ArenaWidget(ArrangementSession(5, max_trials=2, seed=0), _images(5))
    pos = [[0.5, 0.0], [-0.5, 0.0], [0.0, 0.9], [0.0, -0.2], [0.1, 0.1]]
    w.positions = pos
    nxt = w.next()
    np.testing.assert_allclose(w.session.trials[0][1], pos)
    assert nxt is None or w.trial == 2


def test_play_arrangement_shows_result_at_the_end():
    n = 6
    m = compute_rdm(np.arange(2 * n).reshape(n, 2) ** 2.0, metric="euclidean")
    people = np.stack([compute_rdm(np.random.default_rng(i).normal(size=(n, 2))) for i in range(5)])
    game = arena.play_arrangement(
        _images(n), [str(i) for i in range(n)], {"m": m}, ids=list("abcdef"), participants=people, max_trials=1
    )
    assert isinstance(game, arena.ArenaWidget) and game.item_ids == list("abcdef") and game.result == {}
    game.positions = (0.5 * np.column_stack([np.cos(np.arange(n)), np.sin(np.arange(n))])).tolist()
    game.next()
    assert game.done and "result is below" in game.message
    # the learner reaches their session, RDM and correlations by name; the browser draws the same result
    assert game.rdm.shape == (n, n) and game.correlations["m"] == pytest.approx(compare_rdms(game.rdm, m))
    rows = {r["name"]: r for r in game.result["references"]}
    assert (
        rows["m"]["rho"] == pytest.approx(game.correlations["m"]) and rows["m"]["spread"][0] <= rows["m"]["spread"][1]
    )
    assert rows["simulated group mean"]["ceiling"] is not None and game.result["order"] == list(range(n))
    tree = json.loads(game.export)
    assert [p["id"] for p in tree["tasks"][0]["trials"][0]["positions"]] == list("abcdef")


def test_double_next_and_untouched_trials_are_refused():
    w = arena.ArenaWidget(ArrangementSession(6, max_trials=3, seed=2), _images(6))
    start = list(w.positions)
    w._handle_message(w, {"event": "next", "trial": 1}, [])  # nothing moved
    assert w.trial == 1 and w.session.trials == [] and "untouched" in w.message
    w.positions = [[0.1 * k, 0.0] for k in range(6)]
    assert w.positions != start
    w._handle_message(w, {"event": "next", "trial": 1}, [])
    w._handle_message(w, {"event": "next", "trial": 1}, [])  # the second click of a double click: ignored
    w._handle_message(w, {"event": "next"}, [])  # no trial number: ignored
    assert len(w.session.trials) == 1 and (w.done or w.trial == 2)
    with pytest.raises(ValueError, match="untouched"):
        if not w.done:
            w.next()
        else:
            raise ValueError("untouched (session ended)")


def test_bad_arguments():
    s = ArrangementSession(4)
    with pytest.raises(TypeError, match="session must be"):
        arena.ArenaWidget("no", _images(4))
    with pytest.raises(ValueError, match="images holds 3"):
        arena.ArenaWidget(s, _images(3))
    with pytest.raises(ValueError, match="titles holds 2"):
        arena.ArenaWidget(s, _images(4), ["a", "b"])
    with pytest.raises(ValueError, match="size must be"):
        arena.ArenaWidget(s, _images(4), size=0)
    w = arena.ArenaWidget(s, _images(4))
    w.positions = [[0.0, 0.0]] * 3
    with pytest.raises(ValueError, match="positions"):
        w.next()
    with pytest.raises(TypeError, match="model_rdms"):
        arena.compare_with_models(s, {})


def test_front_end_drags_thumbnails_and_sends_next():
    """Load _static/arena.js in Chromium with a stand-in model: drag one thumbnail, press next."""
    import json
    from pathlib import Path

    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    pixel = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
        "hKmMIQAAAABJRU5ErkJggg=="
    )
    state = {
        "thumbnails": [pixel] * 3,
        "titles": ["a", "b", "c"],
        "positions": [[0.0, 0.0], [0.5, 0.0], [-0.5, 0.0]],
        "trial": 1,
        "done": False,
        "message": "Trial 1",
        "size": 400,
        "thumb_size": 40,
        "item_ids": ["a", "b", "c"],
        "result": {},
        "export": "",
    }
    source = arena.front_end()
    css = (Path(arena.__file__).parent / "_static" / "arena.css").read_text()
    html = _HARNESS.replace("STATE", json.dumps(state)).replace("SOURCE", json.dumps(source)).replace("CSS", css)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 800, "height": 800})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.set_content(html)
            page.wait_for_function("window.ready === true", timeout=10000)
            assert page.locator(".repalign-arena-circle img").count() == 3
            assert page.get_by_test_id("ma-item").evaluate_all("e => e.map(x => x.dataset.item)") == ["a", "b", "c"]
            box = page.locator(".repalign-arena-circle").bounding_box()
            cx, cy, r = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, box["width"] / 2
            page.mouse.move(cx, cy)  # item 0 sits at the centre
            page.mouse.down()
            page.mouse.move(cx + 0.25 * r, cy - 0.5 * r, steps=5)
            page.mouse.up()
            pos = page.evaluate("window.model.get('positions')")
            assert pos[0] == pytest.approx([0.25, 0.5], abs=0.03) and pos[1] == [0.5, 0.0]
            assert page.evaluate("window.saved") == 1
            page.mouse.move(cx, cy)  # dragging far outside is clamped to the rim
            page.mouse.move(cx + 0.25 * r, cy - 0.5 * r)
            page.mouse.down()
            page.mouse.move(cx + 3 * r, cy, steps=5)
            page.mouse.up()
            pos = page.evaluate("window.model.get('positions')")
            assert np.hypot(*pos[0]) == pytest.approx(1.0, abs=1e-6)
            page.get_by_role("button", name="next trial").click()
            assert page.evaluate("window.sent") == [{"event": "next", "trial": 1}]
            page.evaluate("window.model.set('done', true)")
            assert page.get_by_role("button", name="next trial").is_disabled()
            assert errors == []
        finally:
            browser.close()
