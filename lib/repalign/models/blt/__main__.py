"""Command line: train the shipped BLT weights (``python -m repalign.models.blt``)."""

from __future__ import annotations

import argparse
import json

import torch

from repalign.models.blt.data import OBJECTIVES
from repalign.models.blt.pretrained import DEFAULT_CONFIG, train_shipped


def main(argv=None) -> None:
    """Command line: ``python -m repalign.models.blt train --objective embedding --out data/models/blt``."""
    parser = argparse.ArgumentParser(prog="python -m repalign.models.blt", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train a BLT net on the book's split and write its weights + metrics")
    p.add_argument("--objective", choices=OBJECTIVES, required=True)
    p.add_argument("--out", required=True, help="output folder (e.g. data/models/blt)")
    for name, value in DEFAULT_CONFIG.items():
        if name == "channels":
            p.add_argument("--channels", type=int, nargs="+", default=value)
        elif name != "schedule":
            p.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    p.add_argument("--schedule", choices=("onecycle", "cosine", "constant"), default=DEFAULT_CONFIG["schedule"])
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = {k: getattr(args, k) for k in DEFAULT_CONFIG}
    meta = train_shipped(args.objective, args.out, config=cfg)
    print(
        json.dumps(
            {
                k: meta[k]
                for k in ("objective", "final_train_loss", "final_test_loss", "train_seconds", "weights_sha256")
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
