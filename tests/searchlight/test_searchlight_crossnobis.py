"""Tests of ``repalign.searchlight.crossnobis`` (the crossnobis path of ``searchlight_rsa``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from repalign.rdm.crossnobis import crossnobis_rdm, noise_precision
from repalign.searchlight import searchlight_neighbors, searchlight_rsa
from repalign.searchlight.crossnobis import _design

SHAPE = (6, 7, 5)


def _runs_data(n_runs=4, n_cond=6, seed=0, signal=0.7):
    rng = np.random.default_rng(seed)
    mask = np.zeros(SHAPE, dtype=bool)
    mask[1:-1, 1:-1, 1:-1] = True
    mask[3, 3, 2] = False
    runs = np.repeat(np.arange(n_runs), n_cond)
    conds = np.tile(np.arange(n_cond), n_runs)
    patterns = rng.normal(size=(n_cond,) + SHAPE)
    data = signal * patterns[conds] + rng.normal(size=(n_runs * n_cond,) + SHAPE)
    models = np.stack([rng.random(n_cond * (n_cond - 1) // 2) for _ in range(2)])
    residuals = rng.normal(size=(25,) + SHAPE) + 0.5 * rng.normal(size=(25, 1, 1, 1))  # correlated noise
    return data, mask, runs, conds, models, residuals


def _plain(data, mask, runs, conds, models, radius, residuals=None, shrinkage="diag", method="spearman"):
    """Per centre: repalign.rdm.crossnobis on the sphere's voxels, then the comparison."""
    flat = data.reshape(data.shape[0], -1)
    n = np.unique(conds).size
    iu = np.triu_indices(n, k=1)
    out = np.full((len(models),) + mask.shape, np.nan)
    for c, nb in zip(np.argwhere(mask), searchlight_neighbors(mask, radius=radius)):
        prec = None
        if residuals is not None:
            prec = noise_precision(residuals.reshape(residuals.shape[0], -1)[:, nb], shrinkage=shrinkage)
        rdm = crossnobis_rdm(flat[:, nb], conditions=conds, runs=runs, noise=prec)[iu]
        for k, m in enumerate(models):
            if method == "spearman":
                out[(k,) + tuple(c)] = spearmanr(rdm, m).statistic
            elif method == "pearson":
                out[(k,) + tuple(c)] = pearsonr(rdm, m).statistic
            else:
                out[(k,) + tuple(c)] = rdm @ m / np.linalg.norm(rdm) / np.linalg.norm(m)
    return out


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_identity_noise_equals_per_sphere_crossnobis(dtype, backend):
    data, mask, runs, conds, models, _ = _runs_data()
    ref = _plain(data, mask, runs, conds, models, 2)
    ours = searchlight_rsa(
        data, mask, models, radius=2, metric="crossnobis", runs=runs, conditions=conds, dtype=dtype,
        backend=backend, max_memory=2e5, progress=False,
    )  # fmt: skip
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    assert np.nanmax(np.abs(ours - ref)) < (1e-10 if dtype == "float64" else 1e-5)
    assert np.isfinite(ours[:, mask]).all()


@pytest.mark.parametrize("shrinkage", ["diag", "eye"])
def test_noise_precision_per_sphere_equals_per_sphere_crossnobis(shrinkage):
    data, mask, runs, conds, models, residuals = _runs_data(seed=1)
    ref = _plain(data, mask, runs, conds, models, 2, residuals, shrinkage)
    kw = dict(radius=2, metric="crossnobis", runs=runs, conditions=conds, residuals=residuals, progress=False)
    ours = searchlight_rsa(data, mask, models, shrinkage=shrinkage, max_memory=1e5, **kw)
    assert np.nanmax(np.abs(ours - ref)) < 1e-10
    # whitening changes the map: the identity-noise map differs
    plain = searchlight_rsa(
        data, mask, models, radius=2, metric="crossnobis", runs=runs, conditions=conds, progress=False
    )
    assert np.nanmax(np.abs(plain - ours)) > 1e-3


@pytest.mark.parametrize("method", ["pearson", "cosine"])
def test_crossnobis_with_other_methods(method):
    data, mask, runs, conds, models, _ = _runs_data(seed=2)
    ref = _plain(data, mask, runs, conds, models, 1.8, method=method)
    ours = searchlight_rsa(
        data, mask, models, radius=1.8, metric="crossnobis", method=method, runs=runs, conditions=conds, progress=False
    )
    assert np.nanmax(np.abs(ours - ref)) < 1e-6  # float32 patterns (the default dtype)


