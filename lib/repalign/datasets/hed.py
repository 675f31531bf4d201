"""Human HED tag annotations of the NSD shared1000 scenes, in the order of a ``StimulusSet``."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np

from repalign.io import paths
from repalign.stimuli.sets import StimulusSet, read_verified

__all__ = ["HED_FILE", "HedTags", "load_hed", "parse_hed"]


#: The shipped annotations, relative to the data folder (checked against ``SHA256SUMS`` on every load).
HED_FILE = "nsd_hed/shared1000_HED.tsv"

_COLUMNS = ("File_Name", "nsd_id", "cocoId", "HED_short", "HED_long")


def parse_hed(text: str) -> frozenset:
    """The flat set of tags of one HED string: its groups ``( … )`` are dissolved, each tag kept once.

    ``"(Foreground-view, ((Item-count, High), Ingestible-object))"`` becomes
    ``{"Foreground-view", "Item-count", "High", "Ingestible-object"}``. Tags keep their value or
    sub-path (``"Item-count/1"``, ``"Agent-trait/Adult"``), so counts and traits stay distinct tags.

    Parameters
    ----------
    text : str
        A HED annotation string (short or long form).

    Returns
    -------
    frozenset of str
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a HED string; got {type(text).__name__}")
    return frozenset(t.strip() for t in re.split(r"[(),]", text) if t.strip())


@dataclass(frozen=True)
class HedTags:
    """The HED tags of a set of scenes, in the order of the ``StimulusSet`` they were loaded for.

    Each scene carries its tags both parsed (a flat set) and raw (short and long form).

    Attributes
    ----------
    stimuli : str
        The name of the stimulus set.
    ids : numpy.ndarray of int
        COCO ids of the scenes (equal to ``StimulusSet.ids``).
    nsd_ids : numpy.ndarray of int
        0-based NSD ids of the scenes (the join key).
    tags : list of frozenset of str
        The flat tag set of each scene (:func:`parse_hed` of ``hed_short``), about 11 tags each.
    hed_short : list of str
        The raw short-form HED string of each scene, with its grouping (foreground and background views).
    hed_long : list of str
        The raw long-form HED string (full schema paths) of each scene.
    """

    stimuli: str
    ids: np.ndarray = field(repr=False)
    nsd_ids: np.ndarray = field(repr=False)
    tags: list = field(repr=False)
    hed_short: list = field(repr=False)
    hed_long: list = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def vocabulary(self) -> list[str]:
        """Every tag used in these scenes, sorted."""
        return sorted(set().union(*self.tags))


def _read_hed() -> dict[int, dict]:
    text = read_verified(paths.data_dir(), HED_FILE).decode("utf-8")
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{HED_FILE} lacks the columns {missing}")
    return {int(r["nsd_id"]): r for r in reader}


def load_hed(stimuli: StimulusSet) -> HedTags:
    """Load the human HED tags of every scene of ``stimuli``, in its order.

    HED annotations (Hierarchical Event Descriptors, written by people) exist for all 1,000 NSD shared1000
    scenes, hence for ``"nsd_special100"`` and ``"nsd_shared1000"`` and their subsets; ``"coco_mini"``
    has none. Rows are joined on the 0-based NSD id and checked against the COCO id; the file's sha256 is
    checked against ``data/SHA256SUMS``.

    Parameters
    ----------
    stimuli : repalign.stimuli.StimulusSet
        NSD scenes (from :func:`repalign.stimuli.load_stimuli`).

    Returns
    -------
    HedTags

    Raises
    ------
    ValueError
        If a scene has no NSD id or no HED annotation (e.g. ``coco_mini``).
    repalign.stimuli.ChecksumError
        If the annotation file was altered.
    """
    if not isinstance(stimuli, StimulusSet):
        raise TypeError(f"stimuli must be a StimulusSet (from load_stimuli); got {type(stimuli).__name__}")
    meta = stimuli.meta
    nsd = meta["nsd_id"] if "nsd_id" in meta else None
    if nsd is None or bool(nsd.isna().any()):
        n_bad = len(stimuli) if nsd is None else int(nsd.isna().sum())
        raise ValueError(
            f"{stimuli.name!r} has {n_bad} scenes without an NSD id; HED tags exist only for NSD shared1000 "
            "scenes (nsd_special100, nsd_shared1000)"
        )
    rows = _read_hed()
    nsd_ids = np.array([int(v) for v in nsd], dtype=np.int64)
    absent = [int(i) for i in nsd_ids if int(i) not in rows]
    if absent:
        raise ValueError(
            f"{len(absent)} scenes of {stimuli.name!r} have no HED annotation (nsd_id {absent[:3]}…); "
            "HED tags exist only for NSD shared1000 scenes"
        )
    picked = [rows[int(i)] for i in nsd_ids]
    coco = np.array([int(r["cocoId"]) for r in picked], dtype=np.int64)
    if not np.array_equal(coco, np.asarray(stimuli.ids, dtype=np.int64)):
        bad = int(np.flatnonzero(coco != np.asarray(stimuli.ids))[0])
        raise ValueError(
            f"{HED_FILE}: nsd_id {int(nsd_ids[bad])} has cocoId {int(coco[bad])}, but the stimulus set says "
            f"{int(stimuli.ids[bad])}"
        )
    short = [r["HED_short"] for r in picked]
    return HedTags(
        stimuli=stimuli.name,
        ids=coco,
        nsd_ids=nsd_ids,
        tags=[parse_hed(s) for s in short],
        hed_short=short,
        hed_long=[r["HED_long"] for r in picked],
    )
