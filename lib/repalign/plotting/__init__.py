"""The book's plotly figures."""

from . import charts, model_comparison, profiles, rdm, scenes, style
from .charts import *
from .model_comparison import *
from .profiles import *
from .rdm import *
from .scenes import *
from .style import *

# The public API is each module's __all__, in this order (see the modules for the names).
__all__ = [*charts.__all__, *model_comparison.__all__, *profiles.__all__, *rdm.__all__, *scenes.__all__, *style.__all__]
