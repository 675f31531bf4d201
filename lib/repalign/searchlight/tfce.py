"""Sign-flip TFCE and cluster inference of one-sample t maps, bit for bit as nilearn's ``permuted_ols``.

:func:`repalign.searchlight.group.group_tfce` used to call
``nilearn.mass_univariate.permuted_ols(..., tfce=True)``, which unmasks every flipped t map into the
whole volume and labels it at each of the 100 TFCE thresholds. This module gives the same numbers
with much less work:

* the flips, the t maps and the voxel-level max-t null repeat nilearn's numpy operations on arrays of
  the same layout, so they are the same bits;
* the TFCE score of a voxel is the sum, over the thresholds ``h_k`` it reaches (in increasing order),
  of ``sqrt(size of its cluster at h_k) * h_k ** 2``. Two voxels that share a cluster at ``h_j`` share
  it at every lower threshold, so the partial sum up to ``h_j`` belongs to that cluster: it is computed
  once per cluster and level, on the tree of clusters built by adding the voxels from the highest t
  down with a union-find (compiled with numba when it is installed). Each partial sum is formed by the
  same additions, in the same order, as nilearn's voxel-wise accumulation, so the scores are equal.
  Without numba, each threshold is labelled with ``scipy.ndimage.label`` inside the mask's bounding box;
* cluster sizes and masses are labelled once per flip inside the bounding box, and each mass is summed
  by ``numpy.sum`` over the cluster's values in the volume's (C) order, as nilearn sums them.

Maps with a non-finite t (e.g. a voxel where every subject is 0) and cluster-forming thresholds with
a t threshold at or below 0 are left to nilearn (see :func:`flip_tfce`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__: list[str] = []

try:  # optional: a speed-up only
    import numba
except ImportError:  # pragma: no cover - exercised where numba is missing
    numba = None

HAVE_NUMBA = numba is not None

E_EXTENT = 0.5  # TFCE extent exponent (nilearn's E)
H_HEIGHT = 2  # TFCE height exponent (nilearn's H)
N_STEPS = 100  # thresholds per map (nilearn's dh="auto")


class _NonFinite(Exception):
    """A t map holds NaN or infinity: the caller falls back to nilearn."""


@dataclass
class _Grid:
    """The mask's voxels (C order) with their face neighbours and their place in the bounding box."""

    n: int
    full: bool  # the mask covers the whole volume (no zero background voxel)
    box_shape: tuple
    box_index: np.ndarray  # (n,) flat index of each voxel in the bounding box
    neighbours: np.ndarray  # (n, 6) mask index of each face neighbour, -1 outside the mask


def _make_grid(m: np.ndarray) -> _Grid:
    """The :class:`Grid` of the boolean 3-D mask ``m``."""
    idx = np.argwhere(m)
    lo, hi = idx.min(0), idx.max(0) + 1
    box = m[lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]]
    box_index = np.flatnonzero(box)
    padded = np.full(tuple(s + 2 for s in box.shape), -1, dtype=np.int64)
    inner = padded[1:-1, 1:-1, 1:-1]
    inner[box] = np.arange(box_index.size)
    nbrs = []
    for axis in range(3):
        for step in (-1, 1):
            nbrs.append(np.roll(padded, -step, axis=axis)[1:-1, 1:-1, 1:-1][box])
    return _Grid(
        n=int(box_index.size),
        full=bool(m.all()),
        box_shape=box.shape,
        box_index=box_index,
        neighbours=np.ascontiguousarray(np.stack(nbrs, axis=1)),
    )


def _thresholds(t: np.ndarray, grid: _Grid, two_sided: bool):
    """nilearn's TFCE thresholds of the t map and ``h ** 2`` of each, or ``None`` when no voxel can pass.

    The largest score is taken over the whole volume, so the zero background counts when the mask
    does not fill it.
    """
    top = np.max(np.abs(t)) if two_sided else np.max(t)
    if not grid.full:
        top = max(top, 0.0)
    if not top > 0:
        return None  # every score is 0
    h = np.linspace(0, top, N_STEPS + 1)[1:]
    h2 = np.array([s**H_HEIGHT for s in h])  # numpy scalar power, as nilearn takes it per threshold
    return h, h2


