"""Recording a chapter's key numbers for its tests (``REPALIGN_RECORDS``) and for the page (glue)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

__all__ = ["read_records", "record"]


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


#: Output metadata that marks the notebook-only display of recorded numbers; the website drops these
#: outputs (book/_ext/plain_markdown.py), where the numbers are glued into the prose instead.
_SHOWN_METADATA_KEY = "repalign_records"
_shown: dict = {}  # execution count of the running cell -> (display handle, {name: text})


def _compact(value) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        head = ", ".join(_compact(v) for v in value[:4])
        return f"[{head}]" if len(value) <= 4 else f"[{head}, …] ({len(value)} values)"
    if isinstance(value, dict):
        return f"{{{len(value)} entries}}"
    return str(value)


def _show_in_notebook(name: str, plain) -> None:
    """In a Jupyter kernel, show the cell's recorded numbers in one compact output, updated per call.

    The prose of a chapter opened in Jupyter or Colab names these numbers as ``⟨name:format⟩``
    (book/_ext/plain_markdown.py); this output shows them next to the code that computed them.
    ``REPALIGN_SHOW_RECORDS=0`` turns it off (the website build sets it; the site glues the numbers).
    """
    if os.environ.get("REPALIGN_SHOW_RECORDS", "1") == "0":
        return
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return
    handle, shown = _shown.get(shell.execution_count, (None, {}))
    shown[name] = _compact(plain)
    text = "Numbers for the text: " + " · ".join(f"⟨{k}⟩ = {v}" for k, v in shown.items())
    bundle, metadata = {"text/plain": text}, {_SHOWN_METADATA_KEY: True}
    if handle is None:
        handle = display(bundle, raw=True, metadata=metadata, display_id=True)
    else:
        handle.update(bundle, raw=True, metadata=metadata)
    _shown.clear()
    _shown[shell.execution_count] = (handle, shown)


def record(name: str, value, glue: bool = True):
    """Record a chapter's number (or small list/dict of numbers) under ``name``; returns ``value``.

    In a Jupyter kernel (outside the website build) the cell also shows its recorded numbers in one
    compact output, so a reader of the plain notebook sees the numbers the prose quotes.

    Parameters
    ----------
    name : str
        An identifier-like key (the prose's ``{glue:text}`name``` / ``⟨name⟩``).
    value : object
        A JSON-serialisable number, string, or small list/dict of them (numpy scalars/arrays allowed).
    glue : bool
        Also glue the value for the website (MyST-NB), when MyST-NB is installed.

    Returns
    -------
    object
        ``value``, unchanged.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier-like string; got {name!r}")
    plain = _plain(value)
    json.dumps(plain)  # fail here, not in the test, if the value is not JSON-serialisable
    target = os.environ.get("REPALIGN_RECORDS")
    if target:
        path = Path(target)
        data = json.loads(path.read_text()) if path.exists() else {}
        data[name] = plain
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1, sort_keys=True))
    if glue:
        try:
            from myst_nb import glue as _glue
        except ImportError:  # Colab / plain Jupyter: nothing to glue into
            pass
        else:
            _glue(name, plain, display=False)  # plain floats: numpy 2 scalars break {glue:text} formats
    _show_in_notebook(name, plain)
    return value


def read_records(path) -> dict:
    """Read a records JSON written by :func:`record`."""
    return json.loads(Path(path).read_text())
