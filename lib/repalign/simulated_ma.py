"""Simulated visual and linguistic Multiple Arrangements participants for the book (chapters 2 and 3).

Every participant here is SIMULATED. Each holds an internal space that mixes a shared conceptual space
(MPNet caption embeddings) with a modality-specific one (EfficientNet-Lite0 image features for the visual
task; mean GloVe word vectors of the captions for the linguistic task), with an individual mixing weight
and idiosyncratic noise, and performs the MA task (:func:`repalign.arrangement.simulate_participant`).
Their estimated RDMs are cached on disk (:mod:`repalign.cache`), so chapter 3 loads the same ones.

Caution: the participants are built from the same models they are later compared with, so any
model-behaviour agreement measured on them is partly circular; planted-truth recovery (chapter 2) is the
non-circular check of the method.
"""

from __future__ import annotations

import numpy as np

from ._progress import progress_bar
from ._validation import check_int, check_matrix, check_seed
from .arrangement import inverse_mds, simulate_participant
from .cache import CACHE_VERSION, cached_array, content_key

__all__ = ["MODALITIES", "normalise_space", "mixed_space", "special100_spaces", "simulate_group", "simulated_ma_rdms",
           "simulate_two_sessions", "simulated_two_sessions"]

MODALITIES = ("visual", "linguistic")


def normalise_space(x) -> np.ndarray:
    """Centre a feature space and scale it so the mean squared Euclidean distance between items is 1."""
    x = check_matrix(x, "x", ndim=2, min_rows=2)
    x = x - x.mean(0)
    n = x.shape[0]
    msd = 2 * n / (n - 1) * np.mean(np.sum(x ** 2, axis=1))  # mean over pairs of ||xi - xj||^2
    return x / np.sqrt(msd)


def mixed_space(shared, specific, weight: float, noise: float, seed=0, noise_dims: int = 20) -> np.ndarray:
    """One participant's internal space: ``[sqrt(w) shared, sqrt(1 - w) specific, noise * N(0, 1)]``.

    ``shared`` and ``specific`` are normalised with :func:`normalise_space`; the noise block holds
    ``noise_dims`` idiosyncratic dimensions, scaled so ``noise`` is its share of mean squared distance.
    """
    if not 0 <= weight <= 1:
        raise ValueError(f"weight must be in [0, 1]; got {weight}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0; got {noise}")
    a, b = normalise_space(shared), normalise_space(specific)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"shared and specific describe different numbers of items ({a.shape[0]} vs {b.shape[0]})")
    e = normalise_space(check_seed(seed).normal(size=(a.shape[0], noise_dims)))
    return np.hstack([np.sqrt(weight) * a, np.sqrt(1 - weight) * b, np.sqrt(noise) * e])


def special100_spaces() -> dict:
    """The three feature spaces of special100: ``{"shared": MPNet captions, "visual": EfficientNet head,
    "linguistic": mean GloVe of captions}`` (each the mean over a scene's five captions where textual)."""
    from .models import encode_text, image_features
    from .models.glove import glove_sentence_embeddings
    from .stimuli import load_stimuli

    scenes = load_stimuli("nsd_special100")
    captions = [c for caps in scenes.captions for c in caps[:5]]
    n = len(scenes)
    return {
        "shared": encode_text(captions, model="mpnet", progress=False).reshape(n, 5, -1).mean(1),
        "visual": image_features(scenes.images, progress=False),
        "linguistic": glove_sentence_embeddings(captions).reshape(n, 5, -1).mean(1),
    }


def simulate_group(shared, specific, n_participants: int, n_trials: int, mix: float = 0.6, mix_sd: float = 0.1,
                   noise: float = 0.3, placement_noise: float = 0.05, seed=0, progress: bool = True) -> np.ndarray:
    """Simulate a group of MA participants and return their estimated RDMs, ``(n_participants, n, n)``.

    Participant ``p`` has weight ``w_p ~ clip(N(mix, mix_sd), 0, 1)`` on the shared space, idiosyncratic
    noise share ``noise``, and places items with SD ``placement_noise``; the RDM is the ``"average"``
    inverse-MDS estimate of their lift-the-weakest trials.
    """
    n_participants = check_int(n_participants, "n_participants", minimum=1)
    rng = check_seed(seed)
    out = []
    for _ in progress_bar(range(n_participants), enabled=progress, desc="participants", unit="participant"):
        w = float(np.clip(rng.normal(mix, mix_sd), 0, 1))
        space = mixed_space(shared, specific, w, noise, seed=rng)
        trials = simulate_participant(space, n_trials=n_trials, noise=placement_noise, metric="euclidean", seed=rng)
        out.append(inverse_mds(trials, space.shape[0], method="average"))
    return np.stack(out)


