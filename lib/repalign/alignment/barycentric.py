"""Generalized Procrustes (barycentric) alignment of many spaces: the :class:`GeneralizedProcrustes` estimator."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator

from repalign.alignment.orthogonal import _pca_basis, _rotation, random_orthogonal
from repalign.core.validation import check_int, check_matrix, check_seed

__all__ = ["GeneralizedProcrustes", "GeneralizedProcrustesResult", "generalized_procrustes"]


# --------------------------------------------------------------------------------------------
# many spaces at once: generalized Procrustes (Gower 1975; Saha, He & Khosla 2026)
def _check_spaces(Xs, name: str = "Xs", min_spaces: int = 2, min_rows: int = 3) -> list[np.ndarray]:
    """A list of >= ``min_spaces`` finite 2-D arrays with the same number of rows (stimuli)."""
    if isinstance(Xs, np.ndarray) or not isinstance(Xs, (list, tuple)):
        raise TypeError(f"{name} must be a list or tuple of 2-D arrays (one per space); got {type(Xs).__name__}")
    if len(Xs) < min_spaces:
        raise ValueError(f"{name} must hold at least {min_spaces} space(s); got {len(Xs)}")
    out = [check_matrix(X, f"{name}[{i}]", min_rows=min_rows) for i, X in enumerate(Xs)]
    n = out[0].shape[0]
    for i, X in enumerate(out):
        if X.shape[0] != n:
            raise ValueError(
                f"{name}[{i}] has {X.shape[0]} rows but {name}[0] has {n}: every space must describe "
                "the same stimuli, in the same order"
            )
    return out


def _check_n_components(n_components, spaces: list[np.ndarray]) -> int:
    n, widest = spaces[0].shape[0], max(X.shape[1] for X in spaces)
    limit = min(widest, n - 1)
    if n_components is None:
        return min(min(X.shape[1] for X in spaces), n - 1)
    return check_int(n_components, "n_components", minimum=1, maximum=limit)


def _reduce(X: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre ``X``, bring it to ``dim`` columns (PCA or zero-padding) and unit Frobenius norm.

    Returns ``(Z, P, mean)`` with ``Z = (X - mean) @ P``, ``P`` of shape ``(d, dim)``.
    """
    mean = X.mean(0)
    Xc = X - mean
    d = X.shape[1]
    if d > dim:
        P = _pca_basis(Xc, dim)
    else:  # pad: the space keeps its own coordinates and fills the first d axes
        P = np.eye(d, dim)
    norm = np.linalg.norm(Xc @ P)
    if norm == 0:
        raise ValueError("a space is constant across stimuli (zero variance after centring)")
    P = P / norm
    return Xc @ P, P, mean


def _principal_gauge(B: np.ndarray) -> np.ndarray:
    """Rotation to the principal axes of ``B`` (largest variance first), each axis' largest loading positive."""
    _, _, Vt = np.linalg.svd(B, full_matrices=True)
    Q = Vt.T
    proj = B @ Q
    signs = np.sign(proj[np.argmax(np.abs(proj), axis=0), np.arange(Q.shape[1])])
    return Q * np.where(signs == 0, 1.0, signs)


@dataclass(frozen=True)
class GeneralizedProcrustesResult:
    """The universal space of many spaces (from :func:`generalized_procrustes`).

    Attributes
    ----------
    barycenter : numpy.ndarray, shape (n, n_components)
        The mean of the aligned spaces, in its principal axes.
    maps : list of numpy.ndarray, shapes (d_i, n_components)
        ``(X_i - means[i]) @ maps[i]`` is space ``i`` aligned into the universal space
        (projection or padding, scaling and rotation in one matrix).
    means : list of numpy.ndarray, shapes (d_i,)
        The fitting stimuli's mean of each space.
    n_iter : int
        Alternations run.
    converged : bool
    """

    barycenter: np.ndarray = field(repr=False)
    maps: list = field(repr=False)
    means: list = field(repr=False)
    n_iter: int = 0
    converged: bool = True

    def __repr__(self) -> str:
        n, d = self.barycenter.shape
        return (
            f"GeneralizedProcrustesResult({len(self.maps)} spaces, {n} stimuli, {d} components, "
            f"{self.n_iter} iterations{'' if self.converged else ', not converged'})"
        )


