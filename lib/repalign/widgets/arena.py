"""The playable Multiple Arrangements task: one front end, two hosts.

In Jupyter, JupyterLab and Colab, :class:`ArenaWidget` (an anywidget) draws the trials and Python runs
the task (:class:`repalign.arrangement.ArrangementSession`). On the published website there is no kernel:
:func:`repalign.widgets.page.arena_page` writes the same front end into the page with the scenes and reference RDMs, and the
JavaScript twin of the task logic (``_static/ma_task.js``, tested against the Python implementation)
runs the whole task in the browser. Both hosts end with the reader's RDM beside the references and a
table of Spearman correlations with context, and both export the session as a Meadows-style tree
(:func:`repalign.arrangement.to_meadows`; read back with :func:`repalign.arrangement.load_meadows`).
"""

from __future__ import annotations

import json
from pathlib import Path

import anywidget
import numpy as np
import traitlets

from repalign.arrangement.export import to_meadows
from repalign.arrangement.session import ArrangementSession
from repalign.core.validation import check_int
from repalign.inference.ceiling import noise_ceiling
from repalign.plotting.style import thumbnail_uri
from repalign.rdm.compare import compare_rdms
from repalign.rdm.compute import to_square

__all__ = ["ArenaWidget", "compare_with_models", "front_end", "play_arrangement"]


_STATIC = Path(__file__).parent / "_static"


def front_end() -> str:
    """The arena's front end as one ES module: the task logic (``ma_task.js``) and the interface (``arena.js``).

    Returns
    -------
    str
        JavaScript source; its default export is the anywidget ``render``, its named export ``mount`` runs
        the task in a page without a kernel.
    """
    logic = (_STATIC / "ma_task.js").read_text(encoding="utf-8")
    ui = (_STATIC / "arena.js").read_text(encoding="utf-8")
    ui = "\n".join(line for line in ui.splitlines() if not line.startswith("import "))
    return logic + "\n" + ui


def _json_rdm(rdm: np.ndarray, digits: int | None = None) -> list:
    """Nested lists for JSON (NaN -> null), optionally rounded to ``digits`` significant digits."""
    out = []
    for row in np.asarray(rdm, dtype=float):
        out.append([None if not np.isfinite(v) else float(v if digits is None else f"{v:.{digits}g}") for v in row])
    return out


def _references(model_rdms, n: int) -> dict:
    if not isinstance(model_rdms, dict) or not model_rdms:
        raise TypeError("model_rdms must be a non-empty dict mapping names to RDMs")
    out = {}
    for name, m in model_rdms.items():
        m = to_square(m, name=f"model_rdms[{name!r}]")
        if m.shape != (n, n):
            raise ValueError(f"model_rdms[{name!r}] covers {m.shape[0]} items; expected {n}")
        out[str(name)] = m
    return out


def _context(participants, references: dict, n: int) -> tuple[dict, dict | None]:
    """Per reference, the middle 90 % of the participants' Spearman rho; and the group mean's noise ceiling."""
    if participants is None:
        return {}, None
    stack = np.asarray(participants, dtype=float)
    if stack.ndim != 3 or stack.shape[1:] != (n, n) or stack.shape[0] < 3:
        raise ValueError(f"participants must be a stack of at least 3 RDMs of shape ({n}, {n}); got {stack.shape}")
    spread = {}
    for name, m in references.items():
        rho = [compare_rdms(p, m) for p in stack]
        spread[name] = [float(np.percentile(rho, 5)), float(np.percentile(rho, 95))]
    nc = noise_ceiling(stack, method="spearman")
    return spread, {"mean": stack.mean(0), "ceiling": [nc.lower, nc.upper]}


def _result(reader: np.ndarray, labels, references: dict, order, spread: dict, group, note: str) -> dict:
    refs = [
        {
            "name": k,
            "rdm": _json_rdm(m),
            "rho": float(compare_rdms(reader, m)),
            "spread": spread.get(k),
            "ceiling": None,
        }
        for k, m in references.items()
    ]
    if group is not None:
        refs.append(
            {
                "name": "simulated group mean",
                "rdm": _json_rdm(group["mean"]),
                "rho": float(compare_rdms(reader, group["mean"])),
                "spread": None,
                "ceiling": group["ceiling"],
            }
        )
    return {
        "labels": list(labels),
        "order": [int(i) for i in order],
        "reader": _json_rdm(reader),
        "references": refs,
        "note": note,
    }


