"""Crossnobis searchlight: per sphere, the cross-validated Mahalanobis RDM over runs.

Each sphere's RDM equals ``repalign.rdm.crossnobis.crossnobis_rdm`` (and rsatoolbox's
``calc_rdm(..., method="crossnobis", descriptor="conds", cv_descriptor="runs")``) on the sphere's voxels:
leave-one-run-out folds, each run's condition means against the means of all observations of the other
runs, the fold RDMs averaged, distances divided by the sphere's voxel count. Every fold kernel is a
weighted sum of blocks of one Gram matrix ``M P M^T`` of the (run, condition) cell means ``M`` of the
sphere, so a sphere costs one Gram matrix: with the identity precision it comes from the fast engine's
incremental Gram matrices (``repalign.searchlight.gram``); with a noise precision estimated per
sphere from residuals (a shrinkage estimate, as ``repalign.rdm.crossnobis.noise_precision``) it comes
from a batched Cholesky solve per chunk of centres (:class:`_WhitenedEngine`, always float64).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from repalign.core.validation import check_choice, check_int, check_seed
from repalign.searchlight.inputs import _masked_patterns, _numeric_array
from repalign.searchlight.kernels import HAVE_NUMBA, _shrunk_covariance, _whitened_kernels
from repalign.searchlight.spheres import _Neighbours

__all__ = ["SimulatedRuns", "simulate_runs"]

#: Shrinkage targets of the per-sphere noise covariance (``shrinkage``).
_SHRINKAGE = ("diag", "eye")


def _labels(values, name: str, n: int) -> np.ndarray:
    if values is None:
        raise ValueError(f"{name} is required with metric='crossnobis' (one label per pattern of data)")
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must be 1-D with one label per pattern of data ({n}); got shape {arr.shape}")
    if arr.dtype == object or arr.dtype.kind not in "iusU":
        raise TypeError(f"{name} must hold integer or string labels; got dtype {arr.dtype}")
    return arr


@dataclass
class _Design:
    """Runs x conditions of the patterns: cell averaging and the fold weights of the kernels."""

    cells: np.ndarray  # (n_patterns, n_runs * n_cond): pattern -> cell mean (1 / cell count), run-major
    weights: np.ndarray  # (n_cond, n_runs * n_runs): w[c, r * R + f] = weight of run r in fold f's training mean
    n_runs: int
    n_cond: int
    levels: np.ndarray  # condition labels, in RDM order (numpy.unique)
    balanced: bool = False  # every condition observed equally often in every run

    @cached_property
    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Row and column indices of the condensed RDM's pairs (``numpy.triu_indices(n_cond, k=1)``)."""
        return np.triu_indices(self.n_cond, k=1)

    def stacked(self, cell_means: np.ndarray) -> np.ndarray:
        """Balanced designs: cell means ``(n, R * C)`` -> ``(n, (R + 1) * C)``, the run sum, then each run.

        With every run weighted alike, the fold kernels averaged over folds are
        ``K = (S S^T - sum_r M_r M_r^T) / (R (R - 1))`` (``M_r`` the run's condition means, ``S`` their
        sum): the Gram matrices of these blocks, the first added and the others subtracted
        (``_Engine(..., blocks=R + 1)``), give each sphere's crossnobis RDM from a ``(C + 1)``-square
        Gram matrix instead of the ``(R C + 1)``-square cell Gram matrix.
        """
        r, c = self.n_runs, self.n_cond
        runs = cell_means.reshape(cell_means.shape[0], r, c)
        return np.concatenate([runs.sum(1), cell_means], axis=1)


def _design(runs, conditions, n_patterns: int) -> _Design:
    """Validate ``runs`` and ``conditions`` (one label per pattern) and build the :class:`_Design`."""
    run = _labels(runs, "runs", n_patterns)
    cond = _labels(conditions, "conditions", n_patterns)
    levels, ci = np.unique(cond, return_inverse=True)
    folds, ri = np.unique(run, return_inverse=True)
    n_cond, n_runs = levels.size, folds.size
    if n_cond < 3:
        raise ValueError(f"conditions must hold at least 3 distinct labels; got {n_cond}")
    if n_runs < 2:
        raise ValueError(f"runs must hold at least 2 distinct labels (cross-validation folds); got {n_runs}")
    counts = np.zeros((n_runs, n_cond))
    np.add.at(counts, (ri, ci), 1.0)
    if (counts == 0).any():
        r, c = np.argwhere(counts == 0)[0]
        raise ValueError(
            f"runs: run {folds[r].item()!r} lacks condition {levels[c].item()!r}; every run needs every condition"
        )
    cell = ri * n_cond + ci
    cells = np.zeros((n_patterns, n_runs * n_cond))
    cells[np.arange(n_patterns), cell] = 1.0 / counts.ravel()[cell]
    # fold f tests run f against the mean of all observations of the other runs (weights n_rc / sum)
    w = counts[:, None, :] * (1.0 - np.eye(n_runs))[:, :, None]  # (r, f, c)
    w = w / w.sum(0, keepdims=True)
    weights = w.transpose(2, 0, 1).reshape(n_cond, n_runs * n_runs) / n_runs
    balanced = bool((counts == counts[:1]).all())
    return _Design(cells, weights, n_runs, n_cond, levels, balanced)


