"""A cache of feature rows keyed one by one (e.g. an image), shared by every call and process.

:func:`repalign.io.cache.cached_array` stores one array per call, so the same image asked for in
another list (a subset, another block, another order) is computed again. :func:`cached_rows` keys
each *row*: a call looks its rows up, computes only the missing ones (in one batch), and stores
them as a checksummed chunk file. Any later call, in this process or another, reads them back
whatever list they come in. Computation happens under a lock on the cache folder, so two
processes asking for the same rows at once compute them once (the second waits, then reads); the
models keep their rows in folders of their own, so a process computing one model's rows never
waits for another model's.

A stored row is the one of the pass that first computed it: exact reuse for models whose rows do
not depend on their batch companions. EfficientNet-Lite0 computes each image alone (in batches, a
row's last digits depend on its companions); sentence encoders batch a sentence only with sentences
of its token count (padding changes the last digits). The book still computes its images and
captions once, in a fixed list, before the chapters (``repalign.book.warm_feature_cache``).
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

import repalign.io.paths as paths
from repalign.io.cache import array_digest, locked

__all__ = ["cached_rows"]

#: Per cache folder: {chunk file name: {group member: keys}} read so far (files are never rewritten).
_SEEN: dict[Path, dict[str, dict[str, np.ndarray]]] = {}


def _index(folder: Path) -> dict[str, tuple[str, str, int]]:
    """Every stored row: key -> (chunk file name, member, row); reads the keys of new chunk files only."""
    seen = _SEEN.setdefault(folder, {})
    present = {p.name for p in folder.glob("rows-*.npz")}
    for gone in set(seen) - present:
        del seen[gone]
    for name in sorted(present - set(seen)):
        try:
            with np.load(folder / name, allow_pickle=False) as z:
                seen[name] = {m[1:]: z[m] for m in z.files if m.startswith("k")}
        except Exception as exc:  # truncated zip, bad header ...
            _drop(folder, name, f"{type(exc).__name__}: {exc}")
    index = {}
    for name, members in seen.items():
        for member, keys in members.items():
            for row, key in enumerate(keys.tolist()):
                index[key] = (name, member, row)
    return index


def _drop(folder: Path, name: str, reason: str) -> None:
    warnings.warn(f"corrupt cache file {folder / name} ({reason}); recomputing", RuntimeWarning, stacklevel=4)
    (folder / name).unlink(missing_ok=True)
    _SEEN.get(folder, {}).pop(name, None)


def _read(folder: Path, index: dict, keys: list[str]) -> np.ndarray | None:
    """The rows of ``keys`` (all in ``index``), or None if a chunk file turned out corrupt (it is removed)."""
    by_file: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(keys):
        name, member, _ = index[key]
        by_file.setdefault((name, member), []).append(i)
    out = None
    for (name, member), positions in by_file.items():
        try:
            with np.load(folder / name, allow_pickle=False) as z:
                arr, digest = z[f"a{member}"], str(z[f"s{member}"])
            ok = array_digest(arr) == digest
            reason = "checksum mismatch"
        except Exception as exc:
            ok, reason = False, f"{type(exc).__name__}: {exc}"
        if not ok:
            _drop(folder, name, reason)
            return None
        if out is None:
            out = np.empty((len(keys),) + arr.shape[1:], dtype=arr.dtype)
        out[positions] = arr[[index[keys[i]][2] for i in positions]]
    return out


def _write(folder: Path, groups: dict[str, tuple[list[str], np.ndarray]]) -> None:
    """One chunk file holding, per group, the new rows' keys and values (each with its checksum)."""
    members = {}
    for j, (keys, arr) in enumerate(groups.values()):
        arr = np.ascontiguousarray(arr)
        members[f"k{j}"] = np.array(keys, dtype="U64")
        members[f"a{j}"] = arr
        members[f"s{j}"] = np.array(array_digest(arr))
    buf = io.BytesIO()
    np.savez(buf, **members)
    name = f"rows-{array_digest(np.concatenate([members[f'k{j}'] for j in range(len(groups))]))[:32]}.npz"
    paths.atomic_write_bytes(folder / name, buf.getvalue())


