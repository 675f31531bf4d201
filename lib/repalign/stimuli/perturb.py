"""Seeded image and caption perturbations (chapter 7): appearance vs meaning."""

from __future__ import annotations

import re

import numpy as np

from repalign.core.validation import check_choice, check_int, check_seed, check_strings

__all__ = [
    "APPEARANCE",
    "IMAGE_PERTURBATIONS",
    "NOUN_LEXICON",
    "main_noun",
    "paraphrase",
    "perturb_image",
    "perturb_images",
    "scramble_words",
    "swap_main_noun",
]


#: Image perturbations that change appearance but keep what the scene shows.
APPEARANCE = ("colour_jitter", "greyscale", "blur", "hflip", "crop")


#: Every image perturbation :func:`perturb_image` knows.
IMAGE_PERTURBATIONS = APPEARANCE + ("augment", "shuffle_tiles")


_JITTER = 0.4  # brightness, contrast and saturation factors drawn from [1 - 0.4, 1 + 0.4]


_HUE = 0.08  # hue shift drawn from [-0.08, 0.08] of the colour circle


_BLUR_RADIUS = 3.0  # Gaussian blur radius in pixels (images are ~200 px)


_CROP_SIDE = (0.6, 0.85)  # side of a random crop as a fraction of the image side (then resized back)


_TILES = 4  # "shuffle_tiles" cuts a 4 x 4 grid


#: Nouns that name a COCO category in a caption, per category (singular and plural forms, common
#: synonyms). :func:`main_noun` finds the first of them in a caption. Multi-word terms come first.
NOUN_LEXICON = {
    "person": (
        "man",
        "men",
        "woman",
        "women",
        "person",
        "people",
        "boy",
        "boys",
        "girl",
        "girls",
        "child",
        "children",
        "kid",
        "kids",
        "guy",
        "guys",
        "lady",
        "ladies",
        "player",
        "players",
        "skier",
        "skiers",
        "surfer",
        "surfers",
        "skateboarder",
        "snowboarder",
        "rider",
        "crowd",
        "baby",
        "couple",
        "family",
        "team",
    ),
    "bicycle": ("bicycle", "bicycles", "bike", "bikes"),
    "car": ("car", "cars"),
    "motorcycle": ("motorcycle", "motorcycles", "motorbike", "motorbikes"),
    "airplane": ("airplane", "airplanes", "plane", "planes", "jet", "jets", "aircraft", "airliner"),
    "bus": ("bus", "buses"),
    "train": ("train", "trains"),
    "truck": ("truck", "trucks"),
    "boat": ("boat", "boats", "ship", "ships", "kayak", "kayaks", "canoe", "canoes"),
    "traffic light": ("traffic light", "traffic lights", "stop light"),
    "fire hydrant": ("fire hydrant", "hydrant"),
    "stop sign": ("stop sign", "stop signs"),
    "parking meter": ("parking meter", "parking meters"),
    "bench": ("bench", "benches"),
    "bird": ("bird", "birds", "seagull", "duck", "ducks", "pigeon", "pigeons"),
    "cat": ("cat", "cats", "kitten"),
    "dog": ("dog", "dogs", "puppy"),
    "horse": ("horse", "horses"),
    "sheep": ("sheep", "lamb"),
    "cow": ("cow", "cows", "cattle"),
    "elephant": ("elephant", "elephants"),
    "bear": ("bear", "bears"),
    "zebra": ("zebra", "zebras"),
    "giraffe": ("giraffe", "giraffes"),
    "backpack": ("backpack", "backpacks"),
    "umbrella": ("umbrella", "umbrellas"),
    "handbag": ("handbag", "purse", "bag"),
    "tie": ("tie", "necktie"),
    "suitcase": ("suitcase", "suitcases", "luggage"),
    "frisbee": ("frisbee", "frisbees"),
    "skis": ("skis", "ski"),
    "snowboard": ("snowboard", "snowboards"),
    "sports ball": ("ball", "soccer ball", "tennis ball", "baseball", "football"),
    "kite": ("kite", "kites"),
    "baseball bat": ("baseball bat", "bat"),
    "baseball glove": ("baseball glove", "glove", "mitt"),
    "skateboard": ("skateboard", "skateboards"),
    "surfboard": ("surfboard", "surfboards", "surf board"),
    "tennis racket": ("tennis racket", "racket", "racquet"),
    "bottle": ("bottle", "bottles"),
    "wine glass": ("wine glass", "wine glasses"),
    "cup": ("cup", "cups", "mug", "mugs"),
    "fork": ("fork", "forks"),
    "knife": ("knife", "knives"),
    "spoon": ("spoon", "spoons"),
    "bowl": ("bowl", "bowls"),
    "banana": ("banana", "bananas"),
    "apple": ("apple", "apples"),
    "sandwich": ("sandwich", "sandwiches"),
    "orange": ("orange", "oranges"),
    "broccoli": ("broccoli",),
    "carrot": ("carrot", "carrots"),
    "hot dog": ("hot dog", "hot dogs"),
    "pizza": ("pizza", "pizzas"),
    "donut": ("donut", "donuts", "doughnut", "doughnuts"),
    "cake": ("cake", "cakes"),
    "chair": ("chair", "chairs"),
    "couch": ("couch", "couches", "sofa"),
    "potted plant": ("potted plant", "plant", "plants"),
    "bed": ("bed", "beds"),
    "dining table": ("dining table", "table", "tables"),
    "toilet": ("toilet", "toilets"),
    "tv": ("tv", "television", "tvs"),
    "laptop": ("laptop", "laptops", "computer"),
    "mouse": ("mouse",),
    "remote": ("remote", "remote control"),
    "keyboard": ("keyboard", "keyboards"),
    "cell phone": ("cell phone", "cellphone", "phone", "phones"),
    "microwave": ("microwave",),
    "oven": ("oven", "stove"),
    "toaster": ("toaster",),
    "sink": ("sink", "sinks"),
    "refrigerator": ("refrigerator", "fridge"),
    "book": ("book", "books"),
    "clock": ("clock", "clocks"),
    "vase": ("vase", "vases"),
    "scissors": ("scissors",),
    "teddy bear": ("teddy bear", "teddy bears", "stuffed animal"),
    "hair drier": ("hair drier", "hair dryer"),
    "toothbrush": ("toothbrush", "toothbrushes"),
}


