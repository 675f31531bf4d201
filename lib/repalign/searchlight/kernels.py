"""Compiled row kernels of the searchlight (numba): correlation RDMs as sort keys, sorted-order gathers,
and the shrunk noise covariances of the crossnobis searchlight.

The first two repeat, element by element and in the same order, the arithmetic of the numpy code
they replace in ``repalign.searchlight.engine`` and ``repalign.searchlight.scoring`` (no fast-math,
no fused multiply-adds), so the maps are bit-for-bit those of the numpy path; they only save the
temporaries and the passes between them. The covariance kernel computes what
``repalign.searchlight.crossnobis._WhitenedEngine._covariance`` computes in numpy, in one pass per
sphere, with its sums in another order (equal to rounding, ~1e-15 relative); the whitened-kernel pipeline
runs a balanced crossnobis sphere from residuals to fold kernels, calling scipy's BLAS and LAPACK from
compiled code (no padding voxels, no per-call Python overhead). All release the GIL, so
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
        gr, vr = g[r], vals[r]
        p = 0
        for i in range(n_cond - 1):
            inv_i, a_i = inv[i], a[i]
            m = n_cond - 1 - i  # the pairs (i, j > i): slices, so that the loop runs in SIMD
            gs, vs, inv_j, a_j = gr[p : p + m], vr[p : p + m], inv[i + 1 :], a[i + 1 :]
            if clip:
                for q in range(m):
                    v = 1.0 - ((gs[q] * inv_i) * inv_j[q] - a_i * a_j[q])
                    vs[q] = v if v > 0.0 else 0.0  # np.maximum(v, 0.0)
            else:
                for q in range(m):
                    vs[q] = 1.0 - ((gs[q] * inv_i) * inv_j[q] - a_i * a_j[q])
            p += m


def _correlation_keys_py(g, n_pairs, n_cond, ibits, keys, bad):
    """:func:`_correlation_rows_py` (clipped at 0) as Spearman sort keys ``(bits(v) >> ibits << ibits) | pair``."""
    _correlation_rows(g, n_pairs, n_cond, keys.view(np.float64), bad, True)
    shift = np.uint64(ibits)
    for r in range(g.shape[0]):
        for p in range(n_pairs):
            keys[r, p] = ((keys[r, p] >> shift) << shift) | np.uint64(p)


def _dot_py(x, y, n):
    """``sum(x[:n] * y[:n])`` with four running sums (no chain of dependent additions: 3-4x faster)."""
    s0 = s1 = s2 = s3 = 0.0
    n4 = n - n % 4
    for p in range(0, n4, 4):
        s0 += x[p] * y[p]
        s1 += x[p + 1] * y[p + 1]
        s2 += x[p + 2] * y[p + 2]
        s3 += x[p + 3] * y[p + 3]
    for p in range(n4, n):
        s0 += x[p] * y[p]
    return (s0 + s1) + (s2 + s3)


def _correlation_scores_py(g, n_pairs, n_cond, models, centre, buf, bad, out):
    """Pearson (``centre``) or cosine scores ``out`` ``(b, n_models)`` of the correlation-distance RDMs of
    :func:`_correlation_rows_py` with the model rows ``models`` ``(n_models, n_pairs)`` (centred and unit
    norm for Pearson, unit norm for cosine), without the RDMs' matrix: each row goes through ``buf``
    ``(1, n_pairs)``. The sums run in another order than the matrix product of ``scoring._compare``
    (equal to rounding, ~1e-16). Undefined RDMs (``bad``) score NaN.
    """
    b = g.shape[0]
    flag = np.empty(1, dtype=np.bool_)
    ones = np.ones(n_pairs)
    row = buf[0]
    for r in range(b):
        _correlation_rows(g[r : r + 1], n_pairs, n_cond, buf, flag, False)
        bad[r] = flag[0]
        if flag[0]:
            for k in range(models.shape[0]):
                out[r, k] = np.nan
            continue
        if centre:
            mean = _dot(row, ones, n_pairs) / n_pairs
            for p in range(n_pairs):
                row[p] -= mean
        norm = np.sqrt(_dot(row, row, n_pairs))
        for k in range(models.shape[0]):
            out[r, k] = _dot(row, models[k], n_pairs) / norm


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


def _cumulative_triangle_py(first, step, which, pos, src, dst, start, k0, out):
    """Columns ``dst`` of the engine's Gram triangles ``out`` ``(n, n_tri)`` (float64) from its float32 parts.

    Row ``r``'s part is row ``pos[r]`` of ``first`` (``which[r] == 0``: a run's full sphere) or of
    ``step`` (a cap update), at columns ``src``. Each column gets the float64 running sum over the rows
    and, from row ``k0`` on, minus the running sum before the row's run began (row ``start[r] - 1``):
    what ``torch.cumsum(dtype=float64)`` and the subtraction of ``_Engine.__call__`` compute, in the
    same order (the same bits), in one pass without the gathered triangle and the scattered rows.
    """
    n = which.shape[0]
    m = src.shape[0]
    acc = np.zeros(m)
    base = np.zeros(m)
    for r in range(n):
        row = first[pos[r]] if which[r] == 0 else step[pos[r]]
        sub = r >= k0
        if sub and start[r] == r:  # a run begins: its rows subtract the running sums before it
            for t in range(m):
                base[t] = acc[t]
        if sub:
            for t in range(m):
                acc[t] += np.float64(row[src[t]])
                out[r, dst[t]] = acc[t] - base[t]
        else:
            for t in range(m):
                acc[t] += np.float64(row[src[t]])
                out[r, dst[t]] = acc[t]


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


def _lapack_functions() -> dict:
    """BLAS and LAPACK routines for compiled code: scipy's Fortran ``dsyrk``, ``dpotrf`` and ``dtrtrs`` as numba
    external functions (every argument a pointer), registered under their own symbol names, so functions that
    call them can be cached."""
    from llvmlite import binding
    from numba import types
    from numba.extending import get_cython_function_address

    sigs = {("blas", "dsyrk"): 10, ("lapack", "dpotrf"): 5, ("lapack", "dtrtrs"): 10}
    out = {}
    for (lib, name), n_args in sigs.items():
        symbol = f"repalign_scipy_{name}"
        binding.add_symbol(symbol, get_cython_function_address(f"scipy.linalg.cython_{lib}", name))
        out[name] = types.ExternalFunction(symbol, types.void(*([types.voidptr] * n_args)))
    return out


def _whitened_kernels_impl(residuals, patterns, idx, counts, dof, diag_target, n_runs, n_cond, out):
    """Balanced crossnobis fold kernels of spheres with their shrunk noise precision, one sphere at a time.

    ``residuals`` ``(n + 1, T)`` and ``patterns`` ``(n + 1, R C)`` (run-major, last row the padding), ``idx``
    ``(b, V)`` each sphere's rows (its ``counts[k]`` voxels first). For sphere ``k`` with ``p`` voxels: the
    residual cross-products ``S = r r^T`` (``dsyrk``), shrunk into the noise covariance in place
    (:func:`_shrunk_covariance`), its Cholesky factor ``L`` (``dpotrf``), the whitened cell means ``Z = L^-1 M^T``
    (``dtrtrs``), and ``out[k] = T T^T - sum_r Z_r Z_r^T`` with ``T = sum_r Z_r`` (``dsyrk``): what
    ``_WhitenedEngine.rdm_rows`` computes on padded batches, without the padding voxels. Every matrix is a
    C-order array read by Fortran as its transpose (``uplo="U"`` in Fortran is the lower triangle here).
    Returns ``-1``, or the first sphere whose covariance is not positive definite.
    """
    b, vmax = idx.shape
    t = residuals.shape[1]
    rc = patterns.shape[1]
    chars = np.empty(3, np.uint8)
    chars[0], chars[1], chars[2] = 85, 84, 78  # "U", "T", "N"
    ints = np.empty(4, np.int32)
    dbl = np.empty(3)
    dbl[0], dbl[1], dbl[2] = 1.0, 0.0, -1.0
    r_buf, cov_buf = np.empty(vmax * t), np.empty(vmax * vmax)
    z_buf, tot_buf = np.empty(rc * vmax), np.empty(n_cond * vmax)
    cnt = np.empty(1, np.int64)
    U, T, N = chars[0:].ctypes, chars[1:].ctypes, chars[2:].ctypes
    one, zero, minus = dbl[0:].ctypes, dbl[1:].ctypes, dbl[2:].ctypes
    for k in range(b):
        p = counts[k]
        r = r_buf[: p * t].reshape((p, t))
        c = cov_buf[: p * p].reshape((p, p))
        z = z_buf[: rc * p].reshape((rc, p))
        for i in range(p):
            row = idx[k, i]
            r[i] = residuals[row]
            for j in range(rc):
                z[j, i] = patterns[row, j]
        ints[0], ints[1], ints[2], ints[3] = p, t, t, p  # S = r r^T: Fortran (T, p), C = A^T A
        _dsyrk(U, T, ints[0:].ctypes, ints[1:].ctypes, one, r.ctypes, ints[2:].ctypes, zero, c.ctypes, ints[3:].ctypes)
        for i in range(p):
            for j in range(i):
                c[j, i] = c[i, j]
        cnt[0] = p
        _shrunk_covariance(c.reshape((1, p, p)), r.reshape((1, p, t)), cnt, dof, diag_target)
        ints[0], ints[1], ints[2] = p, rc, p
        _dpotrf(U, ints[0:].ctypes, c.ctypes, ints[2:].ctypes, ints[3:].ctypes)
        if ints[3] != 0:
            return k
        _dtrtrs(
            U,
            T,
            N,
            ints[0:].ctypes,
            ints[1:].ctypes,
            c.ctypes,
            ints[2:].ctypes,
            z.ctypes,
            ints[2:].ctypes,
            ints[3:].ctypes,
        )
        total = tot_buf[: n_cond * p].reshape((n_cond, p))
        total[:] = 0.0
        for run in range(n_runs):
            total += z[run * n_cond : (run + 1) * n_cond]
        kk = out[k]
        ints[0], ints[1], ints[2], ints[3] = n_cond, p, p, n_cond  # Fortran (p, C) blocks: K = A^T A
        _dsyrk(
            U, T, ints[0:].ctypes, ints[1:].ctypes, one, total.ctypes, ints[2:].ctypes, zero, kk.ctypes, ints[3:].ctypes
        )
        for run in range(n_runs):
            zr = z[run * n_cond :]
            _dsyrk(
                U,
                T,
                ints[0:].ctypes,
                ints[1:].ctypes,
                minus,
                zr.ctypes,
                ints[2:].ctypes,
                one,
                kk.ctypes,
                ints[3:].ctypes,
            )
        for i in range(n_cond):
            for j in range(i):
                kk[j, i] = kk[i, j]
    return -1


if HAVE_NUMBA:
    _shrunk_covariance = numba.njit(nogil=True, cache=True, error_model="numpy")(_shrunk_covariance_py)
    _LAPACK = _lapack_functions()
    _dsyrk, _dpotrf, _dtrtrs = _LAPACK["dsyrk"], _LAPACK["dpotrf"], _LAPACK["dtrtrs"]
    _whitened_kernels = numba.njit(nogil=True, cache=True, error_model="numpy")(_whitened_kernels_impl)
    _correlation_rows = numba.njit(nogil=True, cache=True)(_correlation_rows_py)
    _correlation_keys = numba.njit(nogil=True, cache=True)(_correlation_keys_py)
    _sorted_gather = numba.njit(nogil=True, cache=True)(_sorted_gather_py)
    _cumulative_triangle = numba.njit(nogil=True, cache=True)(_cumulative_triangle_py)
    _dot = numba.njit(nogil=True, cache=True)(_dot_py)
    _correlation_scores = numba.njit(nogil=True, cache=True, error_model="numpy")(_correlation_scores_py)
else:  # pragma: no cover
    _correlation_rows = _correlation_keys = _sorted_gather = _shrunk_covariance = _whitened_kernels = None
    _cumulative_triangle = _correlation_scores = _dot = None
