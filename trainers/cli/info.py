"""`ganstudio info`: what a checkpoint holds, for a script that drives `sample`."""

from __future__ import annotations

import argparse
import json

NAME = "info"
HELP = "what a checkpoint holds: family, size, classes, codes, step, dataset"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ckpt")
    p.add_argument("--json", action="store_true")


def run(args) -> int:
    from ..checkpoints import read_meta
    from ..generator import describe

    path, meta = read_meta(args.ckpt)
    d = describe(meta)
    if args.json:
        print(json.dumps({"path": str(path), **d}, indent=1))
        return 0
    print(f"{path}")
    print(f"  family   {d['family']} — {d['title']}")
    if d["kind"] == "image":
        print(f"  image    {d['image_size']}x{d['image_size']} px, {d['channels']} channel(s)")
    else:
        print("  output   2D points")
    print(f"  z        {d['z_dim']} dims")
    print(f"  classes  {', '.join(d['classes']) if d['classes'] else '-'}")
    codes = [f"{c['name']} (categorical, {c['categories']} values)" if c["kind"] == "categorical"
             else f"{c['name']} (continuous, {c['range'][0]:g}..{c['range'][1]:g})" for c in d["codes"]]
    print(f"  codes    {', '.join(codes) if codes else '-'}")
    print(f"  inputs   {' ‖ '.join(_input_text(p) for p in d['inputs'])}")
    print(f"  step     {d['step']}")
    print(f"  dataset  {d['dataset']} ({d['dataset_fingerprint']})")
    return 0


def _input_text(part: dict) -> str:
    """One part of the generator-input descriptor in words, e.g. "z (100, normal)"."""
    kind = part["kind"]
    if kind == "categorical":
        what = "categorical " + "+".join(str(c) for c in part["categories"])
    elif kind == "image":
        what = "image " + "x".join(str(v) for v in part.get("shape", []))
    else:
        what = f"{kind} {part.get('size', '')}".strip()
    return f"{part['name']} ({what})"
