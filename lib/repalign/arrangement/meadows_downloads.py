"""Reading Meadows downloads beside the tree JSON: the MATLAB "1D" RDMs and the Stimulus Form CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["MeadowsAnnotations", "MeadowsRDMs", "load_meadows_annotations", "load_meadows_rdms"]


def _check_file(path, what: str) -> Path:
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path {str(path)!r} is a directory, not {what}")
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} does not exist")
    return path


# ------------------------------------------------------------------------------------ MATLAB "1D" RDMs
@dataclass
class MeadowsRDMs:
    """The RDMs of a Meadows MATLAB "1D" download (see :func:`load_meadows_rdms`).

    Attributes
    ----------
    rdms : numpy.ndarray, shape (n_participants, n, n)
        One square RDM per participant, rows and columns in ``stimuli`` order.
    participants : list of str
        Meadows nicknames (e.g. ``"able-fly"``), in the file's order.
    stimuli : list of str
        Stimulus names (with their file extension), in the file's order.
    """

    rdms: np.ndarray
    participants: list
    stimuli: list


def _strings(value, what: str) -> list[str]:
    arr = np.asarray(value)
    if arr.dtype.kind != "U":
        raise ValueError(f"{what} must hold stimulus names (text); got dtype {arr.dtype}")
    return [str(s).strip() for s in arr.ravel()]


def _participant_from_name(path: Path) -> str:
    """The nickname in a single-participant download's name ``Meadows_<exp>_v_v<k>_<nickname>_<task>_1D.mat``."""
    parts = path.stem.split("_")
    return parts[-3] if len(parts) >= 3 and parts[-2].isdigit() else path.stem


def load_meadows_rdms(path) -> MeadowsRDMs:
    """Read the MATLAB "1D" download of a Meadows MA task: one or many participants' RDMs.

    A many-participant file holds ``rdmutv_<name>`` (the upper triangle, row by row, as
    ``scipy.spatial.distance.squareform`` orders it) and ``stimuli_<name>`` for each participant, where
    ``<name>`` is the nickname with ``_`` for ``-``; a one-participant file holds ``rdmutv`` and ``stimuli``
    (the nickname is then read from the file name). The stimulus order is the file's (rsatoolbox's
    ``load_rdms(..., sort=False)``; its condition names are these names without the extension); a
    participant whose stimuli come in another order is reordered to the first participant's. The values
    equal ``rsatoolbox.io.meadows.load_rdms`` (tested). The tree JSON, with trials, is read by
    :func:`load_meadows`.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.mat`` file.

    Returns
    -------
    MeadowsRDMs

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If ``path`` is missing or a directory.
    ValueError
        With one line naming what is wrong: not a MATLAB file, no ``rdmutv`` variable, a participant
        without stimuli (or with other stimuli than the first), an ``rdmutv`` of the wrong length.
    """
    from scipy.io import loadmat

    path = _check_file(path, "a Meadows .mat download")
    try:
        data = loadmat(str(path))
    except Exception as exc:  # scipy raises ValueError, TypeError or struct.error on non-MATLAB bytes
        raise ValueError(f"{path.name}: not a readable MATLAB file ({type(exc).__name__}: {exc})") from None
    if "rdmutv" in data:
        keys = [("rdmutv", "stimuli", _participant_from_name(path))]
    else:
        keys = [(k, "stimuli_" + k[len("rdmutv_") :], k[len("rdmutv_") :].replace("_", "-")) for k in data]
        keys = [k for k in keys if k[0].startswith("rdmutv_")]
    if not keys:
        found = ", ".join(k for k in data if not k.startswith("__")) or "none"
        raise ValueError(f"{path.name}: no 'rdmutv' or 'rdmutv_<participant>' variable (variables: {found})")
    rdms, participants, stimuli = [], [], None
    for utv_key, stim_key, name in keys:
        if stim_key not in data:
            raise ValueError(f"{path.name}: {utv_key!r} has no {stim_key!r} beside it (the stimulus names)")
        names = _strings(data[stim_key], f"{path.name}: {stim_key!r}")
        utv = np.asarray(data[utv_key], dtype=float).ravel()
        n = len(names)
        if utv.size != n * (n - 1) // 2:
            raise ValueError(f"{path.name}: {utv_key!r} holds {utv.size} values; {n} stimuli need {n * (n - 1) // 2}")
        square = np.zeros((n, n))
        square[np.triu_indices(n, k=1)] = utv
        square = square + square.T
        if stimuli is None:
            stimuli = names
        elif names != stimuli:
            if sorted(names) != sorted(stimuli) or len(set(names)) != n:
                raise ValueError(f"{path.name}: {stim_key!r} lists other stimuli than the first participant's")
            order = [names.index(s) for s in stimuli]
            square = square[np.ix_(order, order)]
        rdms.append(square)
        participants.append(name)
    return MeadowsRDMs(np.stack(rdms), participants, stimuli)


# ------------------------------------------------------------------------------------ Stimulus Form CSV
_NSD_NAME = re.compile(r"shared(\d{4})_nsd(\d{5})")