class GeneralizedProcrustes(BaseEstimator):
    """Generalized Procrustes analysis: rotate many spaces onto their common barycenter (an estimator).

    Each space ``X_i`` (the same ``n`` stimuli in its rows, any width ``d_i``) is centred, brought
    to ``n_components`` columns (its top principal axes when ``d_i > n_components``; zero-padded
    when narrower) and scaled to unit Frobenius norm, giving ``Z_i``. Starting from one space as
    the reference, every ``Z_i`` is rotated onto the current mean by orthogonal Procrustes and the
    mean is recomputed, until the objective ``sum_i ||Z_i R_i - B||_F^2`` stops decreasing
    (Gower 1975). Both steps minimise that objective, so it never increases. This is the
    barycentric alignment of Saha, He & Khosla (2026) with the orthogonal group.

    The barycenter is defined up to one global rotation; it is stored in its principal axes
    (largest variance first, signs fixed), so the result does not depend on ``seed`` beyond the
    convergence tolerance.

    Parameters
    ----------
    n_components : int, optional
        Width of the universal space, ``1 <= n_components <= min(max_i d_i, n - 1)``. Default: the
        narrowest width, capped at ``n - 1``.
    n_iter : int
        Maximum number of alternations (spaces of real networks and brains converge in about
        100–500; each alternation costs milliseconds).
    tol : float
        Stop when the objective's relative decrease falls below ``tol``.
    seed : int or numpy.random.Generator
        Orientation of the starting reference (a random rotation of the first space). It fixes
        nothing in the answer but the path to it.

    Attributes
    ----------
    barycenter_ : numpy.ndarray, shape (n, n_components_)
        The mean of the aligned spaces.
    means_ : list of numpy.ndarray, shapes (d_i,)
        Each space's mean over the fitting stimuli.
    bases_ : list of numpy.ndarray, shapes (d_i, n_components_)
        Each space's projection (PCA) or padding, divided by its norm.
    rotations_ : list of numpy.ndarray, shapes (n_components_, n_components_)
        Each space's rotation into the universal space (the barycenter's principal axes included).
    maps_ : list of numpy.ndarray, shapes (d_i, n_components_)
        ``bases_[i] @ rotations_[i]`` in one matrix: ``(X_i - means_[i]) @ maps_[i]`` is space ``i``
        in the universal space.
    n_components_ : int
    n_iter_ : int
        Alternations run.
    objective_ : float
        The final objective.
    converged_ : bool

    Warns
    -----
    RuntimeWarning
        From :meth:`fit`, if the objective has not converged after ``n_iter`` alternations.
    """

    def __init__(self, *, n_components: int | None = None, n_iter: int = 1000, tol: float = 1e-8, seed=0):
        self.n_components = n_components
        self.n_iter = n_iter
        self.tol = tol
        self.seed = seed

    def fit(self, Xs) -> GeneralizedProcrustes:
        """Align the spaces ``Xs`` (the same stimuli in the same row order) into one universal space.

        Parameters
        ----------
        Xs : list of array-like, shapes (n, d_i)
            At least two spaces.

        Returns
        -------
        GeneralizedProcrustes
            ``self``.
        """
        import warnings

        spaces = _check_spaces(Xs)
        dim = _check_n_components(self.n_components, spaces)
        n_iter = check_int(self.n_iter, "n_iter", minimum=1)
        tol = self.tol
        if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not tol >= 0:
            raise ValueError(f"tol must be a number >= 0; got {tol!r}")
        rng = check_seed(self.seed)
        Zs, Ps, means = zip(*(_reduce(X, dim) for X in spaces))
        B = Zs[0] @ random_orthogonal(dim, dim, seed=rng)
        Rs = [np.eye(dim)] * len(Zs)
        previous = np.inf
        converged = False
        done = 0
        for done in range(1, n_iter + 1):  # noqa: B007 - the count is kept after the loop
            Rs = [_rotation(Z, B)[0] for Z in Zs]
            aligned = [Z @ R for Z, R in zip(Zs, Rs)]
            B = np.mean(aligned, axis=0)
            objective = sum(float(np.sum((A - B) ** 2)) for A in aligned)
            if previous - objective <= tol * objective:
                converged = True
                break
            previous = objective
        if not converged:
            warnings.warn(
                f"generalized_procrustes did not converge in {n_iter} iterations (objective {objective:.6g})",
                RuntimeWarning,
                stacklevel=2,
            )
        Q = _principal_gauge(B)
        self.barycenter_ = B @ Q
        self.maps_ = [P @ R @ Q for P, R in zip(Ps, Rs)]
        self.rotations_ = [R @ Q for R in Rs]
        self.bases_ = list(Ps)
        self.means_ = list(means)
        self.n_components_ = dim
        self.n_iter_ = done
        self.objective_ = objective
        self.converged_ = converged
        return self

    def _check_fitted(self):
        if not hasattr(self, "maps_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This GeneralizedProcrustes instance is not fitted yet: call fit(Xs) first")

    def transform(self, X, *, space: int | None = None) -> np.ndarray:
        """Embed stimuli into the universal space.

        Parameters
        ----------
        X : array-like, shape (m, d_i) or (n, d)
            With ``space=i``: new (or fitting) stimuli of fitted space ``i``, centred with that space's
            fitting mean and mapped by ``maps_[i]``. With ``space=None``: a *new* space over the same
            ``n`` stimuli as the fit, in the same order; it is centred, reduced and scaled like the
            fitted spaces and rotated onto ``barycenter_`` (the barycenter itself is not refitted).
        space : int, optional
            Index of a fitted space.

        Returns
        -------
        numpy.ndarray, shape (m, n_components_) or (n, n_components_)
        """
        self._check_fitted()
        if space is None:
            X = check_matrix(X, "X", min_rows=3)
            n = self.barycenter_.shape[0]
            if X.shape[0] != n:
                raise ValueError(
                    f"X has {X.shape[0]} rows but the spaces were fitted on {n} stimuli: a new space "
                    "must describe the same stimuli, in the same order"
                )
            Z, _, _ = _reduce(X, self.n_components_)
            return Z @ _rotation(Z, self.barycenter_)[0]
        space = check_int(space, "space", minimum=0, maximum=len(self.maps_) - 1)
        X = check_matrix(X, "X")
        width = self.maps_[space].shape[0]
        if X.shape[1] != width:
            raise ValueError(f"X has {X.shape[1]} columns but space {space} was fitted with {width}")
        return (X - self.means_[space]) @ self.maps_[space]

    def fit_transform(self, Xs) -> list[np.ndarray]:
        """Fit, then every fitted space in the universal space.

        Parameters
        ----------
        Xs : list of array-like, shapes (n, d_i)
            As in :meth:`fit`.

        Returns
        -------
        list of numpy.ndarray, shapes (n, n_components_)
            ``(X_i - means_[i]) @ maps_[i]``; their mean is ``barycenter_``.
        """
        spaces = _check_spaces(Xs)
        self.fit(spaces)
        return [(X - mu) @ M for X, mu, M in zip(spaces, self.means_, self.maps_)]


def generalized_procrustes(
    Xs, *, n_components: int | None = None, n_iter: int = 1000, tol: float = 1e-8, seed=0
) -> GeneralizedProcrustesResult:
    """Generalized Procrustes analysis: the functional form of :class:`GeneralizedProcrustes`.

    Parameters
    ----------
    Xs : list of array-like, shapes (n, d_i)
        At least two spaces over the same stimuli, in the same row order.
    n_components, n_iter, tol, seed :
        See :class:`GeneralizedProcrustes`.

    Returns
    -------
    GeneralizedProcrustesResult
        ``barycenter`` and ``maps`` (``(X_i - X_i.mean(0)) @ maps[i]`` is space ``i`` aligned; apply
        it to new stimuli the same way, centring them with the fitting stimuli's mean, ``means[i]``).

    Warns
    -----
    RuntimeWarning
        If the objective has not converged after ``n_iter`` alternations.
    """
    gpa = GeneralizedProcrustes(n_components=n_components, n_iter=n_iter, tol=tol, seed=seed).fit(Xs)
    return GeneralizedProcrustesResult(
        barycenter=gpa.barycenter_, maps=gpa.maps_, means=gpa.means_, n_iter=gpa.n_iter_, converged=gpa.converged_
    )
