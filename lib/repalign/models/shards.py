"""Image features of large collections in resumable, checksummed shards (optionally on Dask)."""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_int
from repalign.io import paths
from repalign.io.cache import CACHE_VERSION, array_digest, content_key
from repalign.stimuli.images import open_rgb

__all__ = ["ShardedFeatures", "extract_image_features"]


@dataclass(frozen=True)
class ShardedFeatures:
    """Result of :func:`extract_image_features`.

    Attributes
    ----------
    ids : numpy.ndarray
        Image ids (int64), in the order of the rows.
    features : numpy.ndarray
        ``(n_images, n_features)`` float32.
    files : list of str
        Image paths, in the same order.
    computed : list of int
        Shards computed by this call (the others were read back from ``out_dir``).
    """

    ids: np.ndarray
    features: np.ndarray
    files: list
    computed: list


def _shard_key(files: list[str], model: str, layer: str) -> str:
    """Names and sizes of a shard's images, the model, layer and code version (cheap: no pixel reads)."""
    stats = [(Path(f).name, Path(f).stat().st_size) for f in files]
    return content_key(images=stats, model=model, layer=layer, version=CACHE_VERSION)


def _read_shard(path: Path, key: str, n: int):
    """The features stored in ``path`` if it is complete and matches ``key``; else None (with a reason)."""
    if not path.exists():
        return None, "missing"
    try:
        with np.load(path, allow_pickle=False) as z:
            arr, digest, stored = z["features"], str(z["sha256"]), str(z["key"])
    except Exception as exc:  # truncated zip, missing member, bad header ...
        return None, f"unreadable ({type(exc).__name__})"
    if stored != key:
        return None, "made from other images or another model"
    if arr.shape[0] != n or array_digest(arr) != digest:
        return None, "checksum mismatch"
    return arr, "ok"


def _compute_shard(files: list[str], model: str, layer: str, batch_size: int, path: str, key: str) -> int:
    """Features of ``files`` written atomically to ``path``; returns the number of rows."""
    from repalign.models.vision import image_features

    parts = []
    for s in range(0, len(files), batch_size):
        batch = [open_rgb(f) for f in files[s : s + batch_size]]
        parts.append(image_features(batch, model=model, layer=layer, progress=False, cache=False))
    arr = np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)
    buf = io.BytesIO()
    np.savez(buf, features=arr, sha256=np.array(array_digest(arr)), key=np.array(key))
    paths.atomic_write_bytes(Path(path), buf.getvalue())
    return int(arr.shape[0])


def extract_image_features(
    files,
    out_dir,
    *,
    ids=None,
    model: str = "efficientnet_lite0",
    layer: str = "head",
    shard_size: int = 128,
    batch_size: int = 32,
    client=None,
    progress: bool = True,
) -> ShardedFeatures:
    """Features of many image files, computed in resumable shards (locally or as Dask tasks).

    Parameters
    ----------
    files : sequence of str or pathlib.Path
        Image files, e.g. from :func:`repalign.stimuli.coco_image_list`.
    out_dir : str or pathlib.Path
        Folder of the shards (``shard_00000.npz`` ...); created if needed. Use one folder per
        image list, model and layer; a shard made from other images or another model is detected
        (by file names and sizes) and recomputed.
    ids : array-like of int, optional
        Image ids returned with the features (default ``0 .. n-1``).
    model : {"efficientnet_lite0"}
        As in :func:`repalign.models.image_features`.
    layer : str
        One layer of :data:`repalign.models.EFFICIENTNET_LAYERS` (default ``"head"``, 1280-d).
    shard_size : int, default 128
        Images per shard (per task on a cluster); the unit of work redone after an interruption.
    batch_size : int, default 32
        Images decoded and held in memory at once (each goes through the network alone).
    client : distributed.Client, optional
        Compute missing shards as tasks on a Dask cluster; results are gathered from ``out_dir``.
    progress : bool
        Progress bar over shards.

    Returns
    -------
    ShardedFeatures
        ``ids``, ``features``, ``files`` and ``computed``.
    """
    from repalign.models.vision import EFFICIENTNET_LAYERS, IMAGE_MODELS

    check_choice(model, "model", IMAGE_MODELS)
    check_choice(layer, "layer", EFFICIENTNET_LAYERS)
    shard_size = check_int(shard_size, "shard_size", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if isinstance(files, (str, Path)) or not hasattr(files, "__len__"):
        raise TypeError("files must be a sequence of image paths (see repalign.stimuli.coco_image_list)")
    files = [str(f) for f in files]
    if not files:
        raise ValueError("files is empty")
    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} of files do not exist, e.g. {missing[0]}")
    if ids is None:
        ids = np.arange(len(files), dtype=np.int64)
    else:
        ids = np.asarray(ids)
        if ids.shape != (len(files),) or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be {len(files)} integers, one per file")
        ids = ids.astype(np.int64)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    shards = [files[s : s + shard_size] for s in range(0, len(files), shard_size)]
    shard_paths = [out / f"shard_{k:05d}.npz" for k in range(len(shards))]
    keys = [_shard_key(f, model, layer) for f in shards]
    todo = []
    for k, (path, key, fs) in enumerate(zip(shard_paths, keys, shards)):
        arr, why = _read_shard(path, key, len(fs))
        if arr is None:
            if why != "missing":
                warnings.warn(f"shard {path.name} is {why}; recomputing", RuntimeWarning, stacklevel=2)
            todo.append(k)
    args = [(shards[k], model, layer, batch_size, str(shard_paths[k]), keys[k]) for k in todo]
    if client is not None and todo:
        from repalign.distributed import check_client, gather_in_order

        check_client(client)
        run = uuid.uuid4().hex[:12]  # fresh task keys: a finished task of an earlier call is never reused
        futures = [client.submit(_compute_shard, *a, pure=False, key=f"features-{run}-{k}") for k, a in zip(todo, args)]
        gather_in_order(client, futures, progress=progress, desc="feature shards")
    else:
        for a in progress_bar(args, enabled=progress, desc="feature shards", unit="shard"):
            _compute_shard(*a)
    for stale in out.glob(".shard_*.tmp"):  # left by a process killed while writing
        stale.unlink(missing_ok=True)
    parts = []
    for path, key, fs in zip(shard_paths, keys, shards):
        arr, why = _read_shard(path, key, len(fs))
        if arr is None:
            raise RuntimeError(f"shard {path} is {why} after computing it (is out_dir shared with the workers?)")
        parts.append(arr)
    return ShardedFeatures(ids, np.concatenate(parts), files, todo)