def test_labels_shuffled_and_unbalanced_runs():
    # patterns in any order, string labels, a condition twice in one run: the same as the per-sphere RDM
    data, mask, runs, conds, models, _ = _runs_data(n_runs=3, n_cond=5, seed=3)
    rng = np.random.default_rng(0)
    extra = np.concatenate([data, data[:1] + rng.normal(size=data.shape[1:])])
    runs = np.append(runs, 0)
    conds = np.append(conds, 0)
    order = rng.permutation(runs.size)
    names = np.array(["a", "b", "c", "d", "e"])[conds[order]]
    ref = _plain(extra[order], mask, runs[order], names, models, 2)
    ours = searchlight_rsa(
        extra[order], mask, models, radius=2, metric="crossnobis", runs=runs[order], conditions=names,
        dtype="float64", progress=False,
    )  # fmt: skip
    assert np.nanmax(np.abs(ours - ref)) < 1e-10


def test_design_balanced_flag_and_stacked_blocks():
    d = _design(np.repeat([0, 1, 2], 3), np.tile([0, 1, 2], 3), 9)
    assert d.balanced
    cells = np.arange(2 * 9, dtype=float).reshape(2, 9)  # 2 voxels, (run, condition) run-major
    st = d.stacked(cells)
    assert st.shape == (2, 12)
    assert np.allclose(st[:, :3], cells[:, :3] + cells[:, 3:6] + cells[:, 6:])  # the run sum first
    assert np.allclose(st[:, 3:], cells)
    # a condition twice in one run: unbalanced
    assert not _design(np.append(np.repeat([0, 1, 2], 3), 0), np.append(np.tile([0, 1, 2], 3), 0), 10).balanced


@pytest.mark.parametrize("noise", ["identity", "residuals"])
@pytest.mark.parametrize("backend", ["torch", "numpy"])
def test_balanced_fast_path_equals_the_cell_gram_path(noise, backend, monkeypatch):
    # balanced designs take (C + 1)-square Gram matrices of the run sum and the runs; the general
    # path (every fold kernel from the (RC + 1)-square cell Gram matrix) must give the same maps
    import repalign.searchlight.engine as engine

    data, mask, runs, conds, models, residuals = _runs_data(n_runs=3, n_cond=5, seed=4)
    kw = dict(radius=2, metric="crossnobis", runs=runs, conditions=conds, dtype="float64", progress=False)
    kw["residuals"] = residuals if noise == "residuals" else None
    fast = searchlight_rsa(data, mask, models, backend=backend, **kw)
    monkeypatch.setattr(engine, "_design", lambda *a: dataclasses.replace(_design(*a), balanced=False))
    general = searchlight_rsa(data, mask, models, backend=backend, **kw)
    assert np.isfinite(fast).sum() == np.isfinite(general).sum() > 0
    assert np.nanmax(np.abs(fast - general)) < 1e-12


def test_design_weights_average_the_other_runs():
    d = _design(np.repeat([0, 1, 2], 3), np.tile([0, 1, 2], 3), 9)
    assert d.n_runs == 3 and d.n_cond == 3
    w = d.weights.reshape(3, 3, 3) * 3  # (condition, run r, fold f)
    assert np.allclose(w[:, [0, 1, 2], [0, 1, 2]], 0.0)  # a run never trains its own fold
    assert np.allclose(w.sum(1), 1.0)  # each fold's training mean is a mean


def test_constant_spheres_are_nan_with_a_count_warning():
    data, mask, runs, conds, models, _ = _runs_data(seed=4)
    data = data.copy()
    data[:, :, :, :] = np.where(np.arange(SHAPE[0])[:, None, None] <= 2, 3.0, data)  # x <= 2: constant
    with pytest.warns(RuntimeWarning, match=r"\d+ of \d+ searchlight centres are NaN"):
        out = searchlight_rsa(data, mask, models[0], radius=1.5, metric="crossnobis", runs=runs, conditions=conds,
                              progress=False)  # fmt: skip
    coords = np.argwhere(mask)
    nan = np.isnan(out[mask])
    assert np.array_equal(nan, coords[:, 0] <= 1)  # their sphere (radius 1.5) stays in x <= 2
    assert np.isfinite(out[mask][coords[:, 0] >= 3]).all()


