"""The scenes of chapter 2's in-page arena and the simulated example sessions a class can pool."""

from __future__ import annotations

import numpy as np

from repalign.arrangement.export import to_meadows
from repalign.arrangement.simulation import simulate_participant
from repalign.book.cohorts import mixed_space
from repalign.core.validation import check_int, check_seed

__all__ = ["arena_scenes", "example_reader_sessions"]


def arena_scenes(order, *, short: int = 24, long: int = 48) -> dict:
    """The scenes of the short and the longer in-page session: every 4th / 2nd scene along ``order``.

    Taking scenes at a regular step along a cluster order of the 100 scenes keeps every cluster in both
    sessions, so the reader meets the same variety of content in a few minutes.

    Parameters
    ----------
    order : sequence of int
        A permutation of the scenes (e.g. :func:`repalign.rdm.cluster_order` of the MPNet RDM).
    short, long : int
        Scenes in each session.

    Returns
    -------
    dict of str -> list of int
        ``{"short": [...], "long": [...]}``, scene indices in ``order``'s order.
    """
    order = [int(i) for i in order]
    if sorted(order) != list(range(len(order))):
        raise ValueError("order must be a permutation of the scenes")
    short = check_int(short, "short", minimum=3, maximum=len(order) // 4)
    long = check_int(long, "long", minimum=3, maximum=len(order) // 2)
    return {"short": order[::4][:short], "long": order[::2][:long]}


def example_reader_sessions(
    spaces: dict, scenes, ids, *, n_sessions: int = 4, n_trials: int = 6, weight: float = 0.6, seed=0
) -> list:
    """Simulated sessions of the in-page arena, as Meadows-style trees (the bundled class examples).

    Each simulated reader holds a mix of the MPNet caption space and the EfficientNet image space of the
    scenes (:func:`repalign.book.mixed_space`, with person-specific noise) and does one lift-the-weakest
    session of ``n_trials`` trials (:func:`repalign.arrangement.simulate_participant`).

    Parameters
    ----------
    spaces : dict
        :func:`repalign.book.special100_spaces`.
    scenes : sequence of int
        The session's scenes (indices into the spaces' rows).
    ids : sequence of str
        Their stimulus ids (names of the export).
    n_sessions, n_trials : int
        Simulated readers and trials per session.
    weight : float
        Weight of the caption space in each reader's mix.
    seed : int or numpy.random.Generator

    Returns
    -------
    list of dict
        One tree per reader (:func:`repalign.arrangement.to_meadows`), task names ``simulated_reader_1``, ...
    """
    scenes = [int(i) for i in scenes]
    n_sessions = check_int(n_sessions, "n_sessions", minimum=1)
    rng = check_seed(seed)
    shared, visual = np.asarray(spaces["shared"])[scenes], np.asarray(spaces["visual"])[scenes]
    out = []
    for k in range(n_sessions):
        mind = mixed_space(shared, visual, weight=weight, noise=0.3, seed=rng)
        trials = simulate_participant(mind, n_trials=n_trials, noise=0.05, metric="euclidean", seed=rng)
        out.append(to_meadows(trials, ids, task=f"simulated_reader_{k + 1}"))
    return out
