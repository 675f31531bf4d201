"""Writing a Multiple Arrangements session as a Meadows-style "tree" export (what ``load_meadows`` reads)."""

from __future__ import annotations

import numpy as np

from repalign.arrangement.inverse import inverse_mds
from repalign.arrangement.session import ArrangementSession
from repalign.arrangement.trials import check_trials

__all__ = ["to_meadows"]


def to_meadows(session, stimuli, *, names=None, task: str = "shared_spaces_reader") -> dict:
    """A session as a Meadows-style tree (JSON-serialisable), readable by :func:`load_meadows`.

    The layout is the multi-task tree real Meadows exports use: one ``multiarrange`` task, its stimuli as
    ``{id, name}`` objects, each trial's positions as ``{id, x, y}`` objects in arena coordinates (radius 1,
    centre at the origin) and ``rdm``, the upper triangle (row by row) of the ``"average"`` inverse-MDS
    estimate (``null`` for pairs never shown together). The in-page arena of chapter 2 writes the same
    layout from JavaScript, so a class can pool its students' sessions with :func:`load_meadows`.

    Parameters
    ----------
    session : ArrangementSession or sequence of (item_indices, positions)
        The session (or its trials) to write.
    stimuli : sequence of str
        Stimulus ids, one per item of the session.
    names : sequence of str, optional
        Stimulus names (default: the ids).
    task : str
        The task's name.

    Returns
    -------
    dict
        ``{"tasks": [{"task": {"name", "task_type"}, "stimuli", "trials", "rdm"}]}``.
    """
    if isinstance(stimuli, (str, bytes)) or not hasattr(stimuli, "__len__"):
        raise TypeError("stimuli must be a sequence of stimulus ids (str)")
    ids = [str(s) for s in stimuli]
    if len(set(ids)) != len(ids):
        raise ValueError("stimuli must hold distinct ids")
    names = ids if names is None else [str(n) for n in names]
    if len(names) != len(ids):
        raise ValueError(f"names holds {len(names)} entries; stimuli holds {len(ids)}")
    if not isinstance(task, str) or not task:
        raise TypeError("task must be a non-empty str")
    if isinstance(session, ArrangementSession):
        if session.n_items != len(ids):
            raise ValueError(f"stimuli holds {len(ids)} ids; the session has {session.n_items} items")
        trials, done = session.trials, session.done
    else:
        trials, done = session, True
    trials = check_trials(trials, len(ids), name="session") if len(trials) else []
    rdm = None
    if trials:
        est = inverse_mds(trials, len(ids))
        flat = est[np.triu_indices(len(ids), k=1)]
        rdm = [None if not np.isfinite(v) else float(v) for v in flat]
    return {
        "tasks": [
            {
                "status": "finished" if done else "started",
                "task": {"name": task, "task_type": "multiarrange"},
                "stimuli": [{"id": i, "name": n} for i, n in zip(ids, names)],
                "trials": [
                    {"positions": [{"id": ids[k], "x": float(x), "y": float(y)} for k, (x, y) in zip(idx, pos)]}
                    for idx, pos in trials
                ],
                "rdm": rdm,
            }
        ]
    }
