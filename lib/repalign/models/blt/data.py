"""Scenes and targets for training BLT networks (stimulus sets or COCO folders)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from repalign.core.progress import progress_bar
from repalign.core.validation import check_choice, check_int, check_strings
from repalign.models.vision import resize_center_crop
from repalign.stimuli.coco import COCO_CATEGORIES, read_coco
from repalign.stimuli.images import LazyImages, open_rgb

__all__ = [
    "BLT_SPLIT",
    "COCO_CATEGORIES",
    "OBJECTIVES",
    "SceneDataset",
    "SceneSplit",
    "book_split",
    "preprocess_images",
]


#: Readouts / training objectives: predict the captions' mean MPNet embedding (loss 1 - cosine), or the
#: multi-hot COCO categories (binary cross-entropy).
OBJECTIVES = ("embedding", "category")


#: The book's split (as in the MA study: train without the evaluation scenes, evaluate on special100).
BLT_SPLIT = {
    "train": "nsd_shared1000 minus nsd_special100 (900 scenes) + coco_mini scenes with categories",
    "test": "nsd_special100 (100 scenes, held out)",
}


_MEAN, _STD = 0.5, 0.25  # pixel scaling: (x / 255 - 0.5) / 0.25


_PAD = 1.125  # images are stored at 1.125 x input_size; training crops randomly, evaluation centrally


def preprocess_images(images, size: int) -> np.ndarray:
    """The stored pixels of BLT inputs: each image resized and centre-cropped to ``size`` x ``size``.

    The crop is :func:`repalign.models.vision.resize_center_crop` (shorter side ``size``, bicubic), the
    same operation EfficientNet's :func:`~repalign.models.vision.preprocess_image` applies at 256/224 px;
    here the pixels stay uint8 (they are scaled per batch, after the random training crops).

    Parameters
    ----------
    images : sequence of PIL.Image.Image
        RGB or RGB-convertible images.
    size : int
        Side of the crops (>= 8).

    Returns
    -------
    numpy.ndarray, shape (n_images, 3, size, size), uint8

    Raises
    ------
    TypeError
        For an element that is not a PIL image.
    ValueError
        For an image whose mode cannot be converted to RGB.
    """
    from PIL import Image

    size = check_int(size, "size", minimum=8)
    out = np.empty((len(images), 3, size, size), dtype=np.uint8)
    for k, img in enumerate(images):
        if not isinstance(img, Image.Image):
            raise TypeError(f"images[{k}] is {type(img).__name__}, not a PIL image")
        if img.mode not in ("RGB", "L", "RGBA", "P", "CMYK", "YCbCr"):
            raise ValueError(f"images[{k}] has mode {img.mode!r}; expected an RGB (or convertible) image")
        out[k] = np.asarray(resize_center_crop(img, size, size)).transpose(2, 0, 1)
    return out


def _stored_size(input_size: int) -> int:
    return int(round(input_size * _PAD))


def _to_input(pixels, input_size: int, offsets=None, flips=None):
    """uint8 ``(n, 3, S, S)`` stored crops -> float tensor ``(n, 3, input_size, input_size)``."""
    x = torch.as_tensor(pixels)
    s = x.shape[-1]
    if offsets is None:
        o = (s - input_size) // 2
        x = x[:, :, o : o + input_size, o : o + input_size]
    else:
        x = torch.stack([x[k, :, oy : oy + input_size, ox : ox + input_size] for k, (oy, ox) in enumerate(offsets)])
    if flips is not None:
        x = torch.where(torch.as_tensor(flips)[:, None, None, None], x.flip(-1), x)
    return (x.float() / 255.0 - _MEAN) / _STD


@dataclass
class SceneDataset:
    """Images with their human captions and COCO categories.

    Build one with :meth:`from_stimuli` (the book's shipped scenes) or :meth:`from_coco` (a COCO-format
    folder). Images are decoded lazily; :meth:`pixels` caches the resized crops.

    Attributes
    ----------
    images : sequence of PIL.Image.Image
    captions : list of list of str
        At least one caption per image.
    categories : list of list of str
        COCO category names per image (may be empty).
    ids : numpy.ndarray
        An id per image (COCO ids).
    """

    images: Sequence
    captions: list
    categories: list
    ids: np.ndarray

    def __post_init__(self):
        n = len(self.images)
        if n == 0:
            raise ValueError("images is empty: a dataset needs at least one image")
        if len(self.captions) != n or len(self.categories) != n or len(self.ids) != n:
            raise ValueError(
                f"images, captions, categories and ids must have the same length; got "
                f"{n}, {len(self.captions)}, {len(self.categories)}, {len(self.ids)}"
            )
        for i, caps in enumerate(self.captions):
            if isinstance(caps, str) or not caps:
                raise ValueError(
                    f"captions[{i}] (image id {self.ids[i]}) has no captions; every image needs at least one"
                )
            check_strings(caps, f"captions[{i}]")
        unknown = sorted({c for cats in self.categories for c in cats} - set(COCO_CATEGORIES))
        if unknown:
            raise ValueError(f"categories holds names that are not COCO categories: {unknown[:5]}")
        self._pixels = {}

    def __len__(self) -> int:
        return len(self.images)

    @classmethod
    def from_stimuli(cls, *stimulus_sets, require_categories: bool = False) -> SceneDataset:
        """A dataset from one or more :class:`~repalign.stimuli.StimulusSet` (concatenated in order).

        Parameters
        ----------
        *stimulus_sets : StimulusSet
            E.g. ``load_stimuli("nsd_shared1000")``.
        require_categories : bool
            Drop scenes whose category list is empty (unknown, e.g. COCO-MINI val).

        Returns
        -------
        SceneDataset
            The images stay lazy (read from the stimulus sets on access).
        """
        if not stimulus_sets:
            raise ValueError("stimulus_sets is empty: pass at least one StimulusSet")
        where, caps, cats, ids = [], [], [], []  # where[i] = (lazy image sequence, index in it)
        for s in stimulus_sets:
            keep = [i for i in range(len(s)) if s.categories[i] or not require_categories]
            where += [(s.images, i) for i in keep]
            caps += [list(s.captions[i]) for i in keep]
            cats += [list(s.categories[i]) for i in keep]
            ids += [int(s.ids[i]) for i in keep]
        images = LazyImages(len(where), lambda i: where[i][0][where[i][1]])
        return cls(images, caps, cats, np.array(ids, dtype=np.int64))

    @classmethod
    def from_coco(
        cls, folder, *, split: str | None = None, image_dir: str | None = None, require_categories: bool = False
    ) -> SceneDataset:
        """A dataset from one split of a COCO-format folder (read by :func:`repalign.stimuli.read_coco`).

        Parameters
        ----------
        folder : str or Path
            The COCO root, holding ``annotations/captions_<split>.json``, optionally
            ``annotations/instances_<split>.json`` (or the same files at the top level), and the images
            named by their ``file_name`` (e.g. in ``train2017/``).
        split, image_dir, require_categories
            As in :func:`repalign.stimuli.read_coco` (the split, the images' folder, and whether to drop
            images without instance annotations).

        Returns
        -------
        SceneDataset
            Sorted by image id; the images are decoded on access.
        """
        coco = read_coco(folder, split=split, image_dir=image_dir, require_categories=require_categories)
        files = coco.files
        return cls(LazyImages(len(files), lambda i: open_rgb(files[i])), coco.captions, coco.categories, coco.ids)

    def pixels(self, size: int, *, progress: bool = False) -> np.ndarray:
        """Resized centre crops of the images (:func:`preprocess_images`), computed once per size.

        Parameters
        ----------
        size : int
            Side of the crops.
        progress : bool
            Progress bar over the images decoded.

        Returns
        -------
        numpy.ndarray, shape (n_images, 3, size, size), uint8
        """
        if size not in self._pixels:
            imgs = [
                self.images[i]
                for i in progress_bar(range(len(self)), enabled=progress, desc="decoding images", unit="img")
            ]
            self._pixels[size] = preprocess_images(imgs, size)
        return self._pixels[size]

    def embedding_targets(self, *, model: str = "mpnet", n_captions: int = 5, progress: bool = False) -> np.ndarray:
        """Unit-length mean sentence embedding of each image's first ``n_captions`` captions.

        Parameters
        ----------
        model : str
            A sentence encoder of :func:`repalign.models.encode_text` (default MPNet).
        n_captions : int
            Captions averaged per image (the first ones).
        progress : bool
            Progress bar of the encoder.

        Returns
        -------
        numpy.ndarray, shape (n_images, n_features), float32
        """
        from repalign.models.text import encode_text

        n_captions = check_int(n_captions, "n_captions", minimum=1)
        flat, owner = [], []
        for i, caps in enumerate(self.captions):
            flat += caps[:n_captions]
            owner += [i] * len(caps[:n_captions])
        emb = encode_text(flat, model=model, progress=progress)
        owner = np.asarray(owner)
        mean = np.stack([emb[owner == i].mean(0) for i in range(len(self))])
        return (mean / np.linalg.norm(mean, axis=1, keepdims=True)).astype(np.float32)

    def category_targets(self) -> np.ndarray:
        """The categories of each image as a multi-hot matrix over :data:`COCO_CATEGORIES`.

        Returns
        -------
        numpy.ndarray, shape (n_images, 80), float32
        """
        out = np.zeros((len(self), len(COCO_CATEGORIES)), dtype=np.float32)
        index = {c: k for k, c in enumerate(COCO_CATEGORIES)}
        for i, cats in enumerate(self.categories):
            for c in cats:
                out[i, index[c]] = 1.0
        return out

    def targets(self, objective: str, **kwargs) -> np.ndarray:
        """The training targets of ``objective``: :meth:`embedding_targets` or :meth:`category_targets`.

        Parameters
        ----------
        objective : {"embedding", "category"}
        **kwargs
            Passed to :meth:`embedding_targets`.

        Returns
        -------
        numpy.ndarray, shape (n_images, n_features), float32
        """
        check_choice(objective, "objective", OBJECTIVES)
        return self.embedding_targets(**kwargs) if objective == "embedding" else self.category_targets()


@dataclass(frozen=True)
class SceneSplit:
    """Result of :func:`book_split`: a training and a held-out :class:`SceneDataset`.

    Iterating yields ``train`` then ``test``, so ``train_set, test_set = book_split()`` works.

    Attributes
    ----------
    train : SceneDataset
    test : SceneDataset
    """

    train: SceneDataset
    test: SceneDataset

    def __iter__(self):
        yield self.train
        yield self.test


def book_split() -> SceneSplit:
    """The book's training and held-out sets (:data:`BLT_SPLIT`); both keep only scenes with categories.

    Returns
    -------
    SceneSplit
        ``train`` (900 NSD shared scenes without special100, plus COCO-MINI) and ``test`` (special100).
    """
    from repalign.stimuli.sets import load_stimuli

    shared, special, mini = (load_stimuli(n) for n in ("nsd_shared1000", "nsd_special100", "coco_mini"))
    held = set(special.ids.tolist())
    train_idx = [i for i, cid in enumerate(shared.ids) if int(cid) not in held]
    train_set = SceneDataset.from_stimuli(shared.subset(train_idx), mini, require_categories=True)
    return SceneSplit(train_set, SceneDataset.from_stimuli(special, require_categories=True))
