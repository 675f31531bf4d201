"""Incremental Gram matrices of searchlight spheres (the engine's core), on torch or numpy."""

from __future__ import annotations

import numpy as np

from repalign.core.device import torch_device
from repalign.core.validation import check_choice
from repalign.searchlight.kernels import HAVE_NUMBA, _cumulative_triangle

__all__: list[str] = []


def _pick_backend(backend: str, device):
    check_choice(backend, "backend", ("auto", "torch", "numpy"))
    if backend == "numpy":
        if device not in (None, "cpu"):
            raise ValueError(f"device must be None or 'cpu' with backend='numpy'; got {device!r}")
        return None, None
    try:
        import torch
    except ImportError:
        if backend == "torch":
            raise ImportError("backend='torch' needs torch installed") from None
        return None, None
    return torch, torch_device(device)


class _Engine:
    """Gram matrices of spheres, computed in full at the start of each z-run of centres and
    updated incrementally along it: moving the centre one voxel along z adds the voxels of the
    leading cap and removes those of the trailing cap (109 of 895 voxels each at radius 6).

    The patterns carry an extra column of ones, so each Gram matrix also holds the sphere's voxel
    sums (last column) and voxel count (last entry). The engine is read-only once built, so
    several threads can share it.
    """

    def __init__(self, patterns, nb, torch, device, blocks: int = 1):
        """``patterns``: :func:`_augmented` rows, ``(n_mask_voxels + 1, blocks * (width + 1))``."""
        self.torch, self.device, self.nb = torch, device, nb
        # ``blocks`` > 1: each voxel holds that many rows of patterns (side by side in ``patterns``),
        # the first added and the others subtracted: X^T X = sum_v (a_v a_v^T - sum_r b_vr b_vr^T)
        self.blocks = blocks
        width = patterns.shape[1] // blocks - 1
        signed = None
        if blocks > 1:  # the rows with their signs, gathered beside the rows
            signed = patterns.reshape(patterns.shape[0], blocks, width + 1).copy()
            signed[:, 1:] *= -1.0
            signed = signed.reshape(patterns.shape[0], -1)
        to = (lambda a: torch.from_numpy(a).to(device)) if torch is not None else (lambda a: a)
        self.patterns = to(patterns)
        self.signed = None if signed is None else to(signed)
        ball = {tuple(o) for o in nb.offsets.tolist()}
        ez = np.array([0, 0, 1])
        self.enter = np.array([o for o in nb.offsets if tuple(o + ez) not in ball], dtype=np.int64)
        self.leave = np.array([o - ez for o in nb.offsets if tuple(o - ez) not in ball], dtype=np.int64)
        self.c = c = width + 1
        self.n_cond = nc = c - 1
        # the triangle's layout: off-diagonal condition pairs (condensed order), the condition
        # diagonal, the sums, the count, so that each part is a slice of a row (no copies)
        pi, pj = np.triu_indices(nc, k=1)
        last = np.full(nc, c - 1)
        rows = np.concatenate([pi, np.arange(nc), np.arange(nc), [c - 1]])
        cols = np.concatenate([pj, np.arange(nc), last, [c - 1]])
        self.flat_iu = rows * c + cols
        n_pairs = pi.size
        self.n_pairs = n_pairs
        self.pair_i, self.pair_j = pi, pj
        tri = np.zeros((c, c), dtype=np.int64)
        tri[rows, cols] = np.arange(rows.size)
        self.full_idx = np.maximum(tri, tri.T)[:-1, :-1]  # the full condition Gram from the triangle
        if torch is not None:
            self.flat_iu_t = torch.from_numpy(self.flat_iu).to(device)
        # on the CPU, with numba: the Gram matrices in row blocks of the upper triangle (3 blocks: 2/3 of
        # the full products' arithmetic), summed by a compiled kernel straight from the blocks (_blocked)
        self.fused = HAVE_NUMBA and torch is not None and self.device.type == "cpu" and blocks == 1
        # (float32 only: MKL's float64 blocks differ from the full product in the last bit)
        n_blk = max(1, round(c / _BLOCK)) if patterns.dtype == np.float32 else 1
        bounds = [round(c * k / n_blk) for k in range(n_blk + 1)]
        self.row_blocks = list(zip(bounds[:-1], bounds[1:]))
        self.block_maps = []
        for r0, r1 in self.row_blocks:
            dst = np.flatnonzero((rows >= r0) & (rows < r1))
            src = (rows[dst] - r0) * (c - r0) + (cols[dst] - r0)
            self.block_maps.append((src.astype(np.int64), dst.astype(np.int64)))

    def _gather(self, rows: np.ndarray):
        """``(X^T, X)`` (torch) of the pattern rows ``rows`` ``(b, k)``; X^T with the rows' signs when there are blocks."""
        t = self.torch
        it = t.from_numpy(rows).to(self.device).reshape(-1)
        shape = (rows.shape[0], rows.shape[1] * self.blocks, self.c)
        x = self.patterns.index_select(0, it).view(shape)
        if self.signed is None:
            return x.transpose(1, 2), x
        return self.signed.index_select(0, it).view(shape).transpose(1, 2), x

    def _gram(self, idx: np.ndarray, minus: np.ndarray | None = None):
        """Upper triangles (with diagonal) of X^T X (minus Y^T Y for rows ``minus``), in the rows' dtype."""
        t = self.torch
        if t is not None:
            xt, x = self._gather(idx)
            g = t.bmm(xt, x)
            if minus is not None:
                yt, y = self._gather(minus)
                g.baddbmm_(yt, y, alpha=-1.0)
            return g.reshape(idx.shape[0], -1).index_select(1, self.flat_iu_t)

        def gram(rows):
            shape = (rows.shape[0], rows.shape[1] * self.blocks, self.c)
            x = self.patterns[rows].reshape(shape)
            xt = x if self.signed is None else self.signed[rows].reshape(shape)
            return np.matmul(np.ascontiguousarray(xt.transpose(0, 2, 1)), x)

        g = gram(idx)
        if minus is not None:
            g -= gram(minus)
        return g.reshape(idx.shape[0], -1)[:, self.flat_iu]

    def _blocks(self, idx: np.ndarray, minus: np.ndarray | None = None) -> list:
        """:meth:`_gram` as row blocks ``X[:, r0:r1]^T X[:, r0:]`` (numpy, the rows' dtype, one row per centre).

        The blocks hold the upper triangle with 2/3 of the full product's arithmetic (3 blocks); each entry
        is the same dot product as in the full product (with MKL's float32 kernels: the same bits,
        checked on the book's and the benchmark's volumes).
        """
        t = self.torch
        x = self._gather(idx)[1]  # one block of rows per voxel (the fused path): X^T is x's transpose
        if minus is not None:
            y = self._gather(minus)[1]
        out = []
        for r0, r1 in self.row_blocks:
            g = t.bmm(x[:, :, r0:r1].transpose(1, 2), x[:, :, r0:])
            if minus is not None:
                g.baddbmm_(y[:, :, r0:r1].transpose(1, 2), y[:, :, r0:], alpha=-1.0)
            out.append(g.reshape(idx.shape[0], -1).numpy())
        return out

    def __call__(self, centres: np.ndarray) -> np.ndarray:
        """Gram upper triangles (float64 numpy, ``(n_centres, n_tri)``) of consecutive ``centres``."""
        nb, t = self.nb, self.torch
        co = nb.coords[centres]
        cont = np.zeros(centres.size, dtype=bool)
        cont[1:] = (co[1:, 0] == co[:-1, 0]) & (co[1:, 1] == co[:-1, 1]) & (co[1:, 2] == co[:-1, 2] + 1)
        first = np.flatnonzero(~cont)
        step = np.flatnonzero(cont)
        start = np.maximum.accumulate(np.where(~cont, np.arange(centres.size), 0))
        # every row of the chunk is the sum of its run's full Gram and the cap updates since the
        # run began: cumulative sums over the chunk, minus the sum before the run's first centre
        k0 = int(first[1]) if first.size > 1 else centres.size  # rows of the first run need no fix
        if self.fused:
            return self._blocked(centres, first, step, start, k0)
        full = self._gram(nb.lookup(centres[first], nb.offsets))
        if t is not None:
            vals = t.empty((centres.size, full.shape[1]), dtype=full.dtype, device=self.device)
            vals[t.from_numpy(first).to(self.device)] = full
            if step.size:
                rows = centres[step]
                vals[t.from_numpy(step).to(self.device)] = self._gram(
                    nb.lookup(rows, self.enter), nb.lookup(rows, self.leave)
                )
            cs = t.cumsum(vals, dim=0, dtype=t.float64)  # float32 Gram parts summed in float64
            if k0 < centres.size:
                cs[k0:] -= cs.index_select(0, t.from_numpy(start[k0:] - 1).to(self.device))
            return cs.cpu().numpy()
        vals = np.empty((centres.size, full.shape[1]), dtype=full.dtype)
        vals[first] = full
        if step.size:
            rows = centres[step]
            vals[step] = self._gram(nb.lookup(rows, self.enter), nb.lookup(rows, self.leave))
        cs = np.cumsum(vals, axis=0, dtype=np.float64)
        if k0 < centres.size:
            cs[k0:] -= cs[start[k0:] - 1]
        return cs

    def _blocked(self, centres, first, step, start, k0) -> np.ndarray:
        """:meth:`__call__` from :meth:`_blocks`, summed by the compiled kernel (the same bits)."""
        nb = self.nb
        full = self._blocks(nb.lookup(centres[first], nb.offsets))
        empty = np.empty((0, 1), dtype=full[0].dtype)
        caps = [empty] * len(full)
        if step.size:
            rows = centres[step]
            caps = self._blocks(nb.lookup(rows, self.enter), nb.lookup(rows, self.leave))
        which = np.ones(centres.size, dtype=np.int8)
        which[first] = 0
        pos = np.empty(centres.size, dtype=np.int64)
        pos[first] = np.arange(first.size)
        pos[step] = np.arange(step.size)
        out = np.empty((centres.size, self.flat_iu.size))
        for (src, dst), f, s in zip(self.block_maps, full, caps):
            _cumulative_triangle(f, s, which, pos, src, dst, start, k0, out)
        return out


#: Rows of the Gram matrix per block in the blocked products (``round(c / _BLOCK)`` blocks of about
#: equal size; blocks much narrower than 16 rows would take other MKL kernels, of other bits).
_BLOCK = 34


def _augmented(patterns: np.ndarray, blocks: int = 1) -> np.ndarray:
    """The engine's rows: each block of ``patterns`` ``(n + 1, blocks * width)`` gets a last column, of ones
    in the first block (not on the padding row, the last one) and of zeros in the others."""
    n, width = patterns.shape[0], patterns.shape[1] // blocks
    aug = np.zeros((n, blocks, width + 1), dtype=patterns.dtype)
    aug[:, :, :-1] = patterns.reshape(n, blocks, width)
    aug[:-1, 0, -1] = 1.0
    return aug.reshape(n, -1)
