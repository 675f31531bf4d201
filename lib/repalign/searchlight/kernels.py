"""Compiled row kernels of the searchlight (numba): correlation RDMs as sort keys, and sorted-order gathers.

Both kernels repeat, element by element and in the same order, the arithmetic of the numpy code
they replace in ``repalign.searchlight.engine`` and ``repalign.searchlight.scoring`` (no fast-math,
no fused multiply-adds), so the maps are bit-for-bit those of the numpy path; they only save the
temporaries and the passes between them, and they release the GIL, so the searchlight's threads run
them side by side. Without numba (``pip install numba``), the numpy path runs instead.
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


if HAVE_NUMBA:
    _correlation_rows = numba.njit(nogil=True, cache=True)(_correlation_rows_py)
    _correlation_keys = numba.njit(nogil=True, cache=True)(_correlation_keys_py)
    _sorted_gather = numba.njit(nogil=True, cache=True)(_sorted_gather_py)
else:  # pragma: no cover
    _correlation_rows = _correlation_keys = _sorted_gather = None
