"""The Procrustes map of each cross-validation fold, for :func:`repalign.alignment.cv_retrieval`.

Fast fold maps through small eigenproblems (the items' Gram matrix for the PCA axes; ``M.T @ M`` for the polar
factor of the cross-covariance ``M``), the products over all items that the folds share, the SVD path they fall
back on, and the folds run on threads with the same results as one after the other.
"""

from __future__ import annotations

import numpy as np

from repalign.alignment.orthogonal import _bases, _polar_parts, _procrustes, _square_polar, _times_drawn_orthogonal

__all__: list[str] = []

# Fast fold maps: the Procrustes map of a fold through small problems (the items' Gram matrix for the PCA
# axes; M.T @ M for the polar factor of the cross-covariance M, QR-corrected when M is square), without
# forming the (dx, dy) map. Equal to the SVD path up to rounding; ill-conditioned folds (relative
# eigenvalue below _RCOND) take the SVD path. Products over all items are shared by the folds.
_RCOND = 1e-8


def _gram_basis(A: np.ndarray, d: int, gram: np.ndarray | None = None):
    """The top-``d`` principal subspace of the centred rows ``A``, from the *bottom* eigenpairs of their Gram matrix.

    Returns ``(V, C, L)``, or ``None`` (ill-conditioned). With ``b = n - d`` (``n`` rows), the columns of
    ``T = E - V @ C`` (``E``: the last ``d`` columns of the identity; ``V``: ``(n, b)``, ``C``: ``(b, d)``) are an
    orthonormal basis of the top-``d`` eigenspace of ``gram = A @ A.T`` (computed if not given): the last ``d``
    columns of the Householder ``Q = I - V S V.T`` (compact WY, ``C = S @ V[b:].T``) of the ``b`` bottom
    eigenvectors. ``L`` is the lower Cholesky factor of ``T.T @ gram @ T``: the axes ``P = A.T @ T @ L^-T`` are
    orthonormal and span the top-``d`` principal axes, and the coordinates are ``A @ P = T @ L`` (the principal
    coordinates up to a rotation, which no Procrustes map depends on). Only the ``b + 1`` smallest eigenpairs
    are computed (``scipy.linalg.eigh`` with ``subset_by_index``), not the full eigenproblem.
    """
    from scipy.linalg import cholesky, eigh, qr

    G = A @ A.T if gram is None else gram
    n = G.shape[0]
    b = n - d
    w, U = eigh(G, subset_by_index=(0, b), driver="evr", check_finite=False)  # ascending: w[b] is the last kept
    top = np.linalg.norm(G)  # >= the largest eigenvalue: a slightly stricter test than with the eigenvalue
    if not top > 0 or w[b] <= top * _RCOND or w[b] - w[b - 1] <= top * _RCOND:
        return None
    (h, tau), _ = qr(U[:, :b], mode="raw", check_finite=False)  # Q = H_1 ... H_b, Q[:, :b] = U[:, :b] (signs)
    V = np.tril(h[:, :b], -1)
    V[np.arange(b), np.arange(b)] = 1.0
    S, vv = np.zeros((b, b)), V.T @ V
    for i in range(b):  # the triangular factor of the compact WY form (LAPACK's dlarft)
        S[:i, i] = -tau[i] * (S[:i, :i] @ vv[:i, i])
        S[i, i] = tau[i]
    C = S @ V[b:].T
    GT = G[:, b:] - (G @ V) @ C
    try:
        L = cholesky(GT[b:] - C.T @ (V.T @ GT), lower=True, check_finite=False)  # T.T G T
    except np.linalg.LinAlgError:
        return None
    return V, C, L


def _basis_t_times(basis, B: np.ndarray) -> np.ndarray:
    """``T.T @ B`` for the basis ``T = E - V @ C`` of :func:`_gram_basis`."""
    V, C, _ = basis
    return B[V.shape[1] :] - C.T @ (V.T @ B)


def _times_basis(Z: np.ndarray, basis) -> np.ndarray:
    """``Z @ T`` for the basis ``T = E - V @ C`` of :func:`_gram_basis`."""
    V, C, _ = basis
    return Z[:, V.shape[1] :] - (Z @ V) @ C