def cached_rows(
    keys: Mapping[object, Sequence[str]],
    compute: Callable[[np.ndarray], Mapping[str, np.ndarray]],
    *,
    wanted: Sequence | None = None,
    namespace: str = "features",
    enabled: bool = True,
) -> dict[str, np.ndarray]:
    """Return feature rows looked up one by one, computing (once) only the rows not stored yet.

    Parameters
    ----------
    keys : mapping of str to sequence of str
        Per group (e.g. a network layer), one key per row (e.g. from
        :func:`repalign.io.cache.content_key` over an image's pixels, the model, the layer and the
        code version); every group has the same number of rows. A key names its row's content
        wherever it appears: the same key in two groups, calls or processes is the same row.
    compute : callable
        ``compute(rows)`` with an int array of row positions returns, for *every* group in
        ``keys``, an array whose i-th row belongs to ``rows[i]`` (so one pass fills all groups).
    wanted : sequence of str, optional
        The groups to return (default: all). A row is computed when a wanted group lacks it; the
        other groups' rows from that pass are stored too, for later calls.
    namespace : str
        Sub-folder of the cache.
    enabled : bool
        ``False`` computes every row and touches no file.

    Returns
    -------
    dict of str to numpy.ndarray
        The wanted groups, rows in the order of ``keys``.
    """
    keys = {g: [str(k) for k in ks] for g, ks in keys.items()}
    sizes = {len(ks) for ks in keys.values()}
    if not keys or len(sizes) != 1 or 0 in sizes:
        raise ValueError("keys must map each group to the same, non-zero number of row keys")
    wanted = list(keys) if wanted is None else list(wanted)
    missing_group = [g for g in wanted if g not in keys]
    if missing_group:
        raise ValueError(f"wanted names groups without keys: {missing_group}")
    if not isinstance(enabled, (bool, np.bool_)):
        raise TypeError(f"enabled must be True or False; got {type(enabled).__name__} {enabled!r:.20}")
    if not enabled:
        computed = compute(np.arange(sizes.pop()))
        return {g: np.asarray(computed[g]) for g in wanted}
    folder = paths.cache_dir(namespace)
    for _ in range(3):  # a corrupt chunk file is removed and its rows are computed again
        index = _index(folder)
        if not all(k in index for g in wanted for k in keys[g]):
            with locked(folder / ".lock"):
                index = _index(folder)  # another process may have stored them while we waited
                todo: dict[str, int] = {}  # first position of each absent key of a wanted group
                for g in wanted:
                    for i, k in enumerate(keys[g]):
                        if k not in index:
                            todo.setdefault(k, i)
                if todo:
                    rows = np.array(sorted(set(todo.values())))
                    computed = compute(rows)
                    new = {}
                    for g, ks in keys.items():
                        arr = np.asarray(computed[g])
                        if (
                            arr.shape[:1] != rows.shape
                            or arr.dtype == object
                            or not np.issubdtype(arr.dtype, np.number)
                        ):
                            raise TypeError(f"compute must return a numeric array of {rows.size} rows for group {g!r}")
                        fresh = {}
                        for r, pos in enumerate(rows.tolist()):
                            if ks[pos] not in index:
                                fresh.setdefault(ks[pos], r)
                        if fresh:
                            new[g] = (list(fresh), arr[list(fresh.values())])
                    _write(folder, new)
                    index = _index(folder)
        out = {g: _read(folder, index, keys[g]) for g in wanted}
        if all(v is not None for v in out.values()):
            return out
    raise RuntimeError(f"the feature cache in {folder} keeps failing its checksums; delete it ({os.fspath(folder)})")
