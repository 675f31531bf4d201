"""Statistical inference on RDMs: bootstrap, permutation, fixed/random effects, noise ceilings, FDR, CV-NNLS, model comparison."""

from . import (
    attenuation,
    bootstrap,
    ceiling,
    comparison,
    correlation,
    crossed,
    effects,
    multiple,
    permutation,
    reliability,
    reweight,
)
from .attenuation import *
from .bootstrap import *
from .ceiling import *
from .comparison import *
from .correlation import *
from .crossed import *
from .effects import *
from .multiple import *
from .permutation import *
from .reliability import *
from .reweight import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [
    *attenuation.__all__,
    *bootstrap.__all__,
    *ceiling.__all__,
    *comparison.__all__,
    *correlation.__all__,
    *crossed.__all__,
    *effects.__all__,
    *multiple.__all__,
    *permutation.__all__,
    *reliability.__all__,
    *reweight.__all__,
]