@dataclass
class MeadowsAnnotations:
    """One participant's ratings of NSD scenes in a Meadows Stimulus Form (see :func:`load_meadows_annotations`).

    Attributes
    ----------
    participant : str
        The Meadows nickname of the one person who rated the scenes.
    task : str
        The form's task name.
    stimuli : list of str
        Stimulus names ``sharedNNNN_nsdNNNNN``, one per row.
    nsd_file_id : numpy.ndarray of int
        The 1-based NSD file number of each stimulus (the ``nsdNNNNN`` part; ``nsd_id + 1``).
    nsd_shared1000_idx : numpy.ndarray of int
        The 1-based shared1000 rank of each stimulus (the ``sharedNNNN`` part).
    features : dict of str to numpy.ndarray
        One array per rated feature, in row order: float where every answer is a number (NaN where
        unanswered), otherwise str (``""`` where unanswered).
    """

    participant: str
    task: str
    stimuli: list
    nsd_file_id: np.ndarray
    nsd_shared1000_idx: np.ndarray
    features: dict

    def __len__(self) -> int:
        return len(self.stimuli)

    def in_order_of(self, stimuli) -> MeadowsAnnotations:
        """The ratings of the scenes of a stimulus set, in the set's order.

        Parameters
        ----------
        stimuli : repalign.stimuli.StimulusSet
            An NSD set (e.g. ``load_stimuli("nsd_special100")``); matched through its
            ``meta["nsd_file_id"]``. Rated scenes outside the set are dropped.

        Returns
        -------
        MeadowsAnnotations
            One row per scene of ``stimuli``, in its order.

        Raises
        ------
        ValueError
            If a scene of the set was not rated, or the set carries no NSD file ids.
        """
        meta = getattr(stimuli, "meta", None)
        if meta is None or "nsd_file_id" not in getattr(meta, "columns", ()):
            raise ValueError("stimuli must be a StimulusSet with NSD ids (meta['nsd_file_id'])")
        import pandas as pd

        wanted = [None if pd.isna(f) else int(f) for f in meta["nsd_file_id"]]
        row = {int(f): k for k, f in enumerate(self.nsd_file_id)}
        missing = [f for f in wanted if f not in row]
        if missing:
            name = getattr(stimuli, "name", "stimuli")
            raise ValueError(
                f"{len(missing)} of the {len(wanted)} scenes of {name!r} were not rated "
                f"(e.g. nsd_file_id {missing[0]}); the form rated {len(self)} scenes"
            )
        pick = np.array([row[f] for f in wanted], dtype=np.intp)
        return MeadowsAnnotations(
            self.participant,
            self.task,
            [self.stimuli[k] for k in pick],
            self.nsd_file_id[pick],
            self.nsd_shared1000_idx[pick],
            {k: v[pick] for k, v in self.features.items()},
        )


def _feature_array(values: list) -> np.ndarray:
    given = [v for v in values if v is not None and v != ""]
    try:
        [float(v) for v in given]
    except (TypeError, ValueError):
        return np.array(["" if v is None else str(v) for v in values])
    return np.array([np.nan if v is None or v == "" else float(v) for v in values], dtype=float)


def load_meadows_annotations(path) -> MeadowsAnnotations:
    """Read a Meadows "Stimulus Form" CSV download: ONE participant's feature ratings of NSD scenes.

    The file (``Meadows_<exp>_v_v<k>_<nickname>_<task>_annotations.csv``) has one row per rated scene,
    with ``task``, ``participation`` (the nickname), ``label`` (a JSON object of the answers, e.g.
    ``{"distance": "0.71", "animacy": "No", "inoutdoors": "Outdoor", "color": "green"}``) and
    ``stim1_name`` (``sharedNNNN_nsdNNNNN``). These are the judgements of a single person: a small
    human feature space, not a group norm. Features whose answers are all numbers become floats,
    the others strings. :meth:`MeadowsAnnotations.in_order_of` puts the rows in the order of a
    :class:`repalign.stimuli.StimulusSet` (e.g. ``load_stimuli("nsd_special100")``) through
    ``nsd_file_id``.

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.

    Returns
    -------
    MeadowsAnnotations
        Rows in the file's order.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If ``path`` is missing or a directory.
    ValueError
        With one line naming what is wrong: not UTF-8, a missing column, more than one participant or
        task, a label that is not a JSON object, a stimulus name not ``sharedNNNN_nsdNNNNN``, a scene
        rated twice.
    """
    path = _check_file(path, "a Meadows annotations CSV")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    need = ("task", "participation", "label", "stim1_name")
    missing = [c for c in need if not rows or c not in rows[0]]
    if not rows or missing:
        raise ValueError(f"{path.name}: no rows" if not rows else f"{path.name}: missing column(s) {missing}")
    for col in ("participation", "task"):
        found = sorted({r[col] for r in rows})
        if len(found) != 1:
            raise ValueError(f"{path.name}: one {col} expected per file; found {found[:4]}")
    labels, ids, seen = [], [], {}
    for k, r in enumerate(rows, start=2):  # line numbers: the header is line 1
        try:
            label = json.loads(r["label"])
        except (TypeError, json.JSONDecodeError):
            label = None
        if not isinstance(label, dict):
            raise ValueError(f"{path.name}: line {k}: label {r['label']!r:.60} is not a JSON object")
        m = _NSD_NAME.fullmatch((r["stim1_name"] or "").strip())
        if m is None:
            raise ValueError(f"{path.name}: line {k}: stim1_name {r['stim1_name']!r} is not sharedNNNN_nsdNNNNN")
        if m.group(0) in seen:
            raise ValueError(f"{path.name}: line {k}: {m.group(0)} was already rated on line {seen[m.group(0)]}")
        seen[m.group(0)] = k
        labels.append(label)
        ids.append((int(m.group(2)), int(m.group(1))))
    names = list(dict.fromkeys(key for label in labels for key in label))
    features = {key: _feature_array([label.get(key) for label in labels]) for key in names}
    ids = np.array(ids, dtype=np.int64)
    return MeadowsAnnotations(rows[0]["participation"], rows[0]["task"], list(seen), ids[:, 0], ids[:, 1], features)
