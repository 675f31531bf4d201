"""Synthetic test data shared by the unit tests (spaces, RDM groups, volumes, images, COCO folders, tiny BLT nets)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.spatial.distance import pdist

import distributed  # noqa: F401  (a requirement: these tests must run, never skip)
from repalign import alignment as A
from repalign.models import blt
from repalign.rdm import compute_rdm

N = 40

#: Our RDM comparison methods -> rsatoolbox's names (``rsatoolbox.rdm.compare``), for the conformance tests.
RSATOOLBOX_METHODS = {
    "spearman": "spearman",
    "pearson": "corr",
    "kendall_tau_a": "tau-a",
    "rho_a": "rho-a",
    "cosine": "cosine",
    "corr_cov": "corr_cov",
    "cosine_cov": "cosine_cov",
}


def random_images(n, size=20, seed=0):
    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (size, size + 4, 3), dtype=np.uint8)) for _ in range(n)]


def aligned(Xs, maps):
    return [(X - X.mean(0)) @ M for X, M in zip(Xs, maps)]


def dataset(n=8, seed=0):
    cats = [["dog"], ["cat", "dog"], ["car"], ["person"], ["dog", "person"], ["cat"], ["bus"], ["car", "person"]]
    caps = [[f"a photo number {i}", "another caption"] for i in range(n)]
    return blt.SceneDataset(random_images(n, seed=seed), caps, [cats[i % len(cats)] for i in range(n)], np.arange(n))


def group(n_subjects, shared, noise, seed):
    """Condensed RDMs of subjects = shared patterns + individual noise."""
    rng = np.random.default_rng(seed)
    return np.stack(
        [pdist(shared + noise * rng.standard_normal(shared.shape), "correlation") for _ in range(n_subjects)]
    )


def independent_pair(n=N, p=30, seed=1):
    rng = np.random.default_rng(seed)
    return (
        compute_rdm(rng.normal(size=(n, p)), metric="euclidean"),
        compute_rdm(rng.normal(size=(n, p)), metric="euclidean"),
    )


def npz_files(root: Path) -> list[Path]:
    return sorted((root / "features").rglob("*.npz"))


def patterns(n=12, p=30, seed=0):
    return np.random.default_rng(seed).normal(size=(n, p))


def planted_pair(n=N, p=30, noise=0.5, seed=0):
    """Two RDMs from noisy copies of the same patterns: a strong, real relation."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    a = compute_rdm(x + noise * rng.normal(size=x.shape), metric="euclidean")
    b = compute_rdm(x + noise * rng.normal(size=x.shape), metric="euclidean")
    return a, b


def space(n=30, d=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d))


def tiny(readout="category", seed=0, out_features=None):
    return blt.BLTNet(
        n_layers=2, channels=(4, 8), timesteps=2, input_size=16, readout=readout, out_features=out_features, seed=seed
    )


def volume(n_cond=30, shape=(8, 9, 7), seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=bool)
    mask[1:-1, 1:-1, 1:-1] = True
    mask[3, 4, 2] = False  # a hole: spheres are truncated around it
    data = rng.normal(size=(n_cond,) + shape) + offset
    models = np.stack([pdist(rng.normal(size=(n_cond, 4))), pdist(rng.normal(size=(n_cond, 2)))])
    return data, mask, models


def write_coco(root, with_caption_for_all=True):
    (root / "annotations").mkdir(parents=True)
    (root / "val2017").mkdir()
    images = []
    for k, img in enumerate(random_images(3, size=30)):
        name = f"{k + 1:012d}.jpg"
        img.save(root / "val2017" / name)
        images.append({"id": k + 1, "file_name": name, "width": 34, "height": 30})
    caps = [
        {"image_id": i, "id": 10 * i + j, "caption": f"caption {j} of image {i}"}
        for i in (1, 2, 3)
        for j in range(2)
        if with_caption_for_all or i != 2
    ]
    (root / "annotations" / "captions_val2017.json").write_text(json.dumps({"images": images, "annotations": caps}))
    inst = {
        "images": images,
        "categories": [{"id": 1, "name": "person"}, {"id": 18, "name": "dog"}],
        "annotations": [
            {"image_id": 1, "category_id": 18, "id": 1},
            {"image_id": 1, "category_id": 1, "id": 2},
            {"image_id": 3, "category_id": 1, "id": 3},
        ],
    }
    (root / "annotations" / "instances_val2017.json").write_text(json.dumps(inst))


def rotated_copies(n=120, d=6, k=5, noise=0.0, widths=None, seed=0):
    """k rotated (and possibly widened) copies of one configuration C, plus noise."""
    rng = np.random.default_rng(seed)
    C = rng.normal(size=(n, d)) * np.linspace(2, 1, d)
    widths = widths or [d] * k
    Xs = []
    for i, w in enumerate(widths):
        emb = np.hstack([C, np.zeros((n, w - d))])
        Xs.append(
            3.0 * emb @ A.random_orthogonal(w, w, seed=100 + i) + rng.normal(size=w) + noise * rng.normal(size=(n, w))
        )
    return C, Xs


def exit_codes_of_two_processes(target, *args, timeout: float = 60) -> list:
    """Start ``target(*args)`` in two fresh (spawned) processes at once; their exit codes when both ended."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=target, args=args) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout)
    return [p.exitcode for p in procs]
