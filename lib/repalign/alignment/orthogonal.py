"""Orthogonal Procrustes maps between spaces of different widths: the :class:`Procrustes` estimator."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from repalign.core.validation import check_bool, check_choice, check_int, check_matrix, check_seed

__all__ = ["DIM_MATCH", "Procrustes", "procrustes", "random_orthogonal"]

#: How spaces of different widths are matched (see :class:`Procrustes`).
DIM_MATCH = ("pca", "pad")


# --------------------------------------------------------------------------------------------
# validation helpers shared by the alignment modules
def _check_pair(X, Y, min_rows: int = 2) -> tuple[np.ndarray, np.ndarray]:
    X = check_matrix(X, "X", min_rows=min_rows)
    Y = check_matrix(Y, "Y", min_rows=min_rows)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows (paired items); got {X.shape[0]} and {Y.shape[0]}")
    return X, Y


def _check_indices(idx, n: int, name: str) -> np.ndarray:
    """A non-empty 1-D array of distinct integer indices in ``[0, n)`` (``TypeError``/``ValueError`` naming ``name``)."""
    arr = np.asarray(idx)
    if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must be a 1-D sequence of integer indices")
    if arr.min() < 0 or arr.max() >= n or np.unique(arr).size != arr.size:
        raise ValueError(f"{name} must hold distinct indices in [0, {n})")
    return arr


def _unit_rows(a: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norm = np.linalg.norm(a, axis=1, keepdims=True)
    return a / np.where(norm == 0, 1.0, norm)


def _check_nonzero_rows(a: np.ndarray, name: str) -> np.ndarray:
    """Refuse all-zero rows (their cosine with any row is undefined), naming ``name``."""
    zero = np.flatnonzero(~np.any(a != 0, axis=1))
    if zero.size:
        raise ValueError(
            f"{name} has {zero.size} all-zero row(s) (e.g. row {zero[0]}): cosine neighbours are undefined"
        )
    return a


# --------------------------------------------------------------------------------------------
# Procrustes
def _pca_basis(a: np.ndarray, d: int, center: bool = True) -> np.ndarray:
    """Top-``d`` principal axes (columns) of the rows of ``a`` (centred first when ``center``); deterministic signs.

    With ``center=False`` the axes are the top right singular vectors of the *uncentred* rows: the
    data the map is fitted on are not centred, so centred axes would ignore the mean direction.
    """
    if center:
        from sklearn.decomposition import PCA

        return PCA(n_components=d, svd_solver="full").fit(a).components_.T  # thin SVD: ~2x faster than eigh here
    from sklearn.utils.extmath import svd_flip

    u, _, vt = np.linalg.svd(a, full_matrices=False)
    _, vt = svd_flip(u, vt)
    return vt[:d].T


def _bases(X: np.ndarray, Y: np.ndarray, dim_match: str, center: bool):
    """PCA bases ``(Px, Py)`` that bring X and Y (already centred when ``center``) to a common width.

    ``None``: no reduction. The common width is what the data support: ``min(dx, dy, n - 1)`` for
    centred data (rank at most ``n - 1``), ``min(dx, dy, n)`` for uncentred data.
    """
    dx, dy = X.shape[1], Y.shape[1]
    if dim_match == "pad" or dx == dy:
        return None
    d = min(dx, dy, X.shape[0] - 1 if center else X.shape[0])
    Px = _pca_basis(X, d, center) if d < dx else np.eye(dx)
    Py = _pca_basis(Y, d, center) if d < dy else np.eye(dy)
    return Px, Py


def _rotation(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, float]:
    """Procrustes rotation of ``A`` onto ``B`` and the sum of singular values of ``A.T @ B``.

    Equal widths: scipy's ``orthogonal_procrustes``. Different widths: the semi-orthogonal polar
    factor ``U V.T`` of ``A.T @ B`` (thin SVD), i.e. scipy's solution on zero-padded inputs
    without the padded SVD.
    """
    if A.shape[1] == B.shape[1]:
        from scipy.linalg import orthogonal_procrustes

        R, sv_sum = orthogonal_procrustes(A, B)
        return R, float(sv_sum)
    U, s, Vt = np.linalg.svd(A.T @ B, full_matrices=False)
    return U @ Vt, float(s.sum())


def _polar_parts(M: np.ndarray, rcond: float):
    """``(W, Vt)`` with ``polar(M) = M @ W @ Vt`` for a tall ``M``, or ``None`` (a relative eigenvalue of
    ``M.T @ M`` below ``rcond``). For a square, possibly ill-conditioned ``M``: :func:`_square_polar`."""
    w, V = np.linalg.eigh(M.T @ M)
    if not w[-1] > 0 or w[0] <= w[-1] * rcond:
        return None
    return V / np.sqrt(w), V.T


def _square_polar(M: np.ndarray, Z: np.ndarray, rcond: float, ktol: float = 1e-6):
    """``Z @ polar(M)`` for a square ``M`` as accurate as the SVD's, or ``None`` (ill-conditioned).

    The eigenvectors ``V`` of ``M.T @ M`` (descending) make ``P = M @ V`` nearly column-orthogonal, so
    its QR (``scipy.linalg.qr_multiply``: ``Q`` never formed) has a nearly diagonal ``R`` and
    ``polar(M) = Q polar(R) V.T`` with ``polar(R) = I + K + O(K**2)``, ``K_ij = (R_ij - R_ji) / (R_ii + R_jj)``.
    The squaring only enters through ``V``, so ill-conditioned ``M``, where ``M (M.T M)^(-1/2)`` loses
    digits, stays accurate. ``None`` when a relative singular value is below ``rcond`` (as for the SVD
    path) or ``max |K| > ktol``.
    """
    from scipy.linalg import qr_multiply

    w, V = np.linalg.eigh(M.T @ M)
    if not w[-1] > 0 or w[0] <= w[-1] * rcond**2:
        return None
    V = V[:, ::-1]
    zq, R = qr_multiply(M @ V, Z, mode="right")  # Z @ Q, with M @ V = Q R
    sign = np.sign(np.diag(R))
    R = R * sign[:, None]  # (Q S)(S R): a positive diagonal
    r = np.diag(R)  # the singular values, to O(K)
    if not r.min() > r.max() * rcond:
        return None
    K = (R - R.T) / (r[:, None] + r[None, :])
    if not np.abs(K).max() <= ktol:
        return None
    zq = zq * sign
    return (zq + zq @ K) @ V.T


def _fit(X: np.ndarray, Y: np.ndarray, center: bool, scale: bool, dim_match: str, bases=None):
    """The Procrustes fit: ``(rotation, scale, mean_x, mean_y, bases)`` (bases ``None`` when unreduced)."""
    if center:
        mx, my = X.mean(0), Y.mean(0)
        X, Y = X - mx, Y - my
    else:
        mx, my = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    if bases is None:
        bases = _bases(X, Y, dim_match, center)
    if bases is None:
        R, sv_sum = _rotation(X, Y)
        norm_x = np.sum(X**2)
    else:
        Px, Py = bases
        Xr = X @ Px
        Rs, sv_sum = _rotation(Xr, Y @ Py)
        R = Px @ Rs @ Py.T
        norm_x = np.sum(Xr**2)
    s = (sv_sum / norm_x if norm_x > 0 else 1.0) if scale else 1.0
    return R, s, mx, my, bases


def _procrustes(X: np.ndarray, Y: np.ndarray, center: bool, scale: bool, dim_match: str, bases=None) -> np.ndarray:
    """The map of :func:`procrustes` on validated input (``bases``: PCA bases to reuse)."""
    R, s, _, _, _ = _fit(X, Y, center, scale, dim_match, bases)
    return R * s if scale else R


class Procrustes(BaseEstimator):
    """Orthogonal Procrustes map from a space ``X`` to a space ``Y`` of paired items (an estimator).

    ``fit(X, Y)`` finds the (semi-)orthogonal ``R`` minimising ``||(X - mean_x) R - (Y - mean_y)||_F``;
    ``transform(X_new)`` maps new rows of ``X`` with the stored training mean and map, so callers
    never re-centre by hand.

    Parameters
    ----------
    center : bool
        Subtract each side's column means (learned on the training pairs) before fitting (the usual
        choice). With ``False`` the means are zero. Must be a bool (``"no"`` is refused, not read as true).
    scale : bool
        Also fit the least-squares isotropic scale ``s`` (a similarity transform); ``transform``
        applies ``s * R``. With ``False``, ``s = 1``.
    dim_match : {"pca", "pad"}
        How spaces of different widths are matched (ignored when ``dx == dy``):

        - ``"pca"`` (as Li et al. 2024 do): the wider side is projected onto its top ``d`` principal
          axes, ``d = min(dx, dy, n - 1)`` (both sides are reduced when ``n - 1`` is smallest),
          the square orthogonal map is fitted there (with ``center=False``: uncentred principal axes
          and ``d = min(dx, dy, n)``, the rank uncentred data support), and the ``(dx, dy)`` map composes projection,
          rotation and back-projection.
        - ``"pad"``: the narrower side is zero-padded to the wider width and the square problem
          is solved (as ``scipy.linalg.orthogonal_procrustes`` would), keeping the ``(dx, dy)``
          block: the semi-orthogonal polar factor of ``X.T @ Y``.

    Attributes
    ----------
    mean_x_, mean_y_ : numpy.ndarray, shapes (dx,) and (dy,)
        Training column means (zeros with ``center=False``).
    rotation_ : numpy.ndarray, shape (dx, dy)
        The (semi-)orthogonal map: orthonormal columns (``dx >= dy``) or rows (``dx < dy``).
    scale_ : float
        The isotropic scale (1.0 unless ``scale=True``).
    components_x_, components_y_ : numpy.ndarray or None
        PCA bases ``(dx, n_components_)`` and ``(dy, n_components_)`` of the two sides (``None``
        when no reduction was needed: equal widths or ``dim_match="pad"``).
    n_components_ : int
        Number of matched dimensions (the PCA width, or ``min(dx, dy)`` without reduction).
    n_features_in_ : int
        ``dx``.

    Examples
    --------
    >>> p = Procrustes().fit(X_train, Y_train)          # doctest: +SKIP
    >>> Y_hat = p.transform(X_test)                      # doctest: +SKIP
    """

    def __init__(self, *, center: bool = True, scale: bool = False, dim_match: str = "pca"):
        self.center = center
        self.scale = scale
        self.dim_match = dim_match

    def fit(self, X, Y) -> Procrustes:
        """Fit the map on paired rows of ``X`` (n, dx) and ``Y`` (n, dy).

        Parameters
        ----------
        X : array-like, shape (n, dx)
            Source patterns (e.g. image features), one row per item.
        Y : array-like, shape (n, dy)
            Target patterns (e.g. text embeddings) of the same items, in the same order.

        Returns
        -------
        Procrustes
            ``self``.
        """
        X, Y = _check_pair(X, Y)
        check_choice(self.dim_match, "dim_match", DIM_MATCH)
        center, scale = check_bool(self.center, "center"), check_bool(self.scale, "scale")
        R, s, mx, my, bases = _fit(X, Y, center, scale, self.dim_match)
        self.rotation_, self.scale_, self.mean_x_, self.mean_y_ = R, float(s), mx, my
        self.components_x_, self.components_y_ = bases if bases is not None else (None, None)
        self.n_components_ = bases[0].shape[1] if bases is not None else min(X.shape[1], Y.shape[1])
        self.n_features_in_ = X.shape[1]
        return self

    def _check_fitted(self):
        if not hasattr(self, "rotation_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This Procrustes instance is not fitted yet: call fit(X, Y) first")

    @property
    def map_(self) -> np.ndarray:
        """The applied map ``scale_ * rotation_``, shape (dx, dy) (what :func:`procrustes` returns)."""
        self._check_fitted()
        return self.rotation_ * self.scale_ if self.scale_ != 1.0 else self.rotation_

    def transform(self, X) -> np.ndarray:
        """Map rows of ``X`` into ``Y``'s (centred) space: ``(X - mean_x_) @ map_``.

        Parameters
        ----------
        X : array-like, shape (m, dx)
            New (or training) rows of the source space.

        Returns
        -------
        numpy.ndarray, shape (m, dy)
            Approximations of ``Y - mean_y_`` for those items.
        """
        self._check_fitted()
        X = check_matrix(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} columns but the map was fitted on {self.n_features_in_}")
        return (X - self.mean_x_) @ self.map_

    def fit_transform(self, X, Y) -> np.ndarray:
        """``fit(X, Y).transform(X)``.

        Parameters
        ----------
        X, Y : array-like
            As in :meth:`fit`.

        Returns
        -------
        numpy.ndarray, shape (n, dy)
        """
        return self.fit(X, Y).transform(X)


def procrustes(X, Y, *, center: bool = True, scale: bool = False, dim_match: str = "pca") -> np.ndarray:
    """Orthogonal Procrustes map ``R`` minimising ``||X R - Y||_F`` over orthogonal ``R``.

    The functional form of :class:`Procrustes`: ``procrustes(X, Y, **kw)`` equals
    ``Procrustes(**kw).fit(X, Y).map_``. Apply it to data centred with the *fitting* means, or use
    the estimator, whose ``transform`` does that for you.

    Parameters
    ----------
    X : array-like, shape (n, dx)
        Source patterns (e.g. image features), one row per item.
    Y : array-like, shape (n, dy)
        Target patterns of the same items, in the same order.
    center, scale, dim_match :
        See :class:`Procrustes`.

    Returns
    -------
    numpy.ndarray, shape (dx, dy)
        ``R`` with orthonormal columns (``dx >= dy``) or rows (``dx < dy``), times ``s`` if
        ``scale``. For ``dx == dy`` and centred input this equals
        ``scipy.linalg.orthogonal_procrustes(X, Y)[0]``.
    """
    return Procrustes(center=center, scale=scale, dim_match=dim_match).fit(X, Y).map_


def random_orthogonal(dx: int, dy: int, *, seed=0) -> np.ndarray:
    """A Haar-random semi-orthogonal ``(dx, dy)`` matrix (QR of a Gaussian matrix, signs fixed).

    Parameters
    ----------
    dx, dy : int
        Shape of the matrix.
    seed : int or numpy.random.Generator
        Random seed.

    Returns
    -------
    numpy.ndarray, shape (dx, dy)
        Orthonormal columns when ``dx >= dy``, orthonormal rows otherwise; square ones are orthogonal.
    """
    dx = check_int(dx, "dx", minimum=1)
    dy = check_int(dy, "dy", minimum=1)
    rng = check_seed(seed)
    q, r = np.linalg.qr(rng.standard_normal((max(dx, dy), min(dx, dy))))
    q = q * np.sign(np.diag(r))
    return q if dx >= dy else q.T


def _haar_draw(dx: int, dy: int, rng: np.random.Generator) -> np.ndarray:
    """The Gaussian draw behind ``random_orthogonal(dx, dy, seed=rng)`` (shape ``(max(dx, dy), min(dx, dy))``)."""
    return rng.standard_normal((max(dx, dy), min(dx, dy)))


def _times_drawn_orthogonal(A: np.ndarray, dy: int, draw: np.ndarray) -> np.ndarray:
    """``A @ Q`` for the semi-orthogonal ``Q`` that :func:`random_orthogonal` makes of the Gaussian ``draw``
    (:func:`_haar_draw`), without forming ``Q`` when ``dx >= dy``: ``scipy.linalg.qr_multiply`` applies the
    Householder reflectors of the QR to ``A`` directly."""
    if A.shape[1] < dy:
        q, r = np.linalg.qr(draw)
        return A @ (q * np.sign(np.diag(r))).T
    from scipy.linalg import qr_multiply

    aq, r = qr_multiply(draw, A, mode="right")
    return aq * np.sign(np.diag(r))


def _times_random_orthogonal(A: np.ndarray, dy: int, rng: np.random.Generator) -> np.ndarray:
    """``A @ random_orthogonal(A.shape[1], dy, seed=rng)`` (same draws), without forming ``Q`` when ``dx >= dy``."""
    return _times_drawn_orthogonal(A, dy, _haar_draw(A.shape[1], dy, rng))
