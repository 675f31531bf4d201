"""The playable Multiple Arrangements task (anywidget: Jupyter, JupyterLab, Colab)."""

from __future__ import annotations

from pathlib import Path

import anywidget
import numpy as np
import traitlets

from repalign.arrangement.session import ArrangementSession
from repalign.plotting.rdm import rdm_heatmaps
from repalign.plotting.style import thumbnail_uri
from repalign.rdm.compare import compare_rdms
from repalign.rdm.compute import to_square

__all__ = ["ArenaWidget", "compare_with_models", "play_arrangement"]


_STATIC = Path(__file__).parent / "_static"


class ArenaWidget(anywidget.AnyWidget):
    """The arena: the current trial's thumbnails, draggable, and a "next trial" button.

    Parameters
    ----------
    session : repalign.arrangement.ArrangementSession
        Sequencing, evidence and estimate; the widget shows ``session.current_items``.
    images : sequence of PIL.Image.Image
        One image per item of the session (``session.n_items`` of them).
    titles : sequence of str, optional
        Tooltip of each item (e.g. its caption).
    on_done : callable, optional
        Called as ``on_done(session)`` when the session ends.
    size : int
        Arena diameter in pixels.
    thumb_size : int
        Thumbnail edge in pixels.

    Attributes
    ----------
    positions : list of [x, y]
        Positions of the current items (arena radius 1, y up), synced both ways with the browser.
    """

    _esm = _STATIC / "arena.js"
    _css = _STATIC / "arena.css"
    thumbnails = traitlets.List(traitlets.Unicode()).tag(sync=True)
    titles = traitlets.List(traitlets.Unicode()).tag(sync=True)
    positions = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    trial = traitlets.Int(0).tag(sync=True)
    done = traitlets.Bool(False).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    size = traitlets.Int(480).tag(sync=True)
    thumb_size = traitlets.Int(64).tag(sync=True)

    def __init__(self, session, images, titles=None, *, on_done=None, size: int = 480, thumb_size: int = 64):
        if not isinstance(session, ArrangementSession):
            raise TypeError(f"session must be an ArrangementSession; got {type(session).__name__}")
        if session.done:
            raise ValueError("session is already over")
        if len(images) != session.n_items:
            raise ValueError(f"images holds {len(images)} images; the session has {session.n_items} items")
        titles = [str(i) for i in range(session.n_items)] if titles is None else [str(t) for t in titles]
        if len(titles) != session.n_items:
            raise ValueError(f"titles holds {len(titles)} entries; the session has {session.n_items} items")
        if on_done is not None and not callable(on_done):
            raise TypeError("on_done must be callable")
        for name, value in (("size", size), ("thumb_size", thumb_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 8:
                raise ValueError(f"{name} must be an integer >= 8; got {value!r}")
        super().__init__(size=size, thumb_size=thumb_size)
        self.session = session
        self._thumbs = [thumbnail_uri(img, 2 * thumb_size) for img in images]
        self._titles = titles
        self._on_done = on_done
        self.on_msg(self._handle_message)
        self._show_trial()

    def _handle_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("event") == "next" and not self.done:
            self.next()

    def next(self):
        """Submit the current :attr:`positions` (the reader's arrangement) and show the next trial.

        Returns
        -------
        numpy.ndarray or None
            The next trial's items, or ``None`` when the session has ended.

        Raises
        ------
        RuntimeError
            If the session is over (raised by :meth:`repalign.arrangement.ArrangementSession.submit`).
        """
        self.session.submit(np.asarray(self.positions, dtype=float))
        self._show_trial()
        return self.session.current_items

    def _show_trial(self) -> None:
        s = self.session
        if s.done:
            self.message = f"Done: {len(s.trials)} trials. Thank you!"
            self.done = True
            if self._on_done is not None:
                self._on_done(s)
            return
        idx = s.current_items
        with self.hold_sync():
            self.thumbnails = [self._thumbs[i] for i in idx]
            self.titles = [self._titles[i] for i in idx]
            self.positions = s.start_positions().tolist()
            self.trial = len(s.trials) + 1
            self.message = (
                f"Trial {self.trial} (at most {s.max_trials}): drag the {idx.size} scenes so that "
                "similar ones lie close together, then press next."
            )


def compare_with_models(session, model_rdms: dict, *, method: str = "spearman", estimator: str = "average") -> dict:
    """Correlation of a session's estimated RDM with each model RDM (over the session's items).

    Parameters
    ----------
    session : repalign.arrangement.ArrangementSession
        With at least one trial submitted.
    model_rdms : dict of str -> array-like
        Model RDMs over the session's items (square or condensed).
    method : {"spearman", "pearson", "kendall_tau_a"}
        The RDM comparison.
    estimator : {"average", "iterative"}
        How the session's RDM is estimated (see :func:`repalign.arrangement.inverse_mds`).

    Returns
    -------
    dict of str -> float
        One correlation per model.
    """
    if not isinstance(model_rdms, dict) or not model_rdms:
        raise TypeError("model_rdms must be a non-empty dict mapping names to RDMs")
    est = session.estimate(estimator=estimator)
    out = {}
    for name, m in model_rdms.items():
        m = to_square(m, name=f"model_rdms[{name!r}]")
        if m.shape != est.shape:
            raise ValueError(f"model_rdms[{name!r}] covers {m.shape[0]} items; the session has {est.shape[0]}")
        out[name] = compare_rdms(est, m, method=method)
    return out


def play_arrangement(
    images,
    titles,
    model_rdms: dict,
    *,
    max_trials: int = 6,
    max_items: int | None = None,
    seed=0,
    size: int = 480,
    thumb_size: int = 64,
):
    """The playable MA task: the arena, and at the end the reader's RDM beside the model RDMs.

    Parameters
    ----------
    images : sequence of PIL.Image.Image
        The scenes to arrange (12–20 works well).
    titles : sequence of str
        Tooltips (and heatmap hover labels) of the scenes.
    model_rdms : dict of str -> array-like
        Model RDMs over the same scenes, compared with the reader's RDM (Spearman rho) at the end.
    max_trials, max_items, seed
        See :class:`repalign.arrangement.ArrangementSession`.
    size, thumb_size : int
        See :class:`ArenaWidget`.

    Returns
    -------
    ipywidgets.VBox
        ``children[0]`` is the :class:`ArenaWidget`; ``children[1]`` an output area for the result.
    """
    import sys

    import ipywidgets as w
    from IPython.display import display

    if "google.colab" in sys.modules:  # Colab draws third-party widgets through its custom widget manager
        from google.colab import output as colab_output

        colab_output.enable_custom_widget_manager()
    out = w.Output()
    session = ArrangementSession(len(images), max_trials=max_trials, max_items=max_items, seed=seed)

    def finished(s):
        rho = compare_with_models(s, model_rdms)
        panels = {"your RDM": s.estimate(), **{f"{k} (ρ = {rho[k]:.2f})": v for k, v in model_rdms.items()}}
        with out:
            display(rdm_heatmaps(panels, list(titles), title="Your arrangement vs the models (Spearman ρ)"))

    arena = ArenaWidget(session, images, titles, on_done=finished, size=size, thumb_size=thumb_size)
    return w.VBox([arena, out])
