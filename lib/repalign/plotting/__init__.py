"""The book's plotly figures."""

from .charts import (
    blt_diagram,
    bootstrap_histogram,
    curves_with_bands,
    grouped_bars,
    layer_profile,
    precision_curves,
)
from .model_comparison import compact_letters, model_comparison_figure
from .rdm import pair_scatter, rdm_heatmap, rdm_heatmaps, score_heatmap
from .scenes import (
    arena_figure,
    arrangement_replay,
    labelled_scatter,
    mds_scatter,
    retrieval_picker,
    scene_grid,
)
from .style import (
    OKABE_ITO,
    SEQUENTIAL,
    TEMPLATE_NAME,
    hover_labels,
    thumbnail_uri,
    use_book_template,
)

__all__ = [
    "OKABE_ITO",
    "SEQUENTIAL",
    "TEMPLATE_NAME",
    "hover_labels",
    "thumbnail_uri",
    "use_book_template",
    "pair_scatter",
    "rdm_heatmap",
    "rdm_heatmaps",
    "score_heatmap",
    "arena_figure",
    "arrangement_replay",
    "labelled_scatter",
    "mds_scatter",
    "retrieval_picker",
    "scene_grid",
    "blt_diagram",
    "bootstrap_histogram",
    "curves_with_bands",
    "grouped_bars",
    "layer_profile",
    "precision_curves",
    "compact_letters",
    "model_comparison_figure",
]