def _levels(values: np.ndarray, h: np.ndarray) -> np.ndarray:
    """How many thresholds each voxel reaches (0 for values <= 0)."""
    top = np.searchsorted(h, values, side="right")
    top[~(values > 0)] = 0
    return top


def _find_root_py(parent, a):
    """Root of ``a``'s union-find tree, halving the path on the way (each visited node skips its parent)."""
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


if HAVE_NUMBA:
    _find_root = numba.njit(nogil=True, cache=True, inline="always")(_find_root_py)
else:  # pragma: no cover - exercised where numba is missing
    _find_root = _find_root_py


def _tfce_tree_py(order, top, nbr, root, h2, out):
    """TFCE score ``out[v]`` of the active voxels ``order`` (sorted by decreasing ``top``, levels 1..K).

    Voxels join a union-find from the highest level down; after each level every component becomes a
    node (its size and level) whose parent is the component that holds it one level lower. A node's
    partial sum is its parent's plus ``root[size] * h2[level - 1]``, the terms nilearn adds to each of
    the node's voxels at that level; a voxel's score is the sum of the node that holds it at its top level.
    """
    n_act = order.shape[0]
    n = nbr.shape[0]
    if n_act == 0:
        return
    cap = 4 * n_act + 16  # grown when the tree needs more nodes
    parent = np.empty(n, np.int64)
    size = np.empty(n, np.int64)
    on = np.zeros(n, np.bool_)
    rpos = np.empty(n, np.int64)
    node_of_root = np.empty(n, np.int64)
    roots = np.empty(n_act, np.int64)
    prev_root = np.empty(n_act, np.int64)
    prev_node = np.empty(n_act, np.int64)
    vox_node = np.empty(n_act, np.int64)
    node_size = np.empty(cap, np.int64)
    node_level = np.empty(cap, np.int64)
    node_parent = np.empty(cap, np.int64)
    n_roots = 0
    n_prev = 0
    n_nodes = 0
    p = 0
    for k in range(top[order[0]], 0, -1):
        start = p
        while p < n_act and top[order[p]] >= k:
            v = order[p]
            on[v] = True
            parent[v] = v
            size[v] = 1
            rpos[v] = n_roots
            roots[n_roots] = v
            n_roots += 1
            for j in range(nbr.shape[1]):
                u = nbr[v, j]
                if u < 0 or not on[u]:
                    continue
                a = _find_root(parent, v)
                b = _find_root(parent, u)
                if a == b:
                    continue
                if size[a] < size[b]:
                    a, b = b, a
                parent[b] = a
                size[a] += size[b]
                i = rpos[b]
                last = roots[n_roots - 1]
                roots[i] = last
                rpos[last] = i
                n_roots -= 1
            p += 1
        if n_nodes + n_roots > cap:
            cap = max(2 * cap, n_nodes + n_roots)
            grown = np.empty(cap, np.int64)
            grown[:n_nodes] = node_size[:n_nodes]
            node_size = grown
            grown = np.empty(cap, np.int64)
            grown[:n_nodes] = node_level[:n_nodes]
            node_level = grown
            grown = np.empty(cap, np.int64)
            grown[:n_nodes] = node_parent[:n_nodes]
            node_parent = grown
        for i in range(n_roots):
            r = roots[i]
            node_of_root[r] = n_nodes
            node_size[n_nodes] = size[r]
            node_level[n_nodes] = k
            node_parent[n_nodes] = -1
            n_nodes += 1
        for i in range(n_prev):
            node_parent[prev_node[i]] = node_of_root[_find_root(parent, prev_root[i])]
        for i in range(start, p):
            vox_node[i] = node_of_root[_find_root(parent, order[i])]
        for i in range(n_roots):
            prev_root[i] = roots[i]
            prev_node[i] = node_of_root[roots[i]]
        n_prev = n_roots
    total = np.empty(n_nodes)
    for i in range(n_nodes - 1, -1, -1):  # parents (one level lower) were made after their children
        base = 0.0
        if node_parent[i] >= 0:
            base = total[node_parent[i]]
        total[i] = base + root[node_size[i]] * h2[node_level[i] - 1]
    for i in range(n_act):
        out[order[i]] = total[vox_node[i]]