def _balanced_rdm_rows(diag, off, counts, design: _Design) -> np.ndarray:
    """Condensed crossnobis RDMs ``(b, n_pairs)`` of a balanced design from ``R (R - 1) K`` (see
    ``_Design.stacked``): its diagonal ``(b, C)``, its condensed off-diagonal ``(b, n_pairs)``, voxel counts ``(b, 1)``."""
    r = design.n_runs
    i, j = design.pairs
    with np.errstate(divide="ignore", invalid="ignore"):
        return (diag[:, i] + diag[:, j] - 2.0 * off) / (r * (r - 1) * counts)


def _rdm_rows(gram: np.ndarray, counts: np.ndarray, design: _Design) -> np.ndarray:
    """Condensed crossnobis RDMs ``(b, n_pairs)`` from the cell Gram matrices ``(b, RC, RC)``."""
    b, r, c = gram.shape[0], design.n_runs, design.n_cond
    g = gram.reshape(b, r, c, r, c).transpose(0, 2, 4, 1, 3).reshape(b, c, c, r * r)
    k = np.einsum("bcdk,ck->bcd", g, design.weights)  # k[i, j] = train_i P test_j, averaged over folds
    i, j = design.pairs
    d = np.einsum("bii->bi", k)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (d[:, i] + d[:, j] - k[:, i, j] - k[:, j, i]) / counts[:, None]


def _live_counts(patterns: np.ndarray, nb: _Neighbours, mask: np.ndarray) -> np.ndarray:
    """Voxels of each centre's sphere whose cell means are not all equal (0: the sphere's RDM is undefined)."""
    from scipy.signal import fftconvolve

    live = np.zeros(mask.shape)
    live[mask] = np.ptp(patterns[:-1], axis=1) > 0
    r = nb.pad
    ball = np.zeros((2 * r + 1,) * 3)
    ball[tuple((nb.offsets + r).T)] = 1.0
    return np.rint(fftconvolve(live, ball, mode="same")[mask]).astype(np.int64)


def _check_residuals(residuals, mask: np.ndarray, shrinkage: str, dof) -> tuple[np.ndarray, int]:
    """(n_mask_voxels + 1, n_residuals) float64 residuals, centred per voxel (last row the padding), and dof."""
    check_choice(shrinkage, "shrinkage", _SHRINKAGE)
    arr = _numeric_array(residuals, "residuals")
    if arr.ndim != 4 or arr.shape[1:] != mask.shape:
        raise ValueError(f"residuals must be (n_residuals, X, Y, Z) with the mask's shape; got shape {arr.shape}")
    if arr.shape[0] < 3:
        raise ValueError(f"residuals must hold at least 3 volumes; got {arr.shape[0]}")
    res = _masked_patterns(arr, 0, mask, np.float64)
    res[:-1] -= res[:-1].mean(1, keepdims=True)
    dof = res.shape[1] - 1 if dof is None else check_int(dof, "dof", minimum=1)
    flat = np.einsum("ij,ij->i", res[:-1], res[:-1]) <= (1e-12 * np.abs(res[:-1]).max(1).clip(1.0)) ** 2 * res.shape[1]
    if flat.any():
        raise ValueError(f"residuals is constant at {int(flat.sum())} mask voxel(s); their noise variance is zero")
    return res, dof