_TERMS = sorted(((t, c) for c, ts in NOUN_LEXICON.items() for t in ts), key=lambda tc: -len(tc[0]))


_TERM_RE = re.compile(r"\b(" + "|".join(re.escape(t) for t, _ in _TERMS) + r")\b", re.IGNORECASE)


_CATEGORY = {t: c for t, c in _TERMS}


# --------------------------------------------------------------------------------------------
# images
def _check_image(img, name: str = "img"):
    from PIL import Image

    if not isinstance(img, Image.Image):
        raise TypeError(f"{name} must be a PIL image; got {type(img).__name__}")
    return img.convert("RGB")


def _colour_jitter(img, rng: np.random.Generator):
    from PIL import ImageEnhance

    for enhancer in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        img = enhancer(img).enhance(float(rng.uniform(1 - _JITTER, 1 + _JITTER)))
    hsv = np.asarray(img.convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(int) + int(round(rng.uniform(-_HUE, _HUE) * 255))) % 256
    from PIL import Image

    return Image.fromarray(hsv, "HSV").convert("RGB")


def _crop(img, rng: np.random.Generator):
    w, h = img.size
    side = rng.uniform(*_CROP_SIDE)
    cw, ch = max(1, round(w * side)), max(1, round(h * side))
    left, top = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    from PIL import Image

    return img.crop((left, top, left + cw, top + ch)).resize((w, h), Image.BICUBIC)


