"""A Multiple Arrangements session as a state machine (used by the arena)."""

from __future__ import annotations

import numpy as np

from repalign.arrangement.design import lift_the_weakest
from repalign.arrangement.inverse import inverse_mds
from repalign.arrangement.trials import _evidence, check_trials
from repalign.core.validation import check_int, check_real, check_seed

__all__ = ["ArrangementSession"]


# ------------------------------------------------------------------------------------ a task session
class ArrangementSession:
    """A programmatic MA session: trial sequencing, evidence and the estimate, for a person or a program.

    Parameters
    ----------
    n_items : int
        Items in the stimulus set (the first trial shows all of them).
    max_trials : int
        Trial budget (including the first trial).
    criterion : float
        Lift-the-weakest's evidence-utility criterion; the session ends early when it is met.
    max_items : int, optional
        Largest later subset.
    seed : int or numpy.random.Generator
        Seeds the starting layouts offered for each trial.

    Examples
    --------
    >>> s = ArrangementSession(5, max_trials=2)
    >>> while not s.done:
    ...     s.submit(s.start_positions())   # a person would drag the items first
    >>> s.estimate().shape
    (5, 5)
    """

    def __init__(
        self, n_items: int, *, max_trials: int = 8, criterion: float = 0.5, max_items: int | None = None, seed=0
    ):
        self.n_items = check_int(n_items, "n_items", minimum=3)
        self.max_trials = check_int(max_trials, "max_trials", minimum=1)
        self.max_items = None if max_items is None else check_int(max_items, "max_items", minimum=3, maximum=n_items)
        self.criterion = check_real(criterion, "criterion", minimum=0.0, maximum=1.0)
        self._rng = check_seed(seed)
        self.trials: list = []
        self.evidence = np.zeros((self.n_items, self.n_items))
        self.current_items: np.ndarray | None = np.arange(self.n_items)

    @property
    def done(self) -> bool:
        """Whether the session has ended (budget spent or evidence criterion met)."""
        return self.current_items is None

    def start_positions(self) -> np.ndarray:
        """Starting layout for the current trial: the items evenly spaced on a ring of radius 0.8.

        Returns
        -------
        numpy.ndarray, shape (k, 2)
            Arena positions (radius 1) of ``current_items``, the ring rotated at random.
        """
        if self.done:
            raise RuntimeError("the session is over; no current trial")
        k = self.current_items.size
        angle = 2 * np.pi * np.arange(k) / k + self._rng.uniform(0, 2 * np.pi)
        return 0.8 * np.column_stack([np.cos(angle), np.sin(angle)])

    def submit(self, positions) -> np.ndarray | None:
        """Record the arrangement of the current items and return the next trial's items (``None`` at the end).

        Parameters
        ----------
        positions : array-like, shape (k, 2)
            Arena positions (radius 1) of ``current_items``, in that order.

        Returns
        -------
        numpy.ndarray or None
            The next trial's items, or ``None`` when the session has ended.
        """
        if self.done:
            raise RuntimeError("the session is over; no trial to submit")
        trial = check_trials([(self.current_items, positions)], self.n_items, name="positions")[0]
        if np.any(np.linalg.norm(trial[1], axis=1) > 1 + 1e-9):
            raise ValueError("positions must lie inside the arena (radius 1)")
        self.trials.append(trial)
        self.evidence += _evidence([trial], self.n_items)
        if len(self.trials) >= self.max_trials:
            self.current_items = None
        else:
            self.current_items = lift_the_weakest(self.evidence, criterion=self.criterion, max_items=self.max_items)
        return self.current_items

    def estimate(self, *, estimator: str = "average") -> np.ndarray:
        """The RDM estimated from the trials so far.

        Parameters
        ----------
        estimator : {"average", "iterative"}
            See :func:`repalign.arrangement.inverse_mds`.

        Returns
        -------
        numpy.ndarray, shape (n_items, n_items)
        """
        if not self.trials:
            raise RuntimeError("no trial submitted yet")
        return inverse_mds(self.trials, self.n_items, estimator=estimator)

    def to_dict(self) -> dict:
        """A JSON-serialisable record of the session (to replay it, e.g. on a static page).

        Returns
        -------
        dict
            ``{"n_items": int, "trials": [{"items": [...], "positions": [[x, y], ...]}, ...]}``.
        """
        return {
            "n_items": self.n_items,
            "trials": [{"items": i.tolist(), "positions": p.tolist()} for i, p in self.trials],
        }