class _WhitenedEngine:
    """Cell Gram matrices ``M P M^T`` of spheres, ``P`` the inverse of the sphere's shrunk residual covariance."""

    torch = None

    def __init__(self, patterns, residuals, nb: _Neighbours, shrinkage: str, dof: int):
        self.patterns = np.ascontiguousarray(patterns, dtype=np.float64)
        self.residuals, self.nb = (None if residuals is None else np.ascontiguousarray(residuals)), nb
        self.shrinkage, self.dof = shrinkage, dof

    def _covariance(self, r: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Shrunk covariances ``(b, V, V)`` of residuals ``r`` ``(b, V, T)``; padding voxels get variance 1.

        The shrinkage intensities need sums of fourth moments over voxel pairs; they are taken
        without forming the ``(V, V)`` fourth-moment matrices: with ``x2 = r * r``,
        ``sum_ij w_i w_j sum_t x2_it x2_jt = sum_t (sum_i w_i x2_it)^2``.
        """
        n = r.shape[2]
        s_sum = np.matmul(r, r.transpose(0, 2, 1))  # zero rows and columns on padding voxels
        diag = np.einsum("bii->bi", s_sum)
        x2 = r * r
        eye = np.eye(r.shape[1], dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.shrinkage == "diag":  # Schäfer & Strimmer (2005), rsatoolbox's "shrinkage_diag"
                var = np.where(valid, diag / self.dof, 1.0)
                w = 1.0 / var
                # over the valid off-diagonal pairs: sum r2_mean (a) and sum r_mean^2 (c)
                q = np.matmul(w[:, None, :], x2)[:, 0]  # (b, T)
                s4 = np.einsum("bvt,bvt->bv", x2, x2)
                a = (np.einsum("bt,bt->b", q, q) - np.einsum("bv,bv->b", s4, w * w)) / (n - 1)
                u = np.matmul(s_sum * s_sum, w[:, :, None])[:, :, 0]
                c = (np.einsum("bv,bv->b", u, w) - np.einsum("bv,bv->b", diag * diag, w * w)) / (n - 1) ** 2
                lam = np.clip(np.where(c > 0, n / self.dof**2 * (a - c) / c, 0.0), 0.0, 1.0)
                cov = s_sum * ((1.0 - lam) / self.dof)[:, None, None]
                cov[:, eye] = var
                return cov
            # Ledoit & Wolf (2004), rsatoolbox's "shrinkage_eye"
            p = valid.sum(1)
            s = s_sum / n
            ss = np.einsum("bij,bij->b", s, s)
            col = x2.sum(1)  # (b, T): sum_ij s2_ij = sum_t (sum_i x2_it)^2
            b2 = (np.einsum("bt,bt->b", col, col) / n - ss) / n
            tr = diag.sum(1) / n
            m = tr / p
            d2 = ss - 2.0 * m * tr + m * m * p
            b2 = np.minimum(d2, b2)
            cov = s * ((d2 - b2) / d2 * n / self.dof)[:, None, None]
            cov[:, eye] += (b2 / d2 * m * n / self.dof)[:, None]
        cov[:, eye] = np.where(valid, cov[:, eye], 1.0)
        return cov

    def rdm_rows(self, centres: np.ndarray, design: _Design) -> np.ndarray:
        """Condensed crossnobis RDMs ``(b, n_pairs)`` of ``centres``."""
        from scipy.linalg import lapack

        idx, counts = self.nb(centres)
        if HAVE_NUMBA and design.balanced:  # the whole pipeline compiled, one sphere at a time (no padding)
            k = np.empty((idx.shape[0], design.n_cond, design.n_cond))
            bad = _whitened_kernels(
                self.residuals, self.patterns, idx, counts, float(self.dof), self.shrinkage == "diag",
                design.n_runs, design.n_cond, k,
            )  # fmt: skip
            if bad >= 0:  # pragma: no cover - a shrunk covariance is positive definite
                raise np.linalg.LinAlgError(
                    f"the noise covariance of sphere {int(centres[bad])} is not positive definite"
                )
            i, j = design.pairs
            return _balanced_rdm_rows(np.einsum("bii->bi", k), k[:, i, j], counts[:, None].astype(np.float64), design)
        r = self.residuals[idx]
        if HAVE_NUMBA:  # the shrinkage of _covariance in one compiled pass per sphere
            cov = np.matmul(r, r.transpose(0, 2, 1))
            _shrunk_covariance(cov, r, counts, float(self.dof), self.shrinkage == "diag")
        else:
            cov = self._covariance(r, idx < self.nb.n)
        chol = np.linalg.cholesky(cov)
        # the whitened cell means z = L^-1 M, stored transposed (b, RC, V): each zt[k].T is Fortran-ordered,
        # so LAPACK's triangular solve (with L.T, the Fortran view of L) overwrites it in place
        zt = np.ascontiguousarray(self.patterns[idx].transpose(0, 2, 1))  # zero on padding voxels
        for k in range(zt.shape[0]):
            _, info = lapack.dtrtrs(chol[k].T, zt[k].T, lower=0, trans=1, overwrite_b=1)
            if info != 0:  # pragma: no cover - a Cholesky factor has a non-zero diagonal
                raise np.linalg.LinAlgError(f"triangular solve failed (info={info})")
        if not design.balanced:
            return _rdm_rows(np.matmul(zt, zt.transpose(0, 2, 1)), counts.astype(np.float64), design)
        # balanced: the kernel averaged over folds from the run sum and the runs (see _Design.stacked)
        b, v, r, c = zt.shape[0], zt.shape[2], design.n_runs, design.n_cond
        runs = zt.reshape(b, r, c, v)
        total = runs.sum(1)
        k = np.matmul(total, total.transpose(0, 2, 1))
        for run in range(r):
            k -= np.matmul(runs[:, run], runs[:, run].transpose(0, 2, 1))
        i, j = design.pairs
        return _balanced_rdm_rows(np.einsum("bii->bi", k), k[:, i, j], counts[:, None].astype(np.float64), design)


@dataclass
class SimulatedRuns:
    """Simulated runs of one subject (from :func:`simulate_runs`).

    Attributes
    ----------
    data : numpy.ndarray or nibabel.Nifti1Image
        ``(n_runs * n_conditions, X, Y, Z)`` array, or a 4-D image with that many volumes (run-major:
        every condition of run 0, then of run 1, ...).
    runs, conditions : numpy.ndarray
        Run and condition label of each pattern (pass them to ``searchlight_rsa(metric="crossnobis")``).
    """

    data: object
    runs: np.ndarray
    conditions: np.ndarray


def simulate_runs(signal, *, n_runs: int = 4, noise: float = 1.0, seed=0) -> SimulatedRuns:
    """Simulate ``n_runs`` runs of one subject: the same condition patterns plus independent noise per run.

    Every run holds every condition once: ``signal`` plus white Gaussian noise of standard deviation
    ``noise`` per voxel, condition and run (new noise in each run, as the betas of separate fMRI runs).
    A noise-free :func:`repalign.searchlight.simulate.simulate_fmri` subject (``noise=0``) is a natural
    ``signal``. The data are **simulated**.

    Parameters
    ----------
    signal : array-like, shape (n_conditions, X, Y, Z), or 4-D NIfTI image (X, Y, Z, n_conditions)
        The true condition patterns.
    n_runs : int, default 4
        Number of runs (at least 2: crossnobis needs two folds).
    noise : float, default 1.0
        Standard deviation of the noise, per voxel, condition and run (> 0).
    seed : int or numpy.random.Generator
        Seed of the noise.

    Returns
    -------
    SimulatedRuns
        The runs (array or NIfTI image, as ``signal``) with their run and condition labels.
    """
    from repalign.searchlight.inputs import _is_nifti, _load_img

    n_runs = check_int(n_runs, "n_runs", minimum=2)
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise TypeError(f"noise must be a number; got {type(noise).__name__}")
    if not (np.isfinite(noise) and noise > 0):
        raise ValueError(f"noise must be > 0; got {noise}")
    rng = check_seed(seed)
    img = _load_img(signal, "signal") if _is_nifti(signal) else None
    arr = np.moveaxis(np.asarray(img.dataobj, dtype=np.float32), -1, 0) if img is not None else signal
    arr = _numeric_array(arr, "signal")
    if arr.ndim != 4:
        raise ValueError(f"signal must be 4-D (n_conditions, X, Y, Z) or a 4-D image; got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("signal contains NaN or infinite values")
    n_cond = arr.shape[0]
    out = np.empty((n_runs * n_cond,) + arr.shape[1:], dtype=np.float32)
    for r in range(n_runs):
        out[r * n_cond : (r + 1) * n_cond] = arr + rng.normal(scale=noise, size=arr.shape).astype(np.float32)
    runs, conditions = np.repeat(np.arange(n_runs), n_cond), np.tile(np.arange(n_cond), n_runs)
    if img is not None:
        import nibabel as nib

        return SimulatedRuns(nib.Nifti1Image(np.moveaxis(out, 0, -1), img.affine), runs, conditions)
    return SimulatedRuns(out, runs, conditions)
