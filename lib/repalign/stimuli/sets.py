"""The book's stimulus sets (NSD scenes with COCO captions and categories), checksummed on read."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from repalign.core.validation import check_choice
from repalign.io import paths
from repalign.stimuli.images import LazyImages, open_rgb

__all__ = ["STIMULUS_SETS", "ChecksumError", "StimulusSet", "load_stimuli", "read_verified"]


#: Names accepted by :func:`load_stimuli`.
STIMULUS_SETS = ("nsd_special100", "nsd_shared1000", "coco_mini")


class ChecksumError(RuntimeError):
    """A data file does not match its recorded sha256."""


@lru_cache(maxsize=4)
def _checksums(root: Path) -> dict[str, str]:
    sums = {}
    path = root / "SHA256SUMS"
    if not path.exists():
        raise FileNotFoundError(f"checksum list missing: {path}")
    for line in path.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.strip()] = digest
    return sums


def read_verified(root: Path, relpath: str) -> bytes:
    """Read ``root/relpath`` and check it against the sha256 listed in ``root/SHA256SUMS``.

    Parameters
    ----------
    root : pathlib.Path
        The data folder (holding ``SHA256SUMS``).
    relpath : str
        The file, relative to ``root`` as listed in ``SHA256SUMS``.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    ChecksumError
        If the file is not listed or does not match its checksum.
    FileNotFoundError
        If the file is missing.
    """
    expected = _checksums(root).get(relpath)
    if expected is None:
        raise ChecksumError(f"{relpath} is not listed in {root / 'SHA256SUMS'}")
    path = root / relpath
    if not path.exists():
        raise FileNotFoundError(f"stimulus file missing: {path}")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != expected:
        raise ChecksumError(f"{path} does not match its sha256 in SHA256SUMS (file altered or corrupt)")
    return data


@dataclass(frozen=True)
class StimulusSet:
    """A set of scenes: ids, images, captions and categories, all in the same order.

    Attributes
    ----------
    name : str
        Name of the set (e.g. ``"nsd_special100"``).
    ids : numpy.ndarray
        COCO image ids (int), one per scene.
    captions : list of list of str
        At least five human captions per scene.
    categories : list of list of str
        COCO category names per scene (empty where unknown).
    images : sequence of PIL.Image.Image
        Decoded lazily; each access re-reads and verifies the file.
    files : list of str
        Image paths relative to the data folder.
    meta : pandas.DataFrame
        One row per scene with every manifest column (NSD ids, licences, provenance).
    """

    name: str
    ids: np.ndarray
    captions: list
    categories: list
    files: list
    meta: object = field(repr=False)
    root: Path = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def images(self) -> LazyImages:
        return LazyImages(len(self.files), lambda i: open_rgb(read_verified(self.root, self.files[i])))

    def subset(self, indices) -> StimulusSet:
        """Return a new set holding only the scenes at ``indices`` (in that order)."""
        idx = np.asarray(indices)
        if idx.size == 0:
            raise ValueError("indices is empty")
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise TypeError("indices must be a 1-D sequence of integers")
        if idx.min() < -len(self) or idx.max() >= len(self):
            raise ValueError(f"indices must lie in [0, {len(self)}); got {idx.min()}..{idx.max()}")
        if len(np.unique(idx % len(self))) != idx.size:
            raise ValueError("indices contains duplicates")
        pick = [int(i) for i in idx]
        return StimulusSet(
            name=f"{self.name}[subset]",
            ids=self.ids[idx],
            captions=[self.captions[i] for i in pick],
            categories=[self.categories[i] for i in pick],
            files=[self.files[i] for i in pick],
            meta=self.meta.iloc[pick].reset_index(drop=True),
            root=self.root,
        )

    def first_captions(self) -> list[str]:
        """The first human caption of every scene."""
        return [c[0] for c in self.captions]


def _read_csv(root: Path, relpath: str) -> list[dict]:
    text = read_verified(root, relpath).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def load_stimuli(name: str) -> StimulusSet:
    """Load a stimulus set shipped in ``data/``.

    Parameters
    ----------
    name : {"nsd_special100", "nsd_shared1000", "coco_mini"}
        ``"nsd_special100"``: the 100 NSD scenes of the Multiple Arrangements study, in the
        study's order, with 5 COCO captions each (the GPT-4 caption is in ``meta["gpt4_caption"]``).
        ``"nsd_shared1000"``: the 1,000 NSD shared scenes (200 px crops), in shared1000 order.
        ``"coco_mini"``: 239 original COCO 2017 photos (80 val images have no categories).

    Returns
    -------
    StimulusSet
    """
    import pandas as pd

    check_choice(name, "name", STIMULUS_SETS)
    root = paths.data_dir()
    manifest = _read_csv(root, "coco_scenes/manifest.csv")
    if name == "nsd_special100":
        rows_by_id = {r["coco_id"]: r for r in manifest}
        special = _read_csv(root, "nsd_special100/captions.csv")
        special.sort(key=lambda r: int(r["order"]))
        rows = []
        for r in special:
            m = dict(rows_by_id[r["coco_id"]])
            m["gpt4_caption"] = r["gpt4_caption"]
            rows.append(m)
    elif name == "nsd_shared1000":
        rows = [r for r in manifest if r["subset"] == "nsd_shared1000"]
        rows.sort(key=lambda r: int(r["nsd_shared1000_idx"]))
    else:
        rows = [r for r in manifest if r["subset"].startswith("coco_mini")]
        rows.sort(key=lambda r: int(r["coco_id"]))
    captions = []
    for r in rows:
        caps = [r[f"caption_{k}"] for k in range(1, 6)]
        extra = [c for c in r["extra_captions"].split(" || ") if c] if r["extra_captions"] else []
        captions.append(caps + extra)
    categories = [[c for c in r["categories"].split(";") if c] for r in rows]
    meta = pd.DataFrame(rows)
    for col in ("coco_id", "nsd_id", "nsd_file_id", "nsd_shared1000_idx", "n_captions"):
        meta[col] = pd.to_numeric(meta[col], errors="coerce").astype("Int64")
    return StimulusSet(
        name=name,
        ids=np.array([int(r["coco_id"]) for r in rows], dtype=np.int64),
        captions=captions,
        categories=categories,
        files=[f"coco_scenes/{r['file']}" for r in rows],
        meta=meta,
        root=root,
    )