def _fast_queries(Xc, Yc, Xq, targets, dim_match, cross=None, gram=None):
    """Mapped queries ``Xq @ R`` for each row order of ``Yc`` in ``targets`` (positions into the
    training rows; ``R`` fitted on ``Xc`` and ``Yc[order]``, both centred); ``None``: use the SVD path.

    ``cross``: ``Xc.T @ Yc`` (no PCA), ``gram``: ``(Xc @ Xc.T, Xq @ Xc.T)`` (PCA of X), when already known.
    A PCA-reduced side is in the coordinates ``T @ L`` of :func:`_gram_basis`: ``Xc @ Px = Tx @ Lx`` and
    ``Xq @ Px = (Xq @ Xc.T) @ Tx @ Lx^-T``; ``Yc @ Py = Ty @ Ly``, and the map goes back through
    ``Py.T = Ly^-1 @ Ty.T @ Yc``.
    """
    from scipy.linalg import solve_triangular
    from scipy.linalg.blas import dtrmm

    dx, dy = Xc.shape[1], Yc.shape[1]
    Xqr, Yr, bx, by = Xq, Yc, None, None
    if dim_match == "pca" and dx != dy:
        d = min(dx, dy, Xc.shape[0] - 1)
        if d < dx:
            gx, kq = gram if gram is not None else (None, Xq @ Xc.T)
            if (bx := _gram_basis(Xc, d, gx)) is None:
                return None
            Xqr = solve_triangular(bx[2], _times_basis(kq, bx).T, lower=True, check_finite=False).T
        if d < dy:
            if (by := _gram_basis(Yc, d)) is None:
                return None
            Yr = _times_basis(np.eye(Yc.shape[0]), by) @ by[2]  # Ty @ Ly
    out = []
    for order in targets:
        if isinstance(order, slice) and cross is not None:
            M = cross
        elif bx is None:
            M = Xc.T @ Yr[order]
        else:  # Xr.T Yr = Lx.T (Tx.T Yr)
            M = dtrmm(1.0, bx[2], _basis_t_times(bx, Yr[order]), lower=1, trans_a=1)
        tall = M.shape[0] > M.shape[1]
        if M.shape[0] == M.shape[1]:  # PCA-matched widths: often too ill-conditioned for the eigen-route
            Q = _square_polar(M, Xqr, _RCOND)
        elif (parts := _polar_parts(M if tall else M.T, _RCOND)) is None:
            return None
        elif tall:  # polar(M) = M W Vt
            Q = ((Xqr @ M) @ parts[0]) @ parts[1]
        else:  # polar(M) = (M.T W Vt).T = Vt.T W.T M
            Q = ((Xqr @ parts[1].T) @ parts[0].T) @ M
        if Q is None:
            return None
        if by is not None:  # back from the PCA axes of Y: Q Py.T = (Q Ly^-1) (Ty.T Yc)
            Q = solve_triangular(by[2], Q.T, lower=True, trans="T", check_finite=False).T @ _basis_t_times(by, Yc)
        out.append(Q)
    return out


