"""`ganstudio eval`: a checkpoint's scores next to the real-vs-real floor (``trainers/metrics``)."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "eval"
HELP = ("domain FID, KID, precision/recall, IS, class coverage, label and code accuracy of a checkpoint, next to "
        "the real-vs-real floor; against a folder of images (--real) or in Inception features (--features)")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ckpt", help="a .safetensors checkpoint or a run folder (→ its last checkpoint)")
    p.add_argument("--json", action="store_true", help="print the result as JSON (schema ganstudio-eval/1)")
    p.add_argument("--n", type=int, help="fakes and real images per set (default 5000, 2000 per ψ with "
                   "--truncation-sweep; capped at half the dataset)")
    p.add_argument("--modes-samples", type=int, metavar="N",
                   help="a stacked set's mode count (and its real floor) over N fakes and N real images (default "
                        "26000, the papers'; fewer for a quick check)")
    p.add_argument("--data-root", help="where the model's dataset lives, if not where it was trained")
    p.add_argument("--real", metavar="DIR", help="score against this folder of images instead of the model's own "
                   "data (resized to the model's side and channels; class sub-folders give labels, otherwise the "
                   "features are learnt on the folder without labels, once, then cached)")
    p.add_argument("--features", metavar="SPEC", default="auto",
                   help="the feature space: auto (the dataset's classifier on labelled images, else features learnt "
                        "on the images without labels), classifier, selfsup, or inception:FILE for the standard "
                        "FID/KID on Inception-v3 pool features of a torchvision weights file you have (.pth or "
                        ".safetensors state dict; nothing is downloaded)")
    p.add_argument("--device", default="auto", help="auto (cuda > mps > cpu), cpu, cuda, cuda:N or mps")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--truncation-sweep", action="store_true",
                   help="BigGAN's truncation curve: label accuracy, precision, recall and domain FID with z truncated "
                        "to ±ψ for ψ from untruncated to 0 (default --n 2000 per ψ)")


def run(args) -> int:
    from ..errors import ConfigError
    from ..metrics.checkpoint import evaluate_checkpoint
    from ..metrics.extractors import parse_features
    from ..metrics.report import table
    from ..runtime import pick_device

    if args.n is None:
        args.n = 2000 if args.truncation_sweep else 5000
    if not 50 <= args.n <= 100_000:
        raise ConfigError(f"--n must be in 50..100000, got {args.n}")
    if args.modes_samples is not None and not 100 <= args.modes_samples <= 1_000_000:
        raise ConfigError(f"--modes-samples must be in 100..1000000, got {args.modes_samples}")
    if args.modes_samples is not None and args.truncation_sweep:
        raise ConfigError("--modes-samples sets the mode count of a plain evaluation: leave it out with "
                          "--truncation-sweep")
    spec = parse_features(args.features)  # a wrong spec or a missing weights file: said before any work
    # a result against other images or in other features is kept beside the run's own, not over it
    tag = "-".join(t for t in ("real" if args.real else "", spec.tag) if t)
    bars: dict = {}

    def progress(stage: str, done: int, total: int) -> None:
        if args.quiet:
            return
        from tqdm import tqdm

        bar = bars.get(stage)
        if bar is None:
            for old in bars.values():
                old.close()
            bar = bars[stage] = tqdm(total=total, desc=stage, unit="img" if "images" in stage else "step",
                                     dynamic_ncols=True, file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    device = pick_device(args.device)
    try:
        if args.truncation_sweep:
            from ..metrics.evaluate import sweep_checkpoint

            result = sweep_checkpoint(args.ckpt, samples=args.n, device=device, data_root=args.data_root,
                                      progress=progress, real=args.real, features=args.features)
        else:
            result = evaluate_checkpoint(args.ckpt, samples=args.n, device=device, data_root=args.data_root,
                                         progress=progress, real=args.real, features=args.features,
                                         modes_samples=args.modes_samples)
    finally:
        for bar in bars.values():
            bar.close()
    from ..checkpoints import resolve_checkpoint_path
    from ..metrics.evaluate import store_result

    if args.truncation_sweep:
        from ..metrics.report import sweep_table

        stored = store_result(resolve_checkpoint_path(args.ckpt), result, "-".join(t for t in (tag, "truncation") if t))
        print(json.dumps(result, indent=1) if args.json else sweep_table(result))
        if stored is not None and not args.quiet:
            print(f"stored in {stored}", file=sys.stderr)
        return 0

    # beside its run (eval/step_XXXXXXX.json), where the app's scores line and `best` read evaluations
    stored = store_result(resolve_checkpoint_path(args.ckpt), result, tag)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(table(result))
    if stored is not None and not args.quiet:
        print(f"stored in {stored}", file=sys.stderr)
    return 0