@pytest.mark.parametrize(
    "kwargs,exc,msg",
    [
        (dict(runs=None), ValueError, "runs is required with metric='crossnobis'"),
        (dict(conditions=None), ValueError, "conditions is required"),
        (dict(runs=np.zeros(24, int)), ValueError, "runs must hold at least 2 distinct labels"),
        (dict(runs=np.arange(23)), ValueError, "runs must be 1-D with one label per pattern"),
        (dict(runs=np.repeat([0.5, 1.5, 2.5, 3.5], 6)), TypeError, "runs must hold integer or string labels"),
        (dict(conditions=np.r_[1, np.tile(np.arange(6), 4)[1:]]), ValueError, "run 0 lacks condition 0"),
        (dict(residuals=np.zeros((10,) + SHAPE)), ValueError, "residuals is constant at"),
        (dict(residuals=np.ones((10, 3, 3, 3))), ValueError, "residuals must be"),
        (dict(shrinkage="full", residuals="ok"), ValueError, "shrinkage must be one of"),
        (dict(metric="correlation"), ValueError, "runs is only used with metric='crossnobis'"),
        (dict(method="kendall_tau_a"), ValueError, "method must be one of"),
    ],
)
def test_bad_crossnobis_inputs_one_line_errors(kwargs, exc, msg):
    data, mask, runs, conds, models, residuals = _runs_data()
    args = dict(metric="crossnobis", runs=runs, conditions=conds, radius=2, progress=False)
    if isinstance(kwargs.get("residuals"), str):
        kwargs = {**kwargs, "residuals": residuals}
    args.update(kwargs)
    with pytest.raises(exc, match=msg) as info:
        searchlight_rsa(data, mask, models[0], **args)
    assert "\n" not in str(info.value)


def test_crossnobis_finds_the_simulated_signal():
    # signal only in x >= 3: the map is higher there than in the pure-noise half
    rng = np.random.default_rng(5)
    mask = np.ones((8, 6, 6), dtype=bool)
    runs, conds = np.repeat(np.arange(4), 8), np.tile(np.arange(8), 4)
    embedding = rng.normal(size=(8, 3))
    truth = np.einsum("ck,kxyz->cxyz", embedding, rng.normal(size=(3, 8, 6, 6)))
    truth[:, :4] = 0.0
    data = truth[conds] + rng.normal(size=(32, 8, 6, 6))
    from scipy.spatial.distance import pdist

    model = pdist(embedding, "sqeuclidean")
    out = searchlight_rsa(data, mask, model, radius=2, metric="crossnobis", runs=runs, conditions=conds, progress=False)
    assert np.nanmean(out[5:]) > 0.5
    assert abs(np.nanmean(out[:2])) < 0.15


def test_threads_and_chunks_give_the_same_crossnobis_maps():
    data, mask, runs, conds, models, residuals = _runs_data(seed=6)
    kw = dict(radius=2, metric="crossnobis", runs=runs, conditions=conds, progress=False)
    one = searchlight_rsa(data, mask, models, n_jobs=1, max_memory=2e5, **kw)
    two = searchlight_rsa(data, mask, models, n_jobs=2, max_memory=2e5, **kw)
    whole = searchlight_rsa(data, mask, models, n_jobs=1, max_memory=1e12, **kw)
    assert np.array_equal(one, two, equal_nan=True)
    np.testing.assert_allclose(one, whole, atol=1e-6)
    w1 = searchlight_rsa(data, mask, models, residuals=residuals, n_jobs=1, max_memory=1e5, **kw)
    w2 = searchlight_rsa(data, mask, models, residuals=residuals, n_jobs=2, max_memory=1e12, **kw)
    np.testing.assert_allclose(w1, w2, atol=1e-12)


def test_simulate_runs():
    from repalign.searchlight import simulate_runs

    signal = np.random.default_rng(0).normal(size=(5, 4, 4, 3))
    sim = simulate_runs(signal, n_runs=3, noise=0.5, seed=1)
    assert sim.data.shape == (15, 4, 4, 3)
    assert np.array_equal(sim.runs, np.repeat([0, 1, 2], 5)) and np.array_equal(
        sim.conditions, np.tile(np.arange(5), 3)
    )
    noise = sim.data - signal[sim.conditions]
    assert abs(noise.std() - 0.5) < 0.05 and abs(noise.mean()) < 0.05
    assert abs(np.corrcoef(noise[:5].ravel(), noise[5:10].ravel())[0, 1]) < 0.1  # new noise in every run
    again = simulate_runs(signal, n_runs=3, noise=0.5, seed=1)
    assert np.array_equal(again.data, sim.data)
    nib = pytest.importorskip("nibabel")
    img = nib.Nifti1Image(np.moveaxis(signal, 0, -1).astype(np.float32), np.eye(4))
    out = simulate_runs(img, n_runs=2, noise=1.0, seed=0)
    assert isinstance(out.data, nib.Nifti1Image) and out.data.shape == (4, 4, 3, 10)
    for kwargs, msg in [
        (dict(n_runs=1), "n_runs must be >= 2"),
        (dict(noise=0.0), "noise must be > 0"),
        (dict(noise=float("nan")), "noise must be > 0"),
    ]:
        with pytest.raises(ValueError, match=msg):
            simulate_runs(signal, **kwargs)
    with pytest.raises(ValueError, match="signal must be 4-D"):
        simulate_runs(signal[0])


