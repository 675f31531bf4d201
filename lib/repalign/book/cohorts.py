"""The book's simulated Multiple Arrangements cohorts (chapters 2-5), cached on disk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from repalign.arrangement.inverse import inverse_mds
from repalign.arrangement.simulation import simulate_participant
from repalign.core.progress import progress_bar
from repalign.core.threads import single_threaded
from repalign.core.validation import check_int, check_matrix, check_real, check_seed
from repalign.io.cache import CACHE_VERSION, cached_array, content_key

__all__ = [
    "MODALITIES",
    "TwoSessions",
    "mixed_space",
    "normalise_space",
    "simulate_group",
    "simulate_paired_groups",
    "simulate_two_sessions",
    "simulated_ma_rdms",
    "simulated_two_sessions",
    "special100_spaces",
]


MODALITIES = ("visual", "linguistic")


def normalise_space(x) -> np.ndarray:
    """Centre a feature space and scale it so the mean squared Euclidean distance between items is 1.

    Parameters
    ----------
    x : array-like, shape (n_items, n_features)

    Returns
    -------
    numpy.ndarray, shape (n_items, n_features)
    """
    x = check_matrix(x, "x", ndim=2, min_rows=2)
    x = x - x.mean(0)
    n = x.shape[0]
    msd = 2 * n / (n - 1) * np.mean(np.sum(x**2, axis=1))  # mean over pairs of ||xi - xj||^2
    return x / np.sqrt(msd)


def mixed_space(shared, specific, *, weight: float, noise: float, seed=0, noise_dims: int = 20) -> np.ndarray:
    """One participant's internal space: ``[sqrt(w) shared, sqrt(1 - w) specific, noise * N(0, 1)]``.

    ``shared`` and ``specific`` are normalised with :func:`normalise_space`; the noise block holds
    ``noise_dims`` idiosyncratic dimensions, scaled so ``noise`` is its share of mean squared distance.

    Parameters
    ----------
    shared, specific : array-like, shape (n_items, n_features)
        The shared and the modality-specific feature spaces (feature counts may differ).
    weight : float
        Weight ``w`` of the shared space, in [0, 1].
    noise : float
        Share of the idiosyncratic noise block (>= 0).
    seed : int or numpy.random.Generator
        Draws the noise block.
    noise_dims : int
        Dimensions of the noise block.

    Returns
    -------
    numpy.ndarray, shape (n_items, n_features_shared + n_features_specific + noise_dims)
    """
    weight = check_real(weight, "weight", minimum=0.0, maximum=1.0)
    noise = check_real(noise, "noise", minimum=0.0)
    a, b = normalise_space(shared), normalise_space(specific)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"shared and specific describe different numbers of items ({a.shape[0]} vs {b.shape[0]})")
    e = normalise_space(check_seed(seed).normal(size=(a.shape[0], noise_dims)))
    return np.hstack([np.sqrt(weight) * a, np.sqrt(1 - weight) * b, np.sqrt(noise) * e])


def special100_spaces() -> dict:
    """The three feature spaces of special100 behind the simulated cohorts.

    Returns
    -------
    dict of str -> numpy.ndarray
        ``{"shared": MPNet captions, "visual": EfficientNet head, "linguistic": mean GloVe of captions}``
        (each the mean over a scene's five captions where textual), one row per scene.
    """
    from repalign.models import encode_text, image_features
    from repalign.models.glove import glove_sentence_embeddings
    from repalign.stimuli.sets import load_stimuli

    scenes = load_stimuli("nsd_special100")
    captions = [c for caps in scenes.captions for c in caps[:5]]
    n = len(scenes)
    return {
        "shared": encode_text(captions, model="mpnet", progress=False).reshape(n, 5, -1).mean(1),
        "visual": image_features(scenes.images, progress=False),
        "linguistic": glove_sentence_embeddings(captions).reshape(n, 5, -1).mean(1),
    }


def _estimated_rdm(space: np.ndarray, *, n_trials: int, placement_noise: float, rng) -> np.ndarray:
    """The ``"average"`` inverse-MDS RDM of one simulated lift-the-weakest session in ``space``."""
    trials = simulate_participant(space, n_trials=n_trials, noise=placement_noise, metric="euclidean", seed=rng)
    return inverse_mds(trials, space.shape[0], estimator="average")


def simulate_group(
    shared,
    specific,
    *,
    n_participants: int,
    n_trials: int,
    mix: float = 0.6,
    mix_sd: float = 0.1,
    noise: float = 0.3,
    placement_noise: float = 0.05,
    seed=0,
    progress: bool = True,
) -> np.ndarray:
    """Simulate a group of MA participants and return their estimated RDMs.

    Participant ``p`` has weight ``w_p ~ clip(N(mix, mix_sd), 0, 1)`` on the shared space, idiosyncratic
    noise share ``noise``, and places items with SD ``placement_noise``; the RDM is the ``"average"``
    inverse-MDS estimate of their lift-the-weakest trials.

    Parameters
    ----------
    shared, specific : array-like, shape (n_items, n_features)
        See :func:`mixed_space`.
    n_participants, n_trials : int
        Group size and trial budget per participant.
    mix, mix_sd : float
        Mean and SD of the shared-space weight.
    noise, placement_noise : float
        Idiosyncratic noise share; placement noise SD in arena radii.
    seed : int or numpy.random.Generator
    progress : bool

    Returns
    -------
    numpy.ndarray, shape (n_participants, n_items, n_items)
    """
    n_participants = check_int(n_participants, "n_participants", minimum=1)
    rng = check_seed(seed)
    out = []
    for _ in progress_bar(range(n_participants), enabled=progress, desc="participants", unit="participant"):
        w = float(np.clip(rng.normal(mix, mix_sd), 0, 1))
        space = mixed_space(shared, specific, weight=w, noise=noise, seed=rng)
        out.append(_estimated_rdm(space, n_trials=n_trials, placement_noise=placement_noise, rng=rng))
    return np.stack(out)


def simulate_paired_groups(
    shared,
    visual,
    linguistic,
    *,
    n_participants: int,
    n_trials: int,
    mix: float = 0.6,
    mix_sd: float = 0.1,
    noise: float = 0.3,
    placement_noise: float = 0.05,
    seed=0,
    progress: bool = True,
) -> dict:
    """Simulate participants who each do both MA tasks (a paired design) and return both RDM stacks.

    Person ``p`` has one shared-space weight ``w_p ~ clip(N(mix, mix_sd), 0, 1)`` and one block of
    idiosyncratic dimensions (:func:`mixed_space` with one seed per person), used in both tasks: their
    visual and linguistic internal spaces differ only in the modality-specific block. Each task is an
    independent lift-the-weakest session (no memory of the other task; see :func:`simulate_two_sessions`).

    Parameters
    ----------
    shared, visual, linguistic : array-like, shape (n_items, n_features)
        The shared and the two modality-specific spaces.
    n_participants, n_trials : int
        Persons, and the trial budget per task.
    mix, mix_sd, noise, placement_noise : float
        See :func:`simulate_group`.
    seed : int or numpy.random.Generator
    progress : bool

    Returns
    -------
    dict of str -> numpy.ndarray
        ``{"visual": (n_participants, n_items, n_items), "linguistic": ...}``; row ``p`` of both is person ``p``.
    """
    n_participants = check_int(n_participants, "n_participants", minimum=1)
    rng = check_seed(seed)
    specific = {"visual": visual, "linguistic": linguistic}
    out = {m: [] for m in MODALITIES}
    for _ in progress_bar(range(n_participants), enabled=progress, desc="participants", unit="participant"):
        w = float(np.clip(rng.normal(mix, mix_sd), 0, 1))
        person = int(rng.integers(2**31))
        for m in MODALITIES:
            space = mixed_space(shared, specific[m], weight=w, noise=noise, seed=person)
            out[m].append(_estimated_rdm(space, n_trials=n_trials, placement_noise=placement_noise, rng=rng))
    return {m: np.stack(v) for m, v in out.items()}


def _cache_key(spaces: dict, **settings) -> str:
    """The on-disk cache key of a simulation on :func:`special100_spaces` with ``settings``."""
    return content_key(
        spaces=np.concatenate([spaces[k].ravel() for k in ("shared", "visual", "linguistic")]),
        version=CACHE_VERSION,
        **settings,
    )


def simulated_ma_rdms(
    *,
    n_participants: int = 63,
    n_trials: int = 20,
    mix: float = 0.6,
    noise: float = 0.3,
    seed: int = 2025,
    paired: bool = False,
    progress: bool = True,
    cache: bool = True,
) -> dict:
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
        An int, not a Generator: it is part of the cache key. Unpaired, the visual participants are
        simulated with ``seed``, the linguistic ones with ``seed + 1``.
    paired : bool
        ``True``: the same persons do both tasks (the MA study's design; :func:`simulate_paired_groups`),
        so row ``p`` of both stacks is one person. ``False``: two independent groups (:func:`simulate_group`).
    progress, cache : bool
        Show progress; read and write the on-disk cache.

    Returns
    -------
    dict of str -> numpy.ndarray
        ``{"visual": (n_participants, 100, 100), "linguistic": (n_participants, 100, 100)}``.
    """
    n_participants = check_int(n_participants, "n_participants", minimum=1)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    spaces = special100_spaces()
    settings = dict(n=n_participants, trials=n_trials, mix=mix, noise=noise, seed=seed)
    key = _cache_key(spaces, **settings, design="paired") if paired else _cache_key(spaces, **settings)

    @single_threaded  # the adaptive trial choices amplify last-digit differences: same bits on every machine
    def compute():
        if paired:
            kw = dict(n_participants=n_participants, n_trials=n_trials, mix=mix, noise=noise, seed=seed)
            out = simulate_paired_groups(
                spaces["shared"], spaces["visual"], spaces["linguistic"], **kw, progress=progress
            )
            return np.stack([out[m] for m in MODALITIES])
        return np.stack(
            [
                simulate_group(
                    spaces["shared"],
                    spaces[m],
                    n_participants=n_participants,
                    n_trials=n_trials,
                    mix=mix,
                    noise=noise,
                    seed=seed + i,
                    progress=progress,
                )
                for i, m in enumerate(MODALITIES)
            ]
        )

    arr = cached_array(key, compute, namespace="simulated_ma", enabled=cache)
    return dict(zip(MODALITIES, arr))


@dataclass(frozen=True)
class TwoSessions:
    """Simulated participants who did both MA tasks, one per session (see :func:`simulate_two_sessions`).

    Attributes
    ----------
    first : numpy.ndarray of str, shape (n_participants,)
        The modality each participant did first.
    session1, session2 : numpy.ndarray, shape (n_participants, n_items, n_items)
        Each participant's estimated RDM in each session.
    """

    first: np.ndarray
    session1: np.ndarray
    session2: np.ndarray


def simulate_two_sessions(
    shared,
    visual,
    linguistic,
    *,
    n_participants: int,
    n_trials: int,
    mix: float = 0.6,
    mix_sd: float = 0.1,
    noise: float = 0.3,
    carryover: float = 0.3,
    placement_noise: float = 0.05,
    seed=0,
    progress: bool = True,
) -> TwoSessions:
    """Simulate participants who do both MA tasks, one per session, in counterbalanced order.

    Participant ``p`` does the visual task first when ``p`` is even, the linguistic task first otherwise.
    Both tasks use the same person: the same shared-space weight ``w_p`` and the same idiosyncratic
    noise dimensions (:func:`mixed_space` with one seed). In session 2 the person also remembers their
    session-1 arrangement: the session-2 internal space is ``[sqrt(1 - c) own-task space,
    sqrt(c) session-1 space]`` with ``c = carryover``, which inflates within-person cross-modal agreement.
    Session 1 alone is free of that: no participant has done the other task yet.

    Parameters
    ----------
    shared, visual, linguistic : array-like, shape (n_items, n_features)
        The shared and the two modality-specific spaces.
    n_participants, n_trials : int
        Participants and trial budget per session.
    mix, mix_sd, noise, placement_noise : float
        See :func:`simulate_group`.
    carryover : float
        Share ``c`` of the session-1 space remembered in session 2, in [0, 1].
    seed : int or numpy.random.Generator
    progress : bool

    Returns
    -------
    TwoSessions
        RDMs are the ``"average"`` inverse-MDS estimates.
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
        person = int(rng.integers(2**31))
        one = mixed_space(shared, specific[order[0]], weight=w, noise=noise, seed=person)
        two = np.hstack(
            [
                np.sqrt(1 - carryover) * mixed_space(shared, specific[order[1]], weight=w, noise=noise, seed=person),
                np.sqrt(carryover) * one,
            ]
        )
        for k, space in enumerate((one, two)):
            sessions[k].append(_estimated_rdm(space, n_trials=n_trials, placement_noise=placement_noise, rng=rng))
        first.append(order[0])
    return TwoSessions(np.array(first), np.stack(sessions[0]), np.stack(sessions[1]))


def simulated_two_sessions(
    *,
    n_participants: int = 24,
    n_trials: int = 12,
    carryover: float = 0.3,
    seed: int = 2025,
    progress: bool = True,
    cache: bool = True,
) -> TwoSessions:
    """The book's simulated two-session participants on special100 (cached); see :func:`simulate_two_sessions`.

    Parameters
    ----------
    n_participants, n_trials : int
        Participants (half do each modality first) and trial budget per session.
    carryover : float
        Share of the session-1 space remembered in session 2.
    seed : int
        An int, not a Generator: it is part of the cache key.
    progress, cache : bool
        Show progress; read and write the on-disk cache.

    Returns
    -------
    TwoSessions
    """
    n_participants = check_int(n_participants, "n_participants", minimum=2)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    spaces = special100_spaces()
    key = _cache_key(spaces, n=n_participants, trials=n_trials, carryover=carryover, seed=seed, design="two_sessions")

    @single_threaded  # see simulated_ma_rdms
    def compute():
        out = simulate_two_sessions(
            spaces["shared"],
            spaces["visual"],
            spaces["linguistic"],
            n_participants=n_participants,
            n_trials=n_trials,
            carryover=carryover,
            seed=seed,
            progress=progress,
        )
        return np.stack([out.session1, out.session2])

    arr = cached_array(key, compute, namespace="simulated_ma", enabled=cache)
    first = np.array([MODALITIES[p % 2] for p in range(n_participants)])
    return TwoSessions(first, arr[0], arr[1])
