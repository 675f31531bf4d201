"""The book's stimuli: NSD/COCO scenes with captions and categories, COCO-format folders, and perturbations."""

from .coco import (
    COCO_CATEGORIES,
    IMAGE_SUFFIXES,
    CocoImageList,
    CocoScenes,
    coco_image_list,
    read_coco,
)
from .images import LazyImages, open_rgb
from .perturb import (
    APPEARANCE,
    IMAGE_PERTURBATIONS,
    NOUN_LEXICON,
    main_noun,
    paraphrase,
    perturb_image,
    perturb_images,
    scramble_words,
    swap_main_noun,
)
from .sets import STIMULUS_SETS, ChecksumError, StimulusSet, load_stimuli, read_verified

__all__ = [
    "STIMULUS_SETS",
    "ChecksumError",
    "StimulusSet",
    "load_stimuli",
    "read_verified",
    "COCO_CATEGORIES",
    "IMAGE_SUFFIXES",
    "CocoImageList",
    "CocoScenes",
    "coco_image_list",
    "read_coco",
    "LazyImages",
    "open_rgb",
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
