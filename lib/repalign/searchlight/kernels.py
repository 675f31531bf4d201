"""Compiled row kernels of the searchlight (numba): correlation RDMs as sort keys, sorted-order gathers,
and the shrunk noise covariances of the crossnobis searchlight.

The first two repeat, element by element and in the same order, the arithmetic of the numpy code
they replace in ``repalign.searchlight.engine`` and ``repalign.searchlight.scoring`` (no fast-math,
no fused multiply-adds), so the maps are bit-for-bit those of the numpy path; they only save the
temporaries and the passes between them. The covariance kernel computes what
``repalign.searchlight.crossnobis._WhitenedEngine._covariance`` computes in numpy, in one pass per
sphere, with its sums in another order (equal to rounding, ~1e-15 relative). All release the GIL, so
the searchlight's threads run them side by side. Without numba (``pip install numba``), the numpy
path runs instead.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []

try:  # optional: a speed-up only
    import numba
except ImportError:  # pragma: no cover - exercised where numba is missing
    numba = None

HAVE_NUMBA = numba is not None


def _correlation_rows_py(g, n_pairs, n_cond, vals, bad, clip):
    """Rows of correlation-distance RDMs ``vals`` ``(b, n_pairs)`` from Gram triangles.

    ``g`` ``(b, n_tri)``: off-diagonal pairs (condensed order), condition diagonal, sums, count
    (the engine's layout). Each value is ``v = 1 - ((off * inv_i) * inv_j - a_i * a_j)`` (clipped at
    0 if ``clip``). Rows whose RDM is undefined get ``bad = True`` and all ones.
    """
    b = g.shape[0]
    inv = np.empty(n_cond)
    a = np.empty(n_cond)
    for r in range(b):
        n = g[r, g.shape[1] - 1]
        sn = np.sqrt(n)
        row_bad = False
        for c in range(n_cond):
            diag = g[r, n_pairs + c]
            s = g[r, n_pairs + n_cond + c]
            var = diag - s * s / n
            if var <= 1e-6 * max(diag, 1e-300):
                row_bad = True
            inv[c] = 1.0 / np.sqrt(var) if var > 0 else np.nan
            if not np.isfinite(inv[c]):
                row_bad = True
            a[c] = s * inv[c] / sn
        bad[r] = row_bad
        if row_bad:
            vals[r, :] = 1.0
            continue
        p = 0
        for i in range(n_cond - 1):
            inv_i, a_i = inv[i], a[i]
            for j in range(i + 1, n_cond):
                v = g[r, p] * inv_i
                v *= inv[j]
                v -= a_i * a[j]
                v = 1.0 - v
                if clip:
                    v = v if v > 0.0 else 0.0  # np.maximum(v, 0.0)
                vals[r, p] = v
                p += 1


def _correlation_keys_py(g, n_pairs, n_cond, ibits, keys, bad):
    """:func:`_correlation_rows_py` (clipped at 0) as Spearman sort keys ``(bits(v) >> ibits << ibits) | pair``."""
    _correlation_rows(g, n_pairs, n_cond, keys.view(np.float64), bad, True)
    shift = np.uint64(ibits)
    for r in range(g.shape[0]):
        for p in range(n_pairs):
            keys[r, p] = ((keys[r, p] >> shift) << shift) | np.uint64(p)


def _sorted_gather_py(keys, ibits, models, gathered, tied):
    """After sorting ``keys`` by row: each model column gathered in sorted order, and rows with ties."""
    low = np.uint64((1 << ibits) - 1)
    b, m = keys.shape
    for r in range(b):
        for k in range(models.shape[0]):
            for p in range(m):
                gathered[k, r, p] = models[k, keys[r, p] & low]
        has_tie = False
        for p in range(1, m):
            if (keys[r, p] ^ keys[r, p - 1]) <= low:  # the same value bits
                has_tie = True
        tied[r] = has_tie


def _shrunk_covariance_py(s, r, counts, dof, diag_target):
    """Shrink the residual cross-products ``s`` ``(b, V, V)`` in place into noise covariances.

    ``r`` ``(b, V, T)``: each sphere's centred residuals (its ``counts[k]`` voxels first, then zero
    padding rows, which get variance 1 and no covariance). ``diag_target``: Schäfer & Strimmer's
    target (rsatoolbox's ``"shrinkage_diag"``), else Ledoit & Wolf's (``"shrinkage_eye"``). The
    arithmetic of ``_WhitenedEngine._covariance``, sums in another order.
    """
    b, v, t = r.shape
    n = float(t)
    var = np.empty(v)
    w = np.empty(v)
    q = np.empty(t)
    for k in range(b):
        p = counts[k]
        sk = s[k]
        rk = r[k]
        for i in range(v):
            var[i] = sk[i, i] / dof if i < p else 1.0
            w[i] = 1.0 / var[i]
        if diag_target:
            # a: sum over valid off-diagonal pairs of the variance of r_it r_jt; c: of their squared mean
            for u in range(t):
                q[u] = 0.0
            s4w = 0.0
            for i in range(p):
                x4 = 0.0
                wi = w[i]
                for u in range(t):
                    x2 = rk[i, u] * rk[i, u]
                    q[u] += wi * x2
                    x4 += x2 * x2
                s4w += x4 * wi * wi
            qq = 0.0
            for u in range(t):
                qq += q[u] * q[u]
            a = (qq - s4w) / (n - 1.0)
            off = 0.0  # sum over i != j of s_ij^2 w_i w_j (s symmetric: twice the lower triangle)
            for i in range(1, p):
                row = 0.0
                for j in range(i):
                    row += sk[i, j] * sk[i, j] * w[j]
                off += row * w[i]
            c = 2.0 * off / ((n - 1.0) * (n - 1.0))
            lam = n / (dof * dof) * (a - c) / c if c > 0 else 0.0
            lam = min(max(lam, 0.0), 1.0)
            scale = (1.0 - lam) / dof
            for i in range(p):  # rows and columns of padding voxels are zero
                for j in range(p):
                    sk[i, j] *= scale
            for i in range(v):
                sk[i, i] = var[i]
        else:
            ss = 0.0
            tr = 0.0
            for i in range(p):
                for j in range(p):
                    x = sk[i, j] / n
                    ss += x * x
                tr += sk[i, i] / n
            col2 = 0.0
            for u in range(t):
                col = 0.0
                for i in range(p):
                    col += rk[i, u] * rk[i, u]
                col2 += col * col
            b2 = (col2 / n - ss) / n
            m = tr / p
            d2 = ss - 2.0 * m * tr + m * m * p
            b2 = min(d2, b2)
            scale = (d2 - b2) / d2 * n / dof / n
            shift = b2 / d2 * m * n / dof
            for i in range(p):
                for j in range(p):
                    sk[i, j] *= scale
            for i in range(v):
                sk[i, i] = sk[i, i] + shift if i < p else 1.0


if HAVE_NUMBA:
    _shrunk_covariance = numba.njit(nogil=True, cache=True, error_model="numpy")(_shrunk_covariance_py)
    _correlation_rows = numba.njit(nogil=True, cache=True)(_correlation_rows_py)
    _correlation_keys = numba.njit(nogil=True, cache=True)(_correlation_keys_py)
    _sorted_gather = numba.njit(nogil=True, cache=True)(_sorted_gather_py)
else:  # pragma: no cover
    _correlation_rows = _correlation_keys = _sorted_gather = _shrunk_covariance = None
