"""The book's stimuli: NSD/COCO scenes with captions and categories, COCO-format folders, and perturbations."""

from . import coco, images, perturb, sets
from .coco import *
from .images import *
from .perturb import *
from .sets import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*coco.__all__, *images.__all__, *perturb.__all__, *sets.__all__]
