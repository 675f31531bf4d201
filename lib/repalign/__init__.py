"""repalign: representational alignment of vision, language and brains.

The library behind the *Shared Spaces* book. Modules follow the chapters and import one way::

    stimuli -> models -> rdm -> stats / reweight / arrangement / searchlight / alignment -> plotting

- :mod:`repalign.stimuli` — NSD/COCO scenes with captions and categories (checksummed);
  :mod:`repalign.perturb` — seeded image and caption perturbations (chapter 7).
- :mod:`repalign.models` — MPNet, MiniLM, GloVe, EfficientNet-Lite0 features (offline, cached);
  :mod:`repalign.models.blt` — recurrent BLT networks, training, shipped weights (chapter 5).
- :mod:`repalign.rdm` — RDMs: compute, compare, convert, rsatoolbox interop (chapter 1).
- :mod:`repalign.arrangement` — the Multiple Arrangements task and inverse MDS (chapter 2);
  :mod:`repalign.arena` — the playable task (anywidget; Jupyter, JupyterLab, Colab);
  :mod:`repalign.simulated_ma` — the book's simulated participants.
- :mod:`repalign.stats`, :mod:`repalign.reweight` — bootstrap, permutation, fixed/random effects,
  noise ceilings, FDR, cross-validated NNLS (chapter 3).
- :mod:`repalign.searchlight` — searchlight RSA, group maps, simulated fMRI (chapter 4);
  :mod:`repalign.distributed`, :mod:`repalign.feature_shards` — the same on a Dask cluster.
- :mod:`repalign.alignment` — Procrustes, retrieval, CKA, mutual k-NN (chapter 6); layer sweeps,
  forced choice, exemplar averaging (chapter 7); generalized Procrustes, instance similarity,
  cross-modal scores (chapter 8).
- :mod:`repalign.plotting` — the book's plotly figures.

Nothing here downloads anything unless you explicitly ask for it (``allow_download=True``).
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