def _shuffle_tiles(img, rng: np.random.Generator):
    arr = np.asarray(img)
    h, w = (arr.shape[0] // _TILES) * _TILES, (arr.shape[1] // _TILES) * _TILES
    th, tw = h // _TILES, w // _TILES
    tiles = [arr[r * th : (r + 1) * th, c * tw : (c + 1) * tw] for r in range(_TILES) for c in range(_TILES)]
    perm = rng.permutation(len(tiles))
    while np.all(perm == np.arange(len(tiles))):  # never the identity
        perm = rng.permutation(len(tiles))
    rows = [np.concatenate([tiles[perm[r * _TILES + c]] for c in range(_TILES)], axis=1) for r in range(_TILES)]
    from PIL import Image

    return Image.fromarray(np.ascontiguousarray(np.concatenate(rows, axis=0)))


def _apply(img, kind: str, rng: np.random.Generator):
    from PIL import ImageFilter, ImageOps

    if kind == "colour_jitter":
        return _colour_jitter(img, rng)
    if kind == "greyscale":
        return img.convert("L").convert("RGB")
    if kind == "blur":
        return img.filter(ImageFilter.GaussianBlur(_BLUR_RADIUS))
    if kind == "hflip":
        return ImageOps.mirror(img)
    if kind == "crop":
        return _crop(img, rng)
    if kind == "augment":
        img = _crop(img, rng)
        if rng.random() < 0.5:
            img = ImageOps.mirror(img)
        return _colour_jitter(img, rng)
    return _shuffle_tiles(img, rng)


def perturb_image(img, kind: str, *, seed=0):
    """Return a perturbed copy of one image.

    Parameters
    ----------
    img : PIL.Image.Image
        The image (converted to RGB; the original is not modified).
    kind : str
        One of :data:`IMAGE_PERTURBATIONS`:

        - ``"colour_jitter"``: brightness, contrast and saturation scaled by random factors in
          [0.6, 1.4] and the hue rotated by up to ±8 % of the colour circle;
        - ``"greyscale"``: luminance only;
        - ``"blur"``: Gaussian blur of radius 3 px;
        - ``"hflip"``: mirror image;
        - ``"crop"``: a random crop of 60–85 % of each side, resized back to the original size;
        - ``"augment"``: crop, then a flip with probability 1/2, then colour jitter (a random *view*);
        - ``"shuffle_tiles"``: the image cut into a 4 × 4 grid whose tiles are shuffled (never the
          identity permutation) — this one destroys object shapes and layout.
    seed : int or numpy.random.Generator
        Seeds the random parameters (deterministic kinds ignore it).

    Returns
    -------
    PIL.Image.Image
        Same size as ``img``, RGB.
    """
    img = _check_image(img)
    check_choice(kind, "kind", IMAGE_PERTURBATIONS)
    return _apply(img, kind, check_seed(seed))


def perturb_images(images, kind: str, *, seed=0) -> list:
    """Perturb every image of a sequence; image ``i`` gets its own random stream derived from ``seed`` and ``i``.

    The result for image ``i`` does not depend on the other images, so a subset perturbed with the
    same seed gives the same images (``perturb_images(imgs, k, seed=s)[i]`` equals
    ``perturb_image(imgs[i], k, seed=numpy.random.default_rng([s, i]))`` for an int seed ``s``).

    Parameters
    ----------
    images : sequence of PIL.Image.Image
    kind : str
        One of :data:`IMAGE_PERTURBATIONS` (see :func:`perturb_image`).
    seed : int or numpy.random.Generator
        An int >= 0; a Generator is consumed for one int seed, ``seed.integers(2**63 - 1)``.

    Returns
    -------
    list of PIL.Image.Image
    """
    from PIL import Image

    check_choice(kind, "kind", IMAGE_PERTURBATIONS)
    if isinstance(images, Image.Image) or not hasattr(images, "__len__"):
        raise TypeError("images must be a sequence of PIL images")
    if len(images) == 0:
        raise ValueError("images is empty")
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63 - 1))
    seed = check_int(seed, "seed", minimum=0)
    return [
        _apply(_check_image(img, f"images[{i}]"), kind, np.random.default_rng([seed, i]))
        for i, img in enumerate(images)
    ]


