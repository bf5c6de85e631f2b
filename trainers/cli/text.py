"""`ganstudio text`: TediGAN on a StyleGAN of the digits (``trainers/text``)."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "text"
HELP = "TediGAN on a StyleGAN of the digits: draw digits from words, or edit one with " "words (the text model is trained on first use, a few minutes, and kept beside the checkpoint)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ckpt", help="a stylegan checkpoint trained on digits, or its run folder")
    p.add_argument("prompt", nargs="?", help='what to draw, e.g. "a thick slanted seven"')
    p.add_argument("--out", default="text.png", help="image to write (default text.png)")
    p.add_argument("--n", type=int, default=8, help="images to draw (default 8)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=40, help="instance-level optimisation steps (default 40; 0: the "
                   "text mapper's start alone)")
    p.add_argument("--starts", type=int, default=3, help="start styles optimised for each image, the one closest to "
                   "the text kept (default 3; 1: one start, 3× faster)")
    p.add_argument("--edit", metavar="IMAGE", help="edit this image (projected into W+ first) instead of drawing")
    p.add_argument("--edit-seed", type=int, metavar="S", help="edit the generator's sample of seed S")
    p.add_argument("--image-weight", type=float, default=2.0, help="edits: how strongly the image is kept "
                   "(default 2)")
    p.add_argument("--trajectory", action="store_true", help="write the optimisation's path, one row per image")
    p.add_argument("--train", action="store_true", help="train the text model again, even if there is one")
    p.add_argument("--eval", action="store_true", help="measure the text model: attribute accuracy of drawings on "
                   "held-out captions, retrieval, edits")
    p.add_argument("--json", action="store_true", help="with --eval: print the figures as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def run(args) -> int:
    import numpy as np
    import torch

    from ..errors import ConfigError
    from ..generator import load_generator
    from ..images import save_png, to_uint8_grid
    from ..text import captions as cap
    from ..text import tedigan as td

    gen = load_generator(args.ckpt)
    if not gen.can("text"):
        raise ConfigError(f"{gen.path.name} is a {gen.meta['model']['family']} model: text needs a model that words "
                          "can drive (a stylegan checkpoint trained on digits, e.g. assets/models/stylegan-digits)")
    if not args.prompt and not args.eval and not args.train:
        raise ConfigError('give a prompt, e.g. ganstudio text CKPT "a thick slanted seven" (or --train / --eval)')
    if args.edit is not None and args.edit_seed is not None:
        raise ConfigError("--edit and --edit-seed both name what to edit: give one")
    if args.prompt:
        cap.encode([args.prompt], strict=True)  # an unknown word is said now, not after minutes of training
    found = None if args.train else td.find_text_model(gen)
    if found is not None:
        model = td.load_text_model(found, gen)
    else:
        data = td.training_data(gen)
        bar = None
        if not args.quiet:
            from tqdm import tqdm

            total = sum(td.STEPS.values())
            bar = tqdm(total=total, unit="step", desc="training the text model", file=sys.stderr, dynamic_ncols=True,
                       leave=False)
            done = {}

            def progress(part: str, k: int, n: int) -> None:
                done[part] = k
                bar.set_postfix_str(part)
                bar.update(sum(done.values()) - bar.n)
        try:
            model = td.train_text_model(gen, data, progress=progress if bar is not None else None)
        finally:
            if bar is not None:
                bar.close()
        path = td.store_text_model(model, gen)
        print(f"trained the text model in {model.info['seconds']:.0f} s; kept in {path}", file=sys.stderr)
    if args.eval:
        from ..metrics.features import get_extractor
        from ..metrics.text import evaluate_text, table

        data = td.training_data(gen)
        result = evaluate_text(model, gen, data, get_extractor(data), steps=args.steps)
        print(json.dumps(result, indent=1) if args.json else "\n".join(table(result)))
    if not args.prompt:
        return 0
    keep = max(1, args.steps // 6) if args.trajectory and args.steps else 0
    if args.edit is not None or args.edit_seed is not None:
        body = td.style_body(gen)
        if args.edit is not None:
            from ..invert import load_target
            from ..projection import project

            target = load_target(args.edit, tuple(gen.meta["data"]["shape"]))
            ws0 = project(gen, target, space="w+", steps=200).ws
        else:
            z = gen.latent(1, seed=args.edit_seed)["z"]
            with torch.no_grad():
                ws0 = body.ws(z)[0]
        r = td.edit(model, gen, args.prompt, ws0, steps=args.steps, image_weight=args.image_weight, keep_every=keep)
        images = torch.cat([r.start, r.images]) if not keep else None
        nrow = 2
    else:
        r = td.generate(model, gen, args.prompt, n=args.n, seed=args.seed, steps=args.steps, keep_every=keep,
                        starts=args.starts)
        images, nrow = r.images, min(8, args.n)
    if keep:
        cols = len(r.trajectory)
        images = torch.stack([img for _, img in r.trajectory], 1).flatten(0, 1)
        nrow = cols
    try:
        save_png(to_uint8_grid(images, nrow), args.out)
    except OSError as exc:
        raise ConfigError(f"cannot write {args.out} ({exc.strerror or exc}); choose a writable folder") from None
    sims = r.similarity
    print(f"wrote {args.out}: {args.prompt!r} read as {cap.describe(r.said[0])}; similarity "
          f"{np.mean(sims[0]):.3f} → {np.mean(sims[-1]):.3f} over {len(sims) - 1} steps")
    return 0