def _order(order, n: int) -> list:
    if order is None:
        return list(range(n))
    order = [check_int(i, "order", minimum=0, maximum=n - 1) for i in order]
    if sorted(order) != list(range(n)):
        raise ValueError(f"order must be a permutation of range({n})")
    return order


class ArenaWidget(anywidget.AnyWidget):
    """The arena in a notebook: the current trial's thumbnails, draggable, and a "next trial" button.

    A "next" from the browser is accepted once per trial (a double click cannot submit the following
    trial's untouched starting ring), and a trial whose items were not moved is refused with a message.
    At the end the items lock and the result (the reader's RDM beside the references, ordered by
    ``order``, and a table of Spearman correlations) appears under the arena.

    Parameters
    ----------
    session : repalign.arrangement.ArrangementSession
        Sequencing, evidence and estimate; the widget shows ``session.current_items``.
    images : sequence of PIL.Image.Image
        One image per item of the session (``session.n_items`` of them).
    titles : sequence of str, optional
        Alt text and tooltip of each item (e.g. its first caption).
    ids : sequence of str, optional
        Stimulus ids (``data-item`` of each thumbnail, and the ids and names of the exported session; default
        ``"0"``, ``"1"``, ...). Use ids that name the scenes (e.g. ``"coco_000000000139"``) so that sessions of
        several people can be pooled by name.
    model_rdms : dict of str -> array-like, optional
        Reference RDMs over the session's items, compared with the reader's RDM at the end.
    participants : array-like, shape (n_participants, n_items, n_items), optional
        Other (e.g. simulated) participants' RDMs: the result table shows their spread and noise ceiling.
    order : sequence of int, optional
        Item order of the result heatmaps (e.g. :func:`repalign.rdm.cluster_order` of a reference).
    on_done : callable, optional
        Called as ``on_done(session)`` when the session ends.
    size : int
        Arena diameter in pixels.
    thumb_size : int
        Largest thumbnail edge in pixels (thumbnails shrink when a trial shows many items).
    note : str
        A sentence shown under the result table.

    Attributes
    ----------
    positions : list of [x, y]
        Positions of the current items (arena radius 1, y up), synced both ways with the browser.
    result : dict
        The end-of-session result as the browser draws it (empty before the end).
    """

    _esm = front_end()
    _css = _STATIC / "arena.css"
    thumbnails = traitlets.List(traitlets.Unicode()).tag(sync=True)
    titles = traitlets.List(traitlets.Unicode()).tag(sync=True)
    item_ids = traitlets.List(traitlets.Unicode()).tag(sync=True)
    positions = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    trial = traitlets.Int(0).tag(sync=True)
    done = traitlets.Bool(False).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    size = traitlets.Int(480).tag(sync=True)
    thumb_size = traitlets.Int(88).tag(sync=True)
    result = traitlets.Dict().tag(sync=True)
    export = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        session,
        images,
        titles=None,
        *,
        ids=None,
        model_rdms=None,
        participants=None,
        order=None,
        on_done=None,
        size: int = 480,
        thumb_size: int = 88,
        note: str = "",
    ):
        if not isinstance(session, ArrangementSession):
            raise TypeError(f"session must be an ArrangementSession; got {type(session).__name__}")
        if session.done:
            raise ValueError("session is already over")
        n = session.n_items
        if len(images) != n:
            raise ValueError(f"images holds {len(images)} images; the session has {n} items")
        titles = [str(i) for i in range(n)] if titles is None else [str(t) for t in titles]
        if len(titles) != n:
            raise ValueError(f"titles holds {len(titles)} entries; the session has {n} items")
        ids = [str(i) for i in range(n)] if ids is None else [str(i) for i in ids]
        if len(ids) != n or len(set(ids)) != n:
            raise ValueError(f"ids must hold {n} distinct entries; got {len(ids)} ({len(set(ids))} distinct)")
        if on_done is not None and not callable(on_done):
            raise TypeError("on_done must be callable")
        for name, value in (("size", size), ("thumb_size", thumb_size)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 8:
                raise ValueError(f"{name} must be an integer >= 8; got {value!r}")
        self._references = {} if model_rdms is None else _references(model_rdms, n)
        self._spread, self._group = _context(participants, self._references, n)
        self._order = _order(order, n)
        self._note = str(note)
        super().__init__(size=size, thumb_size=thumb_size)
        self.session = session
        self._thumbs = [thumbnail_uri(img, 2 * thumb_size) for img in images]
        self._titles = titles
        self._ids = ids
        self._on_done = on_done
        self._start = None
        self.on_msg(self._handle_message)
        self._show_trial()

    @property
    def rdm(self) -> np.ndarray:
        """The reader's RDM so far (``"average"`` inverse MDS over the submitted trials).

        Returns
        -------
        numpy.ndarray, shape (n_items, n_items)
        """
        return self.session.estimate()

    @property
    def correlations(self) -> dict:
        """Spearman rho of the reader's RDM with each reference RDM (empty without references).

        Returns
        -------
        dict of str -> float
        """
        return {k: float(compare_rdms(self.rdm, m)) for k, m in self._references.items()}

    def _handle_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or content.get("event") != "next" or self.done:
            return
        if content.get("trial") != self.trial:  # a second click on the same trial, or a stale message
            return
        try:
            self.next()
        except ValueError as exc:
            self.message = str(exc)

    def next(self):
        """Submit the current :attr:`positions` (the reader's arrangement) and show the next trial.

        Returns
        -------
        numpy.ndarray or None
            The next trial's items, or ``None`` when the session has ended.

        Raises
        ------
        ValueError
            If no item was moved from the trial's starting layout (nothing was arranged).
        RuntimeError
            If the session is over (raised by :meth:`repalign.arrangement.ArrangementSession.submit`).
        """
        positions = np.asarray(self.positions, dtype=float)
        if self._start is not None and positions.shape == self._start.shape and np.allclose(positions, self._start):
            raise ValueError("positions are the trial's untouched starting layout: move at least one scene first")
        self.session.submit(positions)
        self._show_trial()
        return self.session.current_items

    def _show_trial(self) -> None:
        s = self.session
        export = json.dumps(to_meadows(s, self._ids)) if s.trials else ""
        if s.done:
            with self.hold_sync():
                self.export = export
                if self._references:
                    self.result = _result(
                        s.estimate(), self._titles, self._references, self._order, self._spread, self._group, self._note
                    )
                self.message = f"Done: {len(s.trials)} trials. Thank you! Your result is below the arena."
                self.done = True
            if self._on_done is not None:
                self._on_done(s)
            return
        idx = s.current_items
        self._start = s.start_positions()
        with self.hold_sync():
            self.thumbnails = [self._thumbs[i] for i in idx]
            self.titles = [self._titles[i] for i in idx]
            self.item_ids = [self._ids[i] for i in idx]
            self.positions = self._start.tolist()
            self.export = export
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
    method : str
        The RDM comparison (see :func:`repalign.rdm.compare_rdms`).
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
    ids=None,
    participants=None,
    order=None,
    max_trials: int = 6,
    max_items: int | None = None,
    seed=0,
    size: int = 480,
    thumb_size: int = 88,
) -> ArenaWidget:
    """The playable MA task in a notebook; bind the result to a name to reach your session and RDM.

    ``game = play_arrangement(...)`` then ``game`` shows the arena; after the last trial the result
    appears under it, and ``game.session``, ``game.rdm`` and ``game.correlations`` hold your session, your
    RDM and its Spearman correlations with the references.

    Parameters
    ----------
    images : sequence of PIL.Image.Image
        The scenes to arrange (12–30 works well).
    titles : sequence of str
        Alt text, tooltips and heatmap hover labels of the scenes (e.g. their first captions).
    model_rdms : dict of str -> array-like
        Reference RDMs over the same scenes, compared with the reader's RDM (Spearman rho) at the end.
    ids, participants, order
        See :class:`ArenaWidget`.
    max_trials, max_items, seed
        See :class:`repalign.arrangement.ArrangementSession`.
    size, thumb_size : int
        See :class:`ArenaWidget`.

    Returns
    -------
    ArenaWidget
    """
    import sys

    if "google.colab" in sys.modules:  # Colab draws third-party widgets through its custom widget manager
        from google.colab import output as colab_output

        colab_output.enable_custom_widget_manager()
    session = ArrangementSession(len(images), max_trials=max_trials, max_items=max_items, seed=seed)
    return ArenaWidget(
        session,
        images,
        titles,
        ids=ids,
        model_rdms=model_rdms,
        participants=participants,
        order=order,
        size=size,
        thumb_size=thumb_size,
    )
