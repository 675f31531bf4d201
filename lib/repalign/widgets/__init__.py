"""Interactive widgets: the playable Multiple Arrangements arena."""

from .arena import ArenaWidget, compare_with_models, play_arrangement

__all__ = [
    "ArenaWidget",
    "compare_with_models",
    "play_arrangement",
]
