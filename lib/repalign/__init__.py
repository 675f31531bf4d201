"""repalign: representational alignment of vision, language and brains.

The library behind the *Shared Spaces* book. One concept per module, grouped in subpackages named after
the book's concepts. Imports flow one way (a lower layer never imports a higher one; no cycles; no private
name is imported across subpackages)::

    core -> io, distributed -> stimuli, datasets -> models -> rdm
         -> inference, arrangement, searchlight, alignment -> plotting -> widgets -> book

- :mod:`repalign.core` — validation at the door, progress bars, the one :class:`~repalign.core.Interval` type.
- :mod:`repalign.io` — data and cache paths, atomic writes, the content-addressed array cache.
- :mod:`repalign.distributed` — runs task functions on a Dask cluster; knows nothing of what the tasks are.
- :mod:`repalign.stimuli` — NSD/COCO scenes with captions and categories (checksummed), perturbations.
- :mod:`repalign.datasets` — real people and brains (checksummed): the 92-object set (behaviour, human
  and monkey IT, model RDMs), HED tags of the NSD scenes, word-similarity norms.
- :mod:`repalign.models` — MPNet, MiniLM, GloVe, EfficientNet-Lite0 features (offline, cached), sharded
  feature extraction; :mod:`repalign.models.blt` — recurrent BLT networks (chapter 5).
- :mod:`repalign.rdm` — RDMs: compute, compare, annotation RDMs, layout (MDS, ordering), rsatoolbox interop.
- :mod:`repalign.inference` — bootstrap, permutation, fixed/random effects, noise ceilings, FDR, CV-NNLS.
- :mod:`repalign.arrangement` — the Multiple Arrangements task: trials, inverse MDS, lift-the-weakest,
  sessions, simulated participants, Meadows exports.
- :mod:`repalign.searchlight` — searchlight RSA: inputs, spheres, the engine, maps, group statistics,
  simulated fMRI, regions, NSD betas.
- :mod:`repalign.alignment` — Procrustes, retrieval, alignment measures, layer sweeps, forced choice,
  barycentric (generalized Procrustes) alignment.
- :mod:`repalign.plotting` — the book's plotly figures; :mod:`repalign.widgets` — the playable arena.
- :mod:`repalign.book` — the book's own helpers: ``record`` and the cached simulated cohorts.

One vocabulary, used everywhere:

- ``metric`` — the dissimilarity of an RDM (``"correlation"``, ``"euclidean"``, ``"cosine"``).
- ``method`` — an RDM comparison (``"spearman"``, ``"pearson"``, ``"kendall_tau_a"``, ``"rho_a"``, ``"cosine"``,
  ``"corr_cov"``, ``"cosine_cov"``: ``repalign.rdm.COMPARE_METHODS``).
- ``measure`` — an alignment measure between two spaces (``"rsa"``, ``"cka"``, ``"mutual_knn"``).
- ``n_components`` — the number of dimensions kept or produced.
- ``seed`` — an ``int`` or a :class:`numpy.random.Generator`, for every random step.
- Arguments after the data are keyword-only.
- Every confidence interval is an :class:`~repalign.core.Interval` (``low``, ``high``, ``level``); results
  with more than one value are dataclasses.
- Where something is learned, an estimator: ``fit`` returns ``self``, learned attributes end in ``_``,
  ``transform`` applies what was learned (for example :class:`repalign.alignment.Procrustes`).

Nothing here downloads anything unless you explicitly ask for it (``allow_download=True``).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