if HAVE_NUMBA:
    _tfce_tree = numba.njit(nogil=True, cache=True)(_tfce_tree_py)
else:  # pragma: no cover - exercised where numba is missing
    _tfce_tree = _tfce_tree_py  # correct, but slow: without numba the labelling path is the default


def _label_struct():
    from scipy.ndimage import generate_binary_structure

    return generate_binary_structure(3, 1)


def _one_sign_tfce(values, grid, h, h2, root, tree):
    """Positive-part TFCE scores of ``values`` (mask order) at thresholds ``h``."""
    out = np.zeros(grid.n)
    top = _levels(values, h)
    if tree:
        active = np.flatnonzero(top)
        order = active[np.argsort(-top[active], kind="stable")]
        _tfce_tree(order, top, grid.neighbours, root, h2, out)
        return out
    from scipy.ndimage import label

    struct = _label_struct()
    order = np.argsort(top, kind="stable")
    sorted_top = top[order]
    vol = np.zeros(grid.box_shape, dtype=bool)
    flat = vol.reshape(-1)
    for k in range(1, int(sorted_top[-1]) + 1):
        active = order[np.searchsorted(sorted_top, k, side="left") :]
        flat[:] = False
        flat[grid.box_index[active]] = True
        lab, _ = label(vol, struct)
        ids = lab.reshape(-1)[grid.box_index[active]]
        step = root[np.bincount(ids)] * h2[k - 1]
        out[active] += step[ids]
    return out


def _tfce_scores(t: np.ndarray, grid: _Grid, two_sided: bool, root: np.ndarray, tree: bool = HAVE_NUMBA):
    """nilearn's TFCE of the t map ``t`` (mask order; E=0.5, H=2, 100 steps, face connectivity).

    ``root`` is ``arange(n + 1) ** 0.5`` (the extent term of every cluster size), computed by
    :func:`root_table`. Negative clusters of a two-sided map get negative scores. ``tree``: by the
    union-find tree of clusters (compiled with numba when installed), else by labelling each threshold.
    """
    levels = _thresholds(t, grid, two_sided)
    if levels is None:
        return np.zeros(grid.n)
    h, h2 = levels
    pos = _one_sign_tfce(t, grid, h, h2, root, tree)
    if not two_sided:
        return pos
    neg = _one_sign_tfce(-t, grid, h, h2, root, tree)
    return np.where(t < 0, 0.0 - neg, pos)  # 0.0 - 0.0 is +0.0, as nilearn's sums of no term


def _root_table(n: int) -> np.ndarray:
    """``size ** 0.5`` for every cluster size 0..n, as numpy takes it of nilearn's int64 cluster counts."""
    return np.arange(n + 1, dtype=np.int64) ** E_EXTENT


