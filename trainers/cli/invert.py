"""`ganstudio invert`: the latent a generator draws an image from, as a latent file the explorer opens."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "invert"
HELP = "find the latent a generator draws an image from; write it as a latent file " "the explorer opens (Ctrl+Shift+O)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ckpt", help="a .safetensors checkpoint or a run folder")
    p.add_argument("image", help="a PNG or JPEG (centre-cropped and resized to the model's size)")
    p.add_argument("--out", required=True, help="latent file to write (.json)")
    p.add_argument("--recon", help="also write the reconstruction beside the target as a PNG")
    p.add_argument("--steps", type=int, default=300, help="optimisation steps (default 300)")
    p.add_argument("--restarts", type=int, default=8, help="random starts optimised side by side (default 8)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    import torch

    from ..atomic import atomic_write_text
    from ..errors import ConfigError
    from ..generator import load_generator
    from ..images import save_png, to_uint8_grid
    from ..invert import invert, inversion_file, load_target

    gen = load_generator(args.ckpt)
    target = load_target(args.image, tuple(gen.meta["data"]["shape"]))
    bar = None
    if not args.quiet:
        from tqdm import tqdm

        bar = tqdm(total=args.steps + max(1, args.steps // 5), unit="step", desc="inverting", file=sys.stderr,
                   dynamic_ncols=True, leave=False)
    try:
        inv = invert(gen, target, steps=args.steps, restarts=args.restarts, seed=args.seed,
                     progress=(lambda d, n: bar.update(d - bar.n)) if bar is not None else None)
    finally:
        if bar is not None:
            bar.close()
    try:
        atomic_write_text(args.out, json.dumps(inversion_file(gen, inv), indent=1))
        if args.recon:
            save_png(to_uint8_grid(torch.stack([target, inv.recon]), 2), args.recon)
    except OSError as exc:
        raise ConfigError(f"cannot write {exc.filename or args.out} ({exc.strerror or exc}); choose a writable "
                          "folder") from None
    what = [f"class {gen.class_names[inv.label]}" if inv.label is not None else ""]
    what += [f"codes {', '.join(map(str, inv.cat + tuple(round(c, 2) for c in inv.cont)))}" if inv.cat or inv.cont
             else ""]
    print(f"wrote {args.out}: mean squared error {inv.mse:.4f} (best random start {inv.start_mse:.4f})"
          + "".join(f" · {w}" for w in what if w))
    return 0