def simulated_ma_rdms(n_participants: int = 63, n_trials: int = 20, mix: float = 0.6, noise: float = 0.3,
                      seed: int = 2025, progress: bool = True, cache: bool = True) -> dict:
    """The book's simulated visual and linguistic MA participants on special100 (cached).

    Parameters
    ----------
    n_participants : int
        Participants per modality (the MA study had 63).
    n_trials : int
        Trial budget per participant.
    mix : float
        Mean weight of the shared (MPNet) space; the rest is modality-specific.
    noise : float
        Share of idiosyncratic noise in each participant's internal space.
    seed : int
    progress, cache : bool

    Returns
    -------
    dict
        ``{"visual": (n_participants, 100, 100), "linguistic": (n_participants, 100, 100)}``.
    """
    n_participants = check_int(n_participants, "n_participants", minimum=1)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    spaces = special100_spaces()
    key = content_key(spaces=np.concatenate([spaces[k].ravel() for k in ("shared", "visual", "linguistic")]),
                      n=n_participants, trials=n_trials, mix=mix, noise=noise, seed=seed, version=CACHE_VERSION)

    def compute():
        return np.stack([simulate_group(spaces["shared"], spaces[m], n_participants, n_trials, mix=mix, noise=noise,
                                        seed=seed + i, progress=progress) for i, m in enumerate(MODALITIES)])

    arr = cached_array(key, compute, namespace="simulated_ma", enabled=cache)
    return dict(zip(MODALITIES, arr))


def simulate_two_sessions(shared, visual, linguistic, n_participants: int, n_trials: int, mix: float = 0.6,
                          mix_sd: float = 0.1, noise: float = 0.3, carryover: float = 0.3,
                          placement_noise: float = 0.05, seed=0, progress: bool = True) -> dict:
    """Simulate participants who do both MA tasks, one per session, in counterbalanced order.

    Participant ``p`` does the visual task first when ``p`` is even, the linguistic task first otherwise.
    Both tasks use the same person: the same shared-space weight ``w_p`` and the same idiosyncratic
    noise dimensions (:func:`mixed_space` with one seed). In session 2 the person also remembers their
    session-1 arrangement: the session-2 internal space is ``[sqrt(1 - c) own-task space,
    sqrt(c) session-1 space]`` with ``c = carryover``, which inflates within-person cross-modal agreement.
    Session 1 alone is free of that: no participant has done the other task yet.

    Returns
    -------
    dict
        ``"first"``: array of the modality each participant did first; ``"session1"``, ``"session2"``:
        ``(n_participants, n, n)`` estimated RDMs (the ``"average"`` inverse-MDS estimate).
    """
    n_participants = check_int(n_participants, "n_participants", minimum=2)
    if not 0 <= carryover <= 1:
        raise ValueError(f"carryover must be in [0, 1]; got {carryover}")
    rng = check_seed(seed)
    specific = {"visual": visual, "linguistic": linguistic}
    first, sessions = [], ([], [])
    for p in progress_bar(range(n_participants), enabled=progress, desc="participants", unit="participant"):
        order = MODALITIES if p % 2 == 0 else MODALITIES[::-1]
        w = float(np.clip(rng.normal(mix, mix_sd), 0, 1))
        person = int(rng.integers(2 ** 31))
        one = mixed_space(shared, specific[order[0]], w, noise, seed=person)
        two = np.hstack([np.sqrt(1 - carryover) * mixed_space(shared, specific[order[1]], w, noise, seed=person),
                         np.sqrt(carryover) * one])
        for k, space in enumerate((one, two)):
            trials = simulate_participant(space, n_trials=n_trials, noise=placement_noise, metric="euclidean", seed=rng)
            sessions[k].append(inverse_mds(trials, space.shape[0], method="average"))
        first.append(order[0])
    return {"first": np.array(first), "session1": np.stack(sessions[0]), "session2": np.stack(sessions[1])}


def simulated_two_sessions(n_participants: int = 24, n_trials: int = 12, carryover: float = 0.3, seed: int = 2025,
                           progress: bool = True, cache: bool = True) -> dict:
    """The book's simulated two-session participants on special100 (cached); see :func:`simulate_two_sessions`."""
    n_participants = check_int(n_participants, "n_participants", minimum=2)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    spaces = special100_spaces()
    key = content_key(spaces=np.concatenate([spaces[k].ravel() for k in ("shared", "visual", "linguistic")]),
                      n=n_participants, trials=n_trials, carryover=carryover, seed=seed, version=CACHE_VERSION,
                      design="two_sessions")

    def compute():
        out = simulate_two_sessions(spaces["shared"], spaces["visual"], spaces["linguistic"], n_participants,
                                    n_trials, carryover=carryover, seed=seed, progress=progress)
        return np.stack([out["session1"], out["session2"]])

    arr = cached_array(key, compute, namespace="simulated_ma", enabled=cache)
    first = np.array([MODALITIES[p % 2] for p in range(n_participants)])
    return {"first": first, "session1": arr[0], "session2": arr[1]}