def _clusters(t: np.ndarray, grid: _Grid, thr: float, two_sided: bool):
    """Clusters of the t map above ``thr`` (and, two-sided, below ``-thr``), face connectivity.

    Returns ``(labels, sizes, masses)``: ``labels`` (mask order) numbers the clusters from 1 (0 outside
    them); ``sizes[j - 1]`` and ``masses[j - 1]`` are cluster ``j``'s voxel count and the ``numpy.sum``
    of ``|t| - thr`` over its voxels in C order.
    """
    from scipy.ndimage import label

    struct = _label_struct()
    labels = np.zeros(grid.n, dtype=np.int64)
    n_clusters = 0
    for sel in (t > thr, t < -thr) if two_sided else (t > thr,):
        where = np.flatnonzero(sel)
        if where.size == 0:
            continue
        vol = np.zeros(grid.box_shape, dtype=bool)
        vol.reshape(-1)[grid.box_index[where]] = True
        lab, n_lab = label(vol, struct)
        labels[where] = lab.reshape(-1)[grid.box_index[where]] + n_clusters
        n_clusters += n_lab
    inside = np.flatnonzero(labels)
    order = inside[np.argsort(labels[inside], kind="stable")]  # by cluster, C order within each
    sizes = np.bincount(labels[inside], minlength=n_clusters + 1)[1:]
    excess = np.abs(t[order]) - thr
    ends = np.cumsum(sizes)
    masses = np.array([np.sum(excess[e - s : e]) for s, e in zip(sizes, ends)], dtype=np.float64)
    return labels, sizes, masses


def _null_p(values, null):
    """nilearn's p of each value against a max-statistic null (larger is more extreme; clipped)."""
    null = np.asarray(null)
    ranks = np.searchsorted(np.sort(null), values, side="left").astype(float)
    p = 1 - ranks / len(null)
    smallest = np.maximum(np.finfo(float).eps, 1.0 / len(null))
    return np.maximum(smallest, np.minimum(p, 1.0 - smallest))


def _via_log(p):
    """``p`` through nilearn's ``-log10`` outputs and back, as ``group_tfce`` used to read them."""
    logp = -np.log10(p)
    return 10.0**-logp


def _chunks(n_perm: int, n_jobs: int) -> np.ndarray:
    """nilearn's split of the permutations over its workers (each worker draws its own flips)."""
    import joblib

    n_jobs = min(n_jobs, joblib.cpu_count())
    if n_perm > n_jobs:
        sizes = np.asarray([n_perm / n_jobs] * n_jobs, dtype=int)
        sizes[-1] += n_perm % n_jobs
        return sizes
    return np.ones(n_perm, dtype=int)


def _t_of(target, tested, n):
    """nilearn's t of an intercept-only model from normalised data (one column per voxel)."""
    beta = np.dot(target.T, tested)
    rss = 1 - beta**2
    return beta * np.sqrt((n - 1.0) / rss)


def _run_chunk(target, tested, n_perm, seed, grid, two_sided, thr, root, tree):
    """Max t, max TFCE and (with ``thr``) max cluster size and mass of each flip of one worker's chunk."""
    rs = np.random.RandomState(seed)
    n = target.shape[0]
    max_t = np.empty(n_perm)
    max_tfce = np.empty(n_perm)
    max_size = np.empty(n_perm)
    max_mass = np.empty(n_perm)
    for i in range(n_perm):
        target = target * (rs.randint(2, size=(n, 1)) * 2 - 1)  # flips accumulate, as in nilearn
        t = _t_of(target, tested, n)[:, 0]
        if not np.all(np.isfinite(t)):
            raise _NonFinite
        max_t[i] = np.max(np.fabs(t)) if two_sided else np.max(t)
        score = _tfce_scores(t, grid, two_sided, root, tree)
        max_tfce[i] = np.max(np.fabs(score))
        if thr is not None:
            _, sizes, masses = _clusters(t, grid, thr, two_sided)
            max_size[i] = sizes.max() if sizes.size else 0
            max_mass[i] = max(masses.max(), 0) if masses.size else 0
    return max_t, max_tfce, max_size, max_mass


