"""Reading Multiple Arrangements exports from Meadows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repalign.arrangement.trials import check_trials

__all__ = ["MeadowsMA", "load_meadows"]


# ------------------------------------------------------------------------------------ Meadows import
@dataclass
class MeadowsMA:
    """One Multiple Arrangements task read from a Meadows JSON export (see :func:`load_meadows`).

    Attributes
    ----------
    task : str
        The task's name.
    stimuli : list of str
        Stimulus names, in the task's order.
    trials : list of (item_indices, positions)
        The trials, indexing into ``stimuli``, positions scaled to the unit arena.
    rdm : numpy.ndarray or None
        The condensed RDM Meadows computed, if the export holds one.
    """

    task: str
    stimuli: list
    trials: list
    rdm: np.ndarray | None


def load_meadows(path, *, task: str | None = None) -> MeadowsMA:
    """Read the trials of one MA task from a Meadows "tree" JSON export of one participant.

    The file holds ``{"tasks": [{"task": {"name", "task_type": "multiarrange"}, "stimuli": [{"id", "name"}],
    "rdm": [...], "trials": [{"positions": [[stimulus_id, x, y], ...]}, ...]}, ...]}``; ``rdm`` (the upper
    triangle Meadows computed) is what ``rsatoolbox.io.meadows.load_rdms`` reads. Positions are centred on
    the arena centre (``task.arena_center``, default the origin) and divided by the largest distance from it
    over the task's trials, so every item lies in the unit arena.

    rsatoolbox's ``io.meadows`` is the reference for the format, but it reads only the *summary* RDMs:
    ``rdm`` of every ``multiarrange`` task in a single-participant tree JSON, and ``rdmutv`` in the
    ``.mat`` downloads (one or many participants). For those, use ``rsatoolbox.io.meadows.load_rdms``
    directly; this function adds the per-trial arrangements, which inverse MDS needs. It selects tasks
    as rsatoolbox does (``task_type == "multiarrange"``), keeps the task's stimulus order (rsatoolbox's
    ``sort=False``; its condition names are these names without the file extension), and returns
    the same ``rdm`` vector (tested against rsatoolbox).

    Parameters
    ----------
    path : str or pathlib.Path
        The JSON export.
    task : str, optional
        Task name; default the first ``multiarrange`` task.

    Returns
    -------
    MeadowsMA
        ``trials`` index into ``stimuli`` (the task's stimulus order).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"path {str(path)!r} is not valid JSON ({exc})") from None
    tasks = [t for t in (data.get("tasks") or []) if t.get("task", {}).get("task_type") == "multiarrange"]
    if task is not None:
        tasks = [t for t in tasks if t["task"].get("name") == task]
    if not tasks:
        raise ValueError(f"path holds no multiarrange task{'' if task is None else f' named {task!r}'}")
    t = tasks[0]
    stimuli = [s["name"] for s in t["stimuli"]]
    where = {s["id"]: i for i, s in enumerate(t["stimuli"])}
    centre = np.asarray(t["task"].get("arena_center", [0.0, 0.0]), dtype=float)
    raw = []
    for k, trial in enumerate(t.get("trials") or []):
        try:
            idx = np.array([where[p[0]] for p in trial["positions"]], dtype=np.intp)
        except KeyError as exc:
            raise ValueError(f"trials[{k}] names stimulus {exc.args[0]!r}, not among the task's stimuli") from None
        raw.append((idx, np.array([p[1:3] for p in trial["positions"]], dtype=float) - centre))
    if not raw:
        raise ValueError("the multiarrange task holds no trials with positions")
    radius = max(np.linalg.norm(p, axis=1).max() for _, p in raw)
    trials = check_trials([(i, p / radius) for i, p in raw], len(stimuli))
    rdm = None if t.get("rdm") is None else np.asarray(t["rdm"], dtype=float)
    return MeadowsMA(t["task"].get("name", ""), stimuli, trials, rdm)