def _run_folds(one, n: int, n_jobs: int, propagate_svd: bool) -> list:
    """``[one(f, svd) for f in range(n)]`` with BLAS single-threaded (the same bits whatever ``n_jobs``).

    ``one(f, svd)`` returns ``(result, took the SVD path)``. With ``propagate_svd``, once a fold takes the SVD
    path every later fold takes it directly (rank-deficient data fail the fast fold maps in every fold). With
    ``n_jobs > 1``, threads take the folds in turn (LAPACK releases the GIL) and the results are the same: a fold
    starts on the SVD path when an earlier fold is already known to need it, and at the end every fold after
    the first that needed it and took the fast path is redone through the SVD path.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        if n_jobs == 1 or n < 2:
            results, svd = [], False
            for f in range(n):
                results.append(one(f, svd))
                svd = svd or (propagate_svd and results[-1][1])
            return results
        from concurrent.futures import ThreadPoolExecutor

        known = [n]  # a hint: a fold known to need the SVD path (a race here costs time, not results)

        def run(f):
            res = one(f, propagate_svd and f > known[0])
            if propagate_svd and res[1]:
                known[0] = min(known[0], f)
            return res

        with ThreadPoolExecutor(min(n_jobs, n)) as pool:
            results = list(pool.map(run, range(n)))
            # a fold starts on the SVD path only after an earlier one needed it: the first True is the first need
            first = next((f for f, (_, used) in enumerate(results) if used), n) if propagate_svd else n
            redo = [f for f in range(first + 1, n) if not results[f][1]]
            for f, res in zip(redo, pool.map(lambda g: one(g, True), redo)):
                results[f] = res
        return results


def _reduces_x(dx: int, dy: int, n_train: int, dim_match: str) -> bool:
    """Whether :func:`_fast_queries` reduces ``X`` to PCA axes for a fold of ``n_train`` training items."""
    return dim_match == "pca" and dx != dy and min(dx, dy, n_train - 1) < dx


def _shared_products(X, Y, dim_match: str, folds) -> dict:
    """Products over all items that :func:`_fold_products` needs for ``folds`` (computed once, read by every fold).

    ``G = X0 @ X0.T`` when a fold reduces ``X`` to PCA axes; ``X0.T @ Y0`` (and the column sums) when no side is
    reduced (``X0``, ``Y0``: all items centred)."""
    dx, dy = X.shape[1], Y.shape[1]
    full = {}
    if dim_match == "pca" and dx != dy:
        if any(_reduces_x(dx, dy, tr.size, dim_match) for tr, _ in folds):
            X0 = X - X.mean(0)
            full["G"] = X0 @ X0.T
        return full
    X0, Y0 = X - X.mean(0), Y - Y.mean(0)
    full.update(X0=X0, Y0=Y0, sx=X0.sum(0), sy=Y0.sum(0), XtY=X0.T @ Y0)
    return full


def _fold_products(X, Y, tr, te, dim_match, full: dict):
    """``(cross, gram)`` of :func:`_fast_queries` from the products over all items in ``full`` (:func:`_shared_products`).

    ``cross = Xc.T @ Yc`` when no side is PCA-reduced: ``X0.T @ Y0`` minus the test rows (``X0``, ``Y0``: all
    items centred, so no large mean cancels). ``gram = (Xc @ Xc.T, Xq @ Xc.T)`` when ``X`` is: from
    ``G = X0 @ X0.T``, centred entries ``G_ij - g_i - g_j + mean(g[tr])`` with ``g = G[:, tr].mean(1)``.
    """
    dx, dy = X.shape[1], Y.shape[1]
    if dim_match == "pca" and dx != dy:
        if not _reduces_x(dx, dy, tr.size, dim_match):  # X keeps its axes
            return None, None
        G = full["G"]
        g = G[:, tr].mean(1)
        gtr, c = g[tr], g[tr].mean()
        gram = G[np.ix_(tr, tr)] - gtr[:, None] - (gtr[None, :] - c)
        return None, (gram, G[np.ix_(te, tr)] - g[te][:, None] - (gtr[None, :] - c))
    xt, yt = full["X0"][te], full["Y0"][te]
    mx, my = full["sx"] - xt.sum(0), full["sy"] - yt.sum(0)  # n_tr times the training means of X0, Y0
    # X0.T Y0 - (xt.T yt + n_tr mx my.T): the test rows and the mean term in one product
    drop = np.vstack([xt, mx / tr.size]).T @ np.vstack([yt, my])
    return np.subtract(full["XtY"], drop, out=drop), None


def _fold_queries(X, Y, tr, te, dim_match, draws=None, full=None, svd: bool = False):
    """``({map name: mapped test queries}, took the SVD path)`` of one fold: the fitted map, and with ``draws``
    (the fold's shuffled training order and Gaussian draw for :func:`_times_drawn_orthogonal`) both baselines.

    ``full``: the products over all items (:func:`_shared_products`; ``None``: only the fold's rows). ``svd``:
    take the SVD path without trying the fast fold maps first."""
    Xt, Yt = X[tr], Y[tr]
    mx = Xt.mean(0)
    Xc, Yc, Xq = Xt - mx, Yt - Yt.mean(0), X[te] - mx
    orders = [slice(None)]
    if draws is not None:  # positions of the shuffled partners among the training rows
        where = np.empty(X.shape[0], dtype=int)
        where[tr] = np.arange(tr.size)
        orders.append(where[draws[0]])
    fast, used_svd = None, svd
    if not svd:
        cross, gram = (None, None) if full is None else _fold_products(X, Y, tr, te, dim_match, full)
        fast = _fast_queries(Xc, Yc, Xq, orders, dim_match, cross, gram)
    if fast is None:  # the SVD path
        used_svd = True
        bases = _bases(Xc, Yc, dim_match, True)
        fast = [Xq @ _procrustes(Xt, Yt, True, False, dim_match, bases)]
        if draws is not None:  # shuffling pairs leaves each side's PCA axes unchanged: reuse them
            fast.append(Xq @ _procrustes(Xt, Y[draws[0]], True, False, dim_match, bases))
    queries = dict(zip(("fitted", "shuffled"), fast))
    if draws is not None:
        queries["random_orthogonal"] = _times_drawn_orthogonal(Xq, Y.shape[1], draws[1])
    return queries, used_svd