def _flip_tfce(
    x: np.ndarray,
    m: np.ndarray,
    *,
    n_perm: int,
    two_sided: bool,
    random_state: int,
    threshold=None,
    n_jobs: int = 1,
    tree: bool = HAVE_NUMBA,
) -> dict | None:
    """nilearn's ``permuted_ols`` outputs for an intercept-only model with TFCE, computed faster.

    Parameters
    ----------
    x : numpy.ndarray
        ``(n_subjects, n_voxels)`` the subjects' values inside ``m`` (C order).
    m : numpy.ndarray
        Boolean 3-D mask.
    n_perm : int
        Sign flips.
    two_sided : bool
        nilearn's ``two_sided_test``.
    random_state : int
        nilearn's ``random_state``.
    threshold : float, optional
        Cluster-forming threshold as an uncorrected p.
    n_jobs : int
        nilearn's ``n_jobs``: sets how the flips are drawn (one random stream per worker); the chunks
        run on as many threads.
    tree : bool
        Score TFCE with the union-find tree (compiled with numba when installed; the default then),
        else with ``scipy.ndimage.label`` at each threshold.

    Returns
    -------
    dict or None
        ``t``, ``tfce``, ``p_tfce``, ``p_fwe``, ``h0_max_tfce`` and, with ``threshold``, ``p_size`` and
        ``p_mass`` (p already read back from nilearn's ``-log10`` form), the same bits as nilearn's; None
        when nilearn must compute them (a non-finite t in some map, or a cluster-forming t at or below 0).
    """
    from scipy import stats

    n = x.shape[0]
    target = np.asfortranarray(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        normalised = target.T / np.sqrt(np.sum(target**2, axis=0))[:, np.newaxis]  # (voxels, subjects)
        ones = np.ones((n, 1))
        tested = (ones.T / np.sqrt(np.sum(ones**2, axis=0))[:, np.newaxis]).T.copy()
        t_obs = _t_of(normalised.T, tested, n)[:, 0]
    if not np.all(np.isfinite(t_obs)):
        return None
    thr = None
    if threshold is not None:
        thr = stats.t.isf(threshold / 2, df=n - 1) if two_sided else stats.t.isf(threshold, df=n - 1)
        if not thr > 0:
            return None
    grid = _make_grid(m)
    root = _root_table(grid.n)
    tfce_obs = _tfce_scores(t_obs, grid, two_sided, root, tree)
    sizes = _chunks(n_perm, n_jobs)
    rng = np.random.RandomState(random_state)
    seeds = [rng.randint(1, np.iinfo(np.int32).max - 1) for _ in sizes]
    args = [(normalised.T, tested, int(k), s, grid, two_sided, thr, root, tree) for k, s in zip(sizes, seeds)]
    try:
        if n_jobs > 1 and len(args) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(n_jobs, len(args))) as pool:
                parts = list(pool.map(lambda a: _run_chunk(*a), args))
        else:
            parts = [_run_chunk(*a) for a in args]
    except _NonFinite:
        return None
    h0_t, h0_tfce, h0_size, h0_mass = (np.concatenate(p) for p in zip(*parts))
    stat = np.fabs(t_obs) if two_sided else t_obs
    # how many flips have a max below each voxel's statistic (nilearn's ranks)
    ranks_t = np.searchsorted(np.sort(h0_t), stat, side="left").astype(float)
    ranks_tfce = np.searchsorted(np.sort(h0_tfce), np.fabs(tfce_obs), side="left").astype(float)
    out = {
        "t": t_obs,
        "tfce": tfce_obs,
        "p_tfce": _via_log((n_perm + 1 - ranks_tfce) / float(1 + n_perm)),
        "p_fwe": _via_log((n_perm + 1 - ranks_t) / float(1 + n_perm)),
        "h0_max_tfce": h0_tfce,
    }
    if thr is not None:
        labels, c_sizes, c_masses = _clusters(t_obs, grid, thr, two_sided)
        size_of = np.concatenate([[0], c_sizes])
        mass_of = np.concatenate([[0.0], c_masses])
        out["p_size"] = _via_log(_null_p(size_of, h0_size)[labels])
        out["p_mass"] = _via_log(_null_p(mass_of, h0_mass)[labels])
    return out
