"""The 92-object set of Kriegeskorte et al. (2008): real behaviour, human IT, monkey IT and model RDMs."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from repalign.io import paths
from repalign.stimuli.sets import read_verified

__all__ = ["KRIEGESKORTE92_FILE", "Kriegeskorte92", "load_kriegeskorte92"]


#: The shipped file, relative to the data folder (checked against ``SHA256SUMS`` on every load).
KRIEGESKORTE92_FILE = "kriegeskorte92/kriegeskorte92_compact.npz"


@dataclass(frozen=True)
class Kriegeskorte92:
    """Real RDMs over the 92 objects of Kriegeskorte et al. (2008), all in the same object order.

    No images are shipped (their licence is unknown); the RDMs are what the book uses.

    Attributes
    ----------
    behaviour : numpy.ndarray, shape (16, 92, 92)
        Dissimilarity-judgement RDMs of 16 people, from the multiple-arrangement task (Mur et al. 2013).
    behaviour_subjects : numpy.ndarray of str, shape (16,)
        ``"subject1"`` … ``"subject16"``.
    hit : numpy.ndarray, shape (8, 92, 92)
        Human inferior-temporal fMRI RDMs: 4 subjects × 2 sessions.
    hit_subject : numpy.ndarray of str, shape (8,)
        The subject of each ``hit`` RDM (``"BE"``, ``"KO"``, ``"SN"``, ``"TI"``).
    hit_session : numpy.ndarray of int, shape (8,)
        The session of each ``hit`` RDM (1 or 2).
    hit_fig1 : numpy.ndarray, shape (92, 92)
        The group human-IT RDM of the paper's figure 1 (316 voxels).
    mit : numpy.ndarray, shape (92, 92)
        The monkey IT RDM (674 neurons; Kiani et al. 2007).
    models : dict of str to numpy.ndarray, shape (92, 92)
        Eight model RDMs in the file's order: ``animacy``, ``FaceBodyManmadeNatobj``, ``monkeyIT``, ``EVA``,
        ``HMAX``, ``V1``, ``Silhouette``, ``RADON``.
    categories : numpy.ndarray of str, shape (92,)
        The category of each object (``"human bodypart"``, ``"human face"``, ``"nonhuman bodypart"``,
        ``"nonhuman face"``, ``"natural inanimate"``, ``"artificial inanimate"``).
    category_vectors : numpy.ndarray of bool, shape (92, 12)
        Membership of each object in each of the ``category_labels``.
    category_labels : numpy.ndarray of str, shape (12,)
        ``"animate"``, ``"inanim"``, ``"human"``, ``"nonhumani"``, ``"body"``, ``"face"``, ``"natObj"``,
        ``"artiObj"``, ``"rand24"``, ``"rand48"``, ``"other48"``, ``"monkeyape"``.
    """

    behaviour: np.ndarray = field(repr=False)
    behaviour_subjects: np.ndarray = field(repr=False)
    hit: np.ndarray = field(repr=False)
    hit_subject: np.ndarray
    hit_session: np.ndarray
    hit_fig1: np.ndarray = field(repr=False)
    mit: np.ndarray = field(repr=False)
    models: dict = field(repr=False)
    categories: np.ndarray = field(repr=False)
    category_vectors: np.ndarray = field(repr=False)
    category_labels: np.ndarray

    @property
    def n_objects(self) -> int:
        """The number of objects (92)."""
        return int(self.mit.shape[0])


def _label_field(names: np.ndarray, index: int, what: str) -> list[str]:
    out = []
    for name in names:
        parts = [p.strip() for p in str(name).split("|")]
        if len(parts) <= index:
            raise ValueError(f"{KRIEGESKORTE92_FILE}: cannot read the {what} from the name {name!r}")
        out.append(parts[index])
    return out


def load_kriegeskorte92() -> Kriegeskorte92:
    """Load the real RDMs of the 92-object set shipped in ``data/kriegeskorte92/``.

    The file's sha256 is checked against ``data/SHA256SUMS``; the RDMs are returned as float64.

    Returns
    -------
    Kriegeskorte92

    Raises
    ------
    repalign.stimuli.ChecksumError
        If the file was altered.
    FileNotFoundError
        If the file or the checksum list is missing.

    Examples
    --------
    >>> from repalign.datasets import load_kriegeskorte92
    >>> from repalign.rdm import compare_rdms
    >>> k = load_kriegeskorte92()
    >>> round(compare_rdms(k.behaviour.mean(0), k.hit.mean(0)), 3)
    0.392
    """
    raw = read_verified(paths.data_dir(), KRIEGESKORTE92_FILE)
    with np.load(io.BytesIO(raw), allow_pickle=False) as z:
        hit_names = z["hIT_names"]
        model_names = [str(n) for n in z["model_names"]]
        models = z["models"].astype(np.float64)
        sessions = _label_field(hit_names, 2, "session")
        return Kriegeskorte92(
            behaviour=z["behav"].astype(np.float64),
            behaviour_subjects=np.array(_label_field(z["behav_names"], 1, "subject")),
            hit=z["hIT"].astype(np.float64),
            hit_subject=np.array(_label_field(hit_names, 1, "subject")),
            hit_session=np.array([int(s.rsplit(":", 1)[-1]) for s in sessions], dtype=np.int64),
            hit_fig1=z["hIT_fig1"].astype(np.float64),
            mit=z["mIT"].astype(np.float64),
            models={name: models[i] for i, name in enumerate(model_names)},
            categories=np.array([str(c) for c in z["category"]]),
            category_vectors=z["categoryVectors"].astype(bool),
            category_labels=np.array([str(c) for c in z["categoryLabels"]]),
        )
