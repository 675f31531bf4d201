"""The arena for a page without a kernel (the published website): the whole task runs in the browser."""

from __future__ import annotations

import html
import json
import uuid
from dataclasses import dataclass

import numpy as np

from repalign.core.validation import check_int
from repalign.plotting.style import thumbnail_uri
from repalign.rdm.layout import cluster_order
from repalign.widgets.arena import _STATIC, _context, _json_rdm, _order, _references, front_end

__all__ = ["ArenaPage", "arena_page"]


@dataclass
class ArenaPage:
    """The arena as a self-contained piece of HTML: the task runs in the browser, with no kernel.

    Attributes
    ----------
    payload : dict
        Scenes (ids, captions, thumbnails), session variants and reference RDMs, as the page reads them.
    """

    payload: dict

    def html(self) -> str:
        """The HTML: a container, the front end and the payload in one module script (nothing is fetched).

        Returns
        -------
        str
        """
        key = "ma-" + uuid.uuid5(uuid.NAMESPACE_URL, json.dumps(self.payload["ids"])).hex[:12]
        data = json.dumps(self.payload, separators=(",", ":")).replace("</", "<\\/")
        css = (_STATIC / "arena.css").read_text(encoding="utf-8")
        return (
            f'<div class="repalign-arena-page" id="{key}">'
            f"<style>{css}</style>"
            f'<p class="repalign-arena-privacy">{html.escape(self.payload["privacy"])}</p></div>'
            f'<script type="module">{front_end()}\n'
            f'mount(document.getElementById("{key}"), {data});</script>'
        )

    def _repr_html_(self) -> str:
        return self.html()


def arena_page(
    images,
    titles,
    model_rdms: dict,
    *,
    ids,
    variants,
    participants=None,
    order=None,
    seed: int = 0,
    size: int = 480,
    thumb_size: int = 88,
    note: str = "",
) -> ArenaPage:
    """The Multiple Arrangements task for a page without a kernel (the published website).

    The reader picks a session (e.g. a short and a longer one), arranges the scenes, and sees their RDM
    beside the references with Spearman correlations, the participants' spread and the noise ceiling.
    Everything runs in the browser (``ma_task.js``, the JavaScript twin of
    :class:`repalign.arrangement.ArrangementSession` and the ``"average"`` inverse MDS); nothing is sent.

    Parameters
    ----------
    images : sequence of PIL.Image.Image
        Every scene any variant uses.
    titles : sequence of str
        The scenes' alt text and hover labels (e.g. their first captions).
    model_rdms : dict of str -> array-like
        Reference RDMs over all the scenes.
    ids : sequence of str
        Stimulus ids (``data-item``, and the ids and names of the exported session).
    variants : sequence of (str, sequence of int, int)
        ``(label, scene indices, max_trials)`` per session the reader can choose.
    participants : array-like, shape (n_participants, n_items, n_items), optional
        Other (e.g. simulated) participants' RDMs over all the scenes, for context.
    order : sequence of int or str, optional
        Scene order of the result heatmaps: a permutation of all the scenes (each variant keeps its scenes in
        this order), or the name of a reference, whose :func:`repalign.rdm.cluster_order` over each
        variant's scenes orders that variant (as the book orders its other RDM figures).
    seed : int
        Seeds the starting rings (the same page gives the same session).
    size, thumb_size : int
        Arena diameter and largest thumbnail edge in pixels.
    note : str
        A sentence under the result table (e.g. which references are simulated).

    Returns
    -------
    ArenaPage
        Displays itself in a notebook (its HTML), and so on the website.
    """
    n = len(images)
    if len(titles) != n:
        raise ValueError(f"titles holds {len(titles)} entries; images holds {n}")
    ids = [str(i) for i in ids]
    if len(ids) != n or len(set(ids)) != n:
        raise ValueError(f"ids must hold {n} distinct entries")
    seed = check_int(seed, "seed", minimum=0)
    references = _references(model_rdms, n)
    by_reference = isinstance(order, str)
    if by_reference and order not in references:
        raise ValueError(f"order names no reference: {order!r} (references: {', '.join(references)})")
    full_order = list(range(n)) if by_reference else _order(order, n)
    stack = None if participants is None else np.asarray(participants, dtype=float)
    if not isinstance(variants, (list, tuple)) or not variants:
        raise TypeError("variants must be a non-empty sequence of (label, scene indices, max_trials)")
    out = []
    for v, variant in enumerate(variants):
        if not isinstance(variant, (list, tuple)) or len(variant) != 3:
            raise TypeError(f"variants[{v}] must be (label, scene indices, max_trials)")
        label, chosen, max_trials = variant
        chosen = [check_int(i, f"variants[{v}] scene index", minimum=0, maximum=n - 1) for i in chosen]
        if len(chosen) < 3 or len(set(chosen)) != len(chosen):
            raise ValueError(f"variants[{v}] must list at least 3 distinct scenes")
        check_int(max_trials, f"variants[{v}] max_trials", minimum=1)
        rank = {i: r for r, i in enumerate(full_order)}
        sub = {k: m[np.ix_(chosen, chosen)] for k, m in references.items()}
        if by_reference:
            local_order = [int(i) for i in cluster_order(sub[order])]
        else:
            local_order = sorted(range(len(chosen)), key=lambda k: rank[chosen[k]])
        parts = None if stack is None else stack[:, chosen][:, :, chosen]
        spread, group = _context(parts, sub, len(chosen))
        # 6 significant digits keep the page small and the reader's rho exact to about 1e-6
        refs = [{"name": k, "rdm": _json_rdm(m, 6), "spread": spread.get(k), "ceiling": None} for k, m in sub.items()]
        if group is not None:
            refs.append(
                {
                    "name": "simulated group mean",
                    "rdm": _json_rdm(group["mean"], 6),
                    "spread": None,
                    "ceiling": group["ceiling"],
                }
            )
        out.append(
            {
                "label": str(label),
                "items": chosen,
                "maxTrials": int(max_trials),
                "order": local_order,
                "references": refs,
            }
        )
    used = {i for variant in out for i in variant["items"]}
    payload = {
        "ids": ids,
        "items": [  # thumbnails only of the scenes some session shows (keeps the page small)
            {"id": i, "name": t, "thumb": thumbnail_uri(images[k], 2 * thumb_size) if k in used else ""}
            for k, (i, t) in enumerate(zip(ids, titles))
        ],
        "variants": out,
        "seed": seed,
        "size": int(size),
        "thumb": int(thumb_size),
        "note": str(note),
        "privacy": "This arena runs entirely in your browser: nothing you arrange is sent anywhere. "
        "Pick a session to start; the download button saves your session as a Meadows-style JSON file.",
    }
    return ArenaPage(payload)