def test_group_searchlight_refuses_crossnobis():
    from repalign.searchlight import group_searchlight

    data, mask, runs, conds, models, _ = _runs_data()
    with pytest.raises(ValueError, match="call searchlight_rsa for each subject"):
        group_searchlight([data], mask, models[0], metric="crossnobis", progress=False)


@pytest.mark.parametrize("shrinkage", ["diag", "eye"])
def test_compiled_noise_covariance_equals_the_numpy_path(shrinkage, monkeypatch):
    # the compiled shrinkage (kernels._shrunk_covariance) sums in another order than
    # _WhitenedEngine._covariance (numpy): the maps agree to rounding, spheres cut by the mask included
    import repalign.searchlight.crossnobis as cn

    if not cn.HAVE_NUMBA:
        pytest.skip("numba is not installed")
    data, mask, runs, conds, models, residuals = _runs_data(seed=7)
    kw = dict(radius=2, metric="crossnobis", runs=runs, conditions=conds, residuals=residuals, progress=False)
    compiled = searchlight_rsa(data, mask, models, shrinkage=shrinkage, method="pearson", **kw)
    monkeypatch.setattr(cn, "HAVE_NUMBA", False)
    plain = searchlight_rsa(data, mask, models, shrinkage=shrinkage, method="pearson", **kw)
    assert np.isfinite(compiled[:, mask]).all()
    np.testing.assert_allclose(compiled, plain, rtol=0, atol=1e-12)


def test_compiled_noise_covariance_kernel_equals_its_numpy_twin():
    # kernels._shrunk_covariance against _WhitenedEngine._covariance on spheres with padding voxels
    import repalign.searchlight.crossnobis as cn
    from repalign.searchlight.kernels import HAVE_NUMBA, _shrunk_covariance

    if not HAVE_NUMBA:
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(3)
    b, v, t = 5, 9, 14
    counts = np.array([9, 7, 4, 9, 2])
    r = rng.normal(size=(b, v, t)) + 0.4 * rng.normal(size=(b, 1, t))
    r -= r.mean(2, keepdims=True)
    r[np.arange(v)[None, :] >= counts[:, None]] = 0.0  # padding rows last
    valid = np.arange(v)[None, :] < counts[:, None]
    for shrinkage in ("diag", "eye"):
        eng = cn._WhitenedEngine(np.zeros((1, 3)), None, None, shrinkage, t - 1)
        want = eng._covariance(r, valid)
        got = np.matmul(r, r.transpose(0, 2, 1))
        _shrunk_covariance(got, r, counts, float(t - 1), shrinkage == "diag")
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
        assert not np.allclose(want, np.matmul(r, r.transpose(0, 2, 1)) / (t - 1))  # it did shrink


@pytest.mark.parametrize("shrinkage", ["diag", "eye"])
def test_compiled_whitened_kernels_equal_the_padded_numpy_pipeline(shrinkage):
    # kernels._whitened_kernels (one sphere at a time, LAPACK from compiled code, no padding voxels) against
    # the batched numpy pipeline: shrunk covariance, Cholesky, whitening, K = T T^T - sum_r Z_r Z_r^T
    import repalign.searchlight.crossnobis as cn
    from repalign.searchlight.kernels import HAVE_NUMBA, _whitened_kernels

    if not HAVE_NUMBA:
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(11)
    n, t, n_runs, n_cond, v = 30, 20, 3, 5, 9
    residuals = np.vstack([rng.normal(size=(n, t)) + 0.3 * rng.normal(size=(1, t)), np.zeros((1, t))])
    residuals[:n] -= residuals[:n].mean(1, keepdims=True)
    patterns = np.vstack([rng.normal(size=(n, n_runs * n_cond)), np.zeros((1, n_runs * n_cond))])
    counts = np.array([9, 6, 2, 9, 4])
    idx = np.full((counts.size, v), n)  # each sphere's voxels first, then the padding row
    for k, c in enumerate(counts):
        idx[k, :c] = rng.choice(n, size=c, replace=False)
    got = np.empty((counts.size, n_cond, n_cond))
    assert (
        _whitened_kernels(residuals, patterns, idx, counts, float(t - 1), shrinkage == "diag", n_runs, n_cond, got)
        == -1
    )
    eng = cn._WhitenedEngine(patterns, residuals, None, shrinkage, t - 1)
    chol = np.linalg.cholesky(eng._covariance(residuals[idx], idx < n))
    z = np.linalg.solve(chol, patterns[idx]).transpose(0, 2, 1).reshape(counts.size, n_runs, n_cond, v)
    total = z.sum(1)
    want = total @ total.transpose(0, 2, 1) - sum(z[:, r] @ z[:, r].transpose(0, 2, 1) for r in range(n_runs))
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-12)
    assert np.abs(want).max() > 1.0
