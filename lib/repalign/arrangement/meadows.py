"""Reading Multiple Arrangements "tree" exports (JSON) from Meadows, as real exports write them."""

from __future__ import annotations

import json
import numbers
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
        The condensed RDM Meadows computed (upper triangle, row by row, in ``stimuli`` order), if the
        export holds one; :func:`repalign.rdm.to_square` gives its square form.
    """

    task: str
    stimuli: list
    trials: list
    rdm: np.ndarray | None


def _read_json(path) -> object:
    """The parsed JSON at ``path``, or a one-line error naming what is wrong with the file."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path {str(path)!r} is a directory, not a Meadows JSON export")
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} does not exist")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"path {str(path)!r} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "Meadows exports JSON as UTF-8"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"path {str(path)!r} is not valid JSON ({exc})") from None


def _kind(value) -> str:
    return "null" if value is None else type(value).__name__


def _task_list(data) -> list[tuple[str, dict]]:
    """``(where, task)`` for every task of a multi-task or single-task tree, checked to be objects."""
    if not isinstance(data, dict):
        raise ValueError(
            f"the export holds a JSON {_kind(data)} at the top level; a Meadows tree export is an object "
            "with a 'tasks' list (multi-task tree) or a 'task' (single-task tree)"
        )
    if "tasks" in data:
        tasks = data["tasks"]
        if not isinstance(tasks, list):
            raise ValueError(f"'tasks' must be a list of task objects; got {_kind(tasks)}")
        where = [(f"tasks[{k}]", t) for k, t in enumerate(tasks)]
    elif "task" in data:
        where = [("the export", data)]  # single-task tree: task, stimuli, trials and rdm at the top level
    else:
        keys = ", ".join(repr(k) for k in list(data)[:6]) or "none"
        raise ValueError(
            f"the export holds neither a 'tasks' list (multi-task tree) nor a 'task' (single-task tree); keys: {keys}"
        )
    for name, t in where:
        if not isinstance(t, dict):
            raise ValueError(f"{name} must be a task object; got {_kind(t)}")
        if not isinstance(t.get("task"), dict):
            raise ValueError(f"{name} has no 'task' object (name, task_type); got {_kind(t.get('task'))}")
    return where


def _select(where: list[tuple[str, dict]], task: str | None) -> tuple[str, dict]:
    ma = [(w, t) for w, t in where if t["task"].get("task_type") == "multiarrange"]
    if task is None:
        if not ma:
            types = sorted({str(t["task"].get("task_type")) for _, t in where}) or ["none"]
            raise ValueError(f"the export holds no multiarrange task (task types: {', '.join(types)})")
        return ma[0]
    if not isinstance(task, str):
        raise TypeError(f"task must be a task name (str); got {type(task).__name__}")
    named = [(w, t) for w, t in ma if t["task"].get("name") == task]
    if not named:
        have = ", ".join(repr(t["task"].get("name")) for _, t in ma) or "none"
        raise ValueError(f"the export holds no multiarrange task named {task!r} (multiarrange tasks: {have})")
    return named[0]


def _stimuli(where: str, t: dict) -> tuple[list[str], dict]:
    stim = t.get("stimuli")
    if not isinstance(stim, list) or not stim:
        got = "missing" if "stimuli" not in t else f"{_kind(stim)}" + (" (empty)" if stim == [] else "")
        raise ValueError(f"{where} needs a non-empty 'stimuli' list of {{id, name}} objects; got {got}")
    names, index = [], {}
    for k, s in enumerate(stim):
        if not isinstance(s, dict) or "id" not in s or not isinstance(s.get("name"), str):
            raise ValueError(f"{where}.stimuli[{k}] must be an object with 'id' and a 'name' string; got {s!r:.80}")
        key = str(s["id"])
        if key in index:
            raise ValueError(f"{where}.stimuli[{k}] repeats stimulus id {key!r}")
        index[key] = k
        names.append(s["name"])
    return names, index


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{what} must be a finite number; got {value!r:.40}")
    return float(value)


def _position(p, what: str) -> tuple[str, float, float]:
    """``(stimulus id, x, y)`` of one position: an object ``{"id", "x", "y", ...}`` or a list ``[id, x, y]``."""
    if isinstance(p, dict):
        missing = [k for k in ("id", "x", "y") if k not in p]
        if missing:
            raise ValueError(f"{what} lacks {', '.join(repr(k) for k in missing)} (a position is {{id, x, y}})")
        sid, x, y = p["id"], p["x"], p["y"]
    elif isinstance(p, (list, tuple)):
        if len(p) != 3:
            raise ValueError(f"{what} holds {len(p)} value(s); a position list is [id, x, y]")
        sid, x, y = p
    else:
        raise ValueError(f"{what} must be an object {{id, x, y}} or a list [id, x, y]; got {_kind(p)}")
    return str(sid), _number(x, f"{what} x"), _number(y, f"{what} y")