# --------------------------------------------------------------------------------------------
# captions
def scramble_words(texts, *, seed=0) -> list[str]:
    """Shuffle the word order of each text (never the original order when two words differ).

    Words are split on white space and keep their punctuation and case; the bag of words is
    unchanged, only the order goes. Text ``i`` uses a random stream derived from ``seed`` and ``i``.

    Parameters
    ----------
    texts : sequence of str
    seed : int or numpy.random.Generator
        An int >= 0; a Generator is consumed for one int seed, ``seed.integers(2**63 - 1)``.

    Returns
    -------
    list of str
    """
    texts = check_strings(texts, "texts")
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63 - 1))
    seed = check_int(seed, "seed", minimum=0)
    out = []
    for i, text in enumerate(texts):
        words = text.split()
        rng = np.random.default_rng([seed, i])
        if len(set(words)) < 2:
            out.append(" ".join(words))
            continue
        shuffled = words
        while shuffled == words:
            shuffled = [words[j] for j in rng.permutation(len(words))]
        out.append(" ".join(shuffled))
    return out


def main_noun(text: str):
    """The first word or phrase of ``text`` that names a COCO category, as ``(term, category)``, or ``None``.

    Terms come from :data:`NOUN_LEXICON` (``"man"`` → ``"person"``, ``"table"`` → ``"dining table"``);
    longer terms win over their parts (``"hot dog"`` before ``"dog"``). The match is
    case-insensitive; ``term`` is returned as it appears in ``text``.

    Parameters
    ----------
    text : str

    Returns
    -------
    tuple of (str, str) or None
        ``(term, category)``.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string; got {type(text).__name__}")
    m = _TERM_RE.search(text)
    if m is None:
        return None
    return m.group(0), _CATEGORY[m.group(0).lower()]


def swap_main_noun(texts, *, seed=0) -> list[str]:
    """Replace each text's main noun (:func:`main_noun`) by the main noun of another text.

    The donors are a random permutation of the texts (seeded); a donor whose main noun names the
    same COCO category is skipped for the next one, so every text ends up naming a different
    object ("A man riding a wave" → "A giraffe riding a wave"). Only the first occurrence is
    replaced; grammar is not repaired.

    Parameters
    ----------
    texts : sequence of str
    seed : int or numpy.random.Generator
        Seeds the permutation of donors.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        If a text has no main noun (filter with :func:`main_noun` first) or if all texts name the
        same category.
    """
    texts = check_strings(texts, "texts")
    found = [main_noun(t) for t in texts]
    missing = [i for i, f in enumerate(found) if f is None]
    if missing:
        raise ValueError(f"texts[{missing[0]}] has no COCO object noun to swap ({len(missing)} text(s) without one)")
    cats = np.array([c for _, c in found])
    if np.unique(cats).size < 2:
        raise ValueError("texts all name the same COCO category: there is nothing to swap with")
    order = check_seed(seed).permutation(len(texts))
    out = []
    for i, (text, (_term, cat)) in enumerate(zip(texts, found)):
        start = int(np.flatnonzero(order == i)[0])
        donor = next(j for j in np.roll(order, -start - 1) if cats[j] != cat)
        m = _TERM_RE.search(text)
        out.append(text[: m.start()] + found[donor][0].lower() + text[m.end() :])
    return out


def paraphrase(captions, *, reference: int = 0, seed=0) -> list[str]:
    """For each scene, one of its human captions other than caption ``reference``, chosen at random.

    Two captions of the same scene written by different people describe the same content in
    different words: a perturbation that keeps the meaning and changes the wording.

    Parameters
    ----------
    captions : sequence of sequences of str
        Captions per scene (e.g. ``StimulusSet.captions``), at least two per scene.
    reference : int
        Index of the caption that is being replaced.
    seed : int or numpy.random.Generator
        Seeds the choice of caption.

    Returns
    -------
    list of str
        One caption per scene.
    """
    if isinstance(captions, str) or not hasattr(captions, "__len__") or len(captions) == 0:
        raise ValueError("captions must be a non-empty sequence of caption lists")
    reference = check_int(reference, "reference", minimum=0)
    rng = check_seed(seed)
    out = []
    for i, caps in enumerate(captions):
        caps = check_strings(caps, f"captions[{i}]")
        if len(caps) < 2 or reference >= len(caps):
            raise ValueError(f"captions[{i}] needs at least 2 captions and one at index {reference}; got {len(caps)}")
        others = [c for j, c in enumerate(caps) if j != reference]
        out.append(others[int(rng.integers(len(others)))])
    return out
