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


def record(name: str, value, glue: bool = True):
    """Record a chapter's number (or small list/dict of numbers) under ``name``; returns ``value``."""
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
    return value


def read_records(path) -> dict:
    """Read a records JSON written by :func:`record`."""
    return json.loads(Path(path).read_text())