def _trials(where: str, t: dict, index: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    trials = t.get("trials")
    if not isinstance(trials, list):
        raise ValueError(f"{where} needs a 'trials' list; got {'missing' if 'trials' not in t else _kind(trials)}")
    raw = []
    for k, trial in enumerate(trials):
        what = f"{where}.trials[{k}]"
        positions = trial.get("positions") if isinstance(trial, dict) else None
        if not isinstance(positions, list):
            raise ValueError(f"{what} needs a 'positions' list")
        parsed = [_position(p, f"{what}.positions[{j}]") for j, p in enumerate(positions)]
        unknown = [sid for sid, _, _ in parsed if sid not in index]
        if unknown:
            raise ValueError(f"{what} names stimulus {unknown[0]!r}, not among the task's stimuli")
        idx = np.array([index[sid] for sid, _, _ in parsed], dtype=np.intp)
        raw.append((idx, np.array([(x, y) for _, x, y in parsed], dtype=float).reshape(-1, 2)))
    if not raw:
        raise ValueError(f"{where} holds no trials with positions")
    return raw


def _rdm(where: str, t: dict, n: int) -> np.ndarray | None:
    rdm = t.get("rdm")
    if rdm is None:
        return None
    if not isinstance(rdm, list):
        raise ValueError(f"{where} 'rdm' must be a list of numbers; got {_kind(rdm)}")
    bad = [v for v in rdm if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real))]
    if bad:
        raise ValueError(f"{where} 'rdm' must hold numbers; got {bad[0]!r:.40}")
    need = n * (n - 1) // 2
    if len(rdm) != need:
        raise ValueError(f"{where} 'rdm' holds {len(rdm)} values; {n} stimuli need {need} (the upper triangle)")
    return np.array([np.nan if v is None else v for v in rdm], dtype=float)


def load_meadows(path, *, task: str | None = None) -> MeadowsMA:
    """Read the trials of one MA task from a Meadows "tree" JSON export of one participant.

    Both layouts Meadows writes are read: the multi-task tree ``{"tasks": [{"task": {"name", "task_type"},
    "stimuli": [{"id", "name", ...}], "trials": [{"positions": [...], ...}], "rdm": [...]}, ...]}``, whose
    tasks that are not ``multiarrange`` (instructions, forms) are skipped, and the single-task tree, where
    ``task``, ``stimuli``, ``trials`` and ``rdm`` sit at the top level. A trial's positions are objects
    ``{"id", "x", "y", ...}`` (as real exports write them; other keys such as ``index``, ``name`` and the
    placement ``log`` are ignored) or lists ``[id, x, y]``. Positions are centred on the arena centre
    (``task.arena_center``, default the origin, as in real exports whose coordinates lie in [-1, 1]) and
    divided by the largest distance from it over the task's trials, so every item lies in the unit arena.

    ``rdm`` (the upper triangle Meadows computed) is what ``rsatoolbox.io.meadows.load_rdms`` reads.
    rsatoolbox reads only these summary RDMs (and refuses single-task trees); this function adds the
    per-trial arrangements, which inverse MDS needs. It selects tasks as rsatoolbox does
    (``task_type == "multiarrange"``), keeps the task's stimulus order (rsatoolbox's ``sort=False``; its
    condition names are these names without the file extension), and returns the same ``rdm`` vector
    (tested against rsatoolbox). The MATLAB download is read by :func:`load_meadows_rdms`.

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

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If ``path`` is missing or a directory.
    ValueError
        With one line naming what is wrong: not UTF-8, not JSON, not a tree (a top-level list, ``tasks``
        not a list), no such task, missing or malformed ``stimuli``, ``trials`` or positions (a position
        without ``y``), an unknown stimulus in a trial, or an ``rdm`` of the wrong length.
    """
    data = _read_json(path)
    try:
        return _parse(data, task)
    except ValueError as exc:
        raise ValueError(f"{Path(path).name}: {exc}") from None


def _parse(data, task: str | None) -> MeadowsMA:
    where, t = _select(_task_list(data), task)
    stimuli, index = _stimuli(where, t)
    if len(stimuli) < 3:
        raise ValueError(f"{where} lists {len(stimuli)} stimuli; a multiple-arrangement task needs at least 3")
    centre = t["task"].get("arena_center", [0.0, 0.0])
    if not isinstance(centre, (list, tuple)) or len(centre) != 2:
        raise ValueError(f"{where} task.arena_center must be [x, y]; got {centre!r:.40}")
    centre = np.array([_number(c, f"{where} task.arena_center") for c in centre])
    raw = [(idx, pos - centre) for idx, pos in _trials(where, t, index)]
    radius = max((np.linalg.norm(p, axis=1).max() for _, p in raw if len(p)), default=0.0)
    if radius <= 0:
        raise ValueError(f"{where} places every item at the arena centre; no distances to read")
    trials = check_trials([(i, p / radius) for i, p in raw], len(stimuli), name=f"{where}.trials")
    rdm = _rdm(where, t, len(stimuli))
    name = t["task"].get("name", "")
    return MeadowsMA(name if isinstance(name, str) else str(name), stimuli, trials, rdm)
