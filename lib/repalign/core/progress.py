"""Progress bars (tqdm), silenced by ``progress=False`` or ``TQDM_DISABLE=1``."""

from __future__ import annotations

import os

__all__ = ["progress_bar"]


def progress_bar(iterable, enabled: bool = True, **kwargs):
    """Wrap ``iterable`` in a tqdm bar (``tqdm.auto``), or return it unchanged when disabled.

    ``TQDM_DISABLE=1`` in the environment disables every bar (the book build and the tests set it:
    a finished bar is noise on a static page). tqdm's notebook bar ignores that variable by itself.
    """
    if not enabled or os.environ.get("TQDM_DISABLE", "").lower() in ("1", "true", "yes"):
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, **kwargs)
