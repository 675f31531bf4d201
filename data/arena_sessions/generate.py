"""Write the simulated example sessions of chapter 2's in-page arena (run from the repository root).

    REPALIGN_CACHE=.cache/repalign .venv/bin/python data/arena_sessions/generate.py

Deterministic: the same files every time (seed 2026). See SOURCE.md.
"""

import json
from pathlib import Path

from repalign import rdm
from repalign.book import arena_scenes, example_reader_sessions, special100_spaces
from repalign.stimuli import load_stimuli

here = Path(__file__).parent
scenes = load_stimuli("nsd_special100")
spaces = special100_spaces()
short = arena_scenes(rdm.cluster_order(rdm.compute_rdm(spaces["shared"])))["short"]
ids = [f"coco_{scenes.ids[i]}" for i in short]
for k, tree in enumerate(example_reader_sessions(spaces, short, ids, n_sessions=4, seed=2026), start=1):
    (here / f"simulated_reader_{k}_tree.json").write_text(json.dumps(tree, indent=1) + "\n")
