"""The arena's JavaScript task logic (``_static/ma_task.js``) agrees with the Python implementation.

One implementation per language: these tests run the JavaScript in Chromium on the same trials as
:class:`repalign.arrangement.ArrangementSession` and check evidence, lift-the-weakest's choices, the
``"average"`` inverse-MDS estimate, Spearman's rho and the Meadows export (read back by ``load_meadows``).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from repalign.arrangement import (
    ArrangementSession,
    arrange_subset,
    evidence_matrix,
    inverse_mds,
    lift_the_weakest,
    load_meadows,
)
from repalign.rdm import compare_rdms, compute_rdm
from repalign.widgets import front_end

_LOAD = """async (source) => {
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  window.MA = await import(url);
  return Object.keys(window.MA).sort();
}"""


@pytest.fixture
def js(page):
    page.set_content("<html><body></body></html>")
    names = page.evaluate(_LOAD, front_end())
    assert {"MASession", "liftTheWeakest", "inverseMdsAverage", "spearmanRdm", "toMeadows", "mount"} <= set(names)
    return page


def _scripted_trials(n=12, max_trials=6, seed=3):
    """A Python session driven by a simulated participant; returns its trials and chosen subsets."""
    truth = compute_rdm(np.random.default_rng(seed).normal(size=(n, 4)), metric="euclidean")
    s = ArrangementSession(n, max_trials=max_trials, max_items=7, seed=seed)
    subsets = [s.current_items.tolist()]
    while not s.done:
        idx = s.current_items
        s.submit(arrange_subset(truth[np.ix_(idx, idx)], noise=0.03, seed=len(s.trials)))
        subsets.append(None if s.done else s.current_items.tolist())
    return s, truth, subsets


def _as_js(trials):
    return [[idx.tolist(), pos.tolist()] for idx, pos in trials]


def test_evidence_lift_and_estimate_agree(js):
    s, truth, subsets = _scripted_trials()
    n = s.n_items
    trials = _as_js(s.trials)
    assert len(trials) >= 4 and any(len(t[0]) < n for t in trials)  # later trials are subsets
    ev_js = np.array(js.evaluate("([t, n]) => MA.evidenceMatrix(t, n)", [trials, n]))
    np.testing.assert_allclose(ev_js, evidence_matrix(s.trials, n), rtol=1e-12, atol=1e-15)
    # lift-the-weakest after every prefix of trials: the same items in both languages
    for t in range(1, len(trials)):
        ev = evidence_matrix(s.trials[:t], n)
        py = lift_the_weakest(ev, max_items=7)
        got = js.evaluate("([e]) => MA.liftTheWeakest(e, { maxItems: 7 })", [ev.tolist()])
        assert got == py.tolist() == subsets[t]
    est_js = np.array(js.evaluate("([t, n]) => MA.inverseMdsAverage(t, n)", [trials, n]), dtype=float)
    est_py = inverse_mds(s.trials, n, estimator="average")
    np.testing.assert_allclose(est_js, est_py, rtol=1e-9, atol=1e-12)
    rho_js = js.evaluate("([a, b]) => MA.spearmanRdm(a, b)", [est_js.tolist(), truth.tolist()])
    assert rho_js == pytest.approx(compare_rdms(est_py, truth), abs=1e-12)
    assert rho_js > 0.8  # and it recovers the planted geometry


def test_js_session_replays_the_python_session(js):
    s, _, subsets = _scripted_trials()
    got = js.evaluate(
        """([n, positions]) => {
      const session = new MA.MASession(n, { maxTrials: 6, maxItems: 7 });
      const seen = [session.current.slice()];
      for (const p of positions) { const next = session.submit(p); seen.push(next && next.slice()); }
      return { seen, done: session.done };
    }""",
        [s.n_items, [pos.tolist() for _, pos in s.trials]],
    )
    assert got["done"] and got["seen"] == subsets


def test_spearman_handles_ties_as_scipy(js):
    rng = np.random.default_rng(0)
    a = compute_rdm(rng.integers(0, 3, size=(9, 2)).astype(float), metric="euclidean")  # many ties
    b = compute_rdm(rng.normal(size=(9, 3)))
    assert js.evaluate("([a, b]) => MA.spearmanRdm(a, b)", [a.tolist(), b.tolist()]) == pytest.approx(
        compare_rdms(a, b), abs=1e-12
    )


def test_js_export_is_read_back_by_load_meadows(js, tmp_path):
    s, _, _ = _scripted_trials()
    stimuli = [{"id": f"scene{k:02d}", "name": f"a caption {k}"} for k in range(s.n_items)]
    tree = js.evaluate(
        """([n, positions, stimuli]) => {
      const session = new MA.MASession(n, { maxTrials: 6, maxItems: 7 });
      for (const p of positions) session.submit(p);
      return MA.toMeadows(session, stimuli);
    }""",
        [s.n_items, [pos.tolist() for _, pos in s.trials], stimuli],
    )
    path = tmp_path / "reader_tree.json"
    path.write_text(json.dumps(tree))
    ma = load_meadows(path)
    assert ma.stimuli == [st["name"] for st in stimuli] and len(ma.trials) == len(s.trials)
    scale = max(np.linalg.norm(p, axis=1).max() for _, p in s.trials)  # load_meadows fills the unit arena
    for (idx, pos), (idx0, pos0) in zip(ma.trials, s.trials):
        assert idx.tolist() == idx0.tolist()
        np.testing.assert_allclose(pos * scale, pos0, atol=1e-12)
    est = inverse_mds(s.trials, s.n_items)
    np.testing.assert_allclose(ma.rdm, est[np.triu_indices(s.n_items, 1)], rtol=1e-9)
    # load_meadows rescales positions to fill the unit arena (as for real exports); the estimate of what it
    # reads equals the estimate of the same trials rescaled alike (the 0.2 weight floor is not scale-free)
    rescaled = [(idx, pos / scale) for idx, pos in s.trials]
    np.testing.assert_allclose(inverse_mds(ma.trials, s.n_items), inverse_mds(rescaled, s.n_items), rtol=1e-12)
