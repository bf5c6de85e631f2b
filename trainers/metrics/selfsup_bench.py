"""Does the self-supervised encoder (``selfsup.py``) give features a FID can be trusted on? Measured with the labels
hidden, on the real MNIST test split and on the embedded digits:

1. training time, and the 20-NN label accuracy of the learnt features (raw pixels beside it);
2. FID of real half B, and of half B with Gaussian noise or a 3×3 blur, against real half A: the clean half
   must score lowest, the damaged ones far above it;
3. the bundled DCGAN's checkpoints (steps 1,000, 2,000, 3,000) against ``digits`` with its labels hidden, next to
   the FID in the features of the shipped digits classifier: the two must rank them alike.

    OMP_NUM_THREADS=2 python -m trainers.metrics.selfsup_bench --mnist ../shared/data/mnist

Prints its figures and the machine; never part of the test suite.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..data import load_dataset
from ..data.base import ArrayData
from . import scores, selfsup

ROOT = Path(__file__).resolve().parents[2]


def hidden(data: ArrayData) -> ArrayData:
    """The same images with no labels, classes or factors (as a plain folder of them would load)."""
    return dataclasses.replace(data, labels=None, class_names=(), factors=None, factor_names=())


def degraded(data: ArrayData, n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Half A and B of a fixed split (model range), and B with noise σ 0.1 / 0.3 and a 3×3 box blur."""
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    a, b = data.to_model(data.x[perm[:n]]), data.to_model(data.x[perm[n:2 * n]])
    g = torch.Generator().manual_seed(seed + 1)
    blur = F.avg_pool2d(F.pad(b, (1, 1, 1, 1), mode="replicate"), 3, 1)
    return {"A": a, "B (real)": b, "B + noise 0.1": (b + 0.1 * torch.randn(b.shape, generator=g)).clamp(-1, 1),
            "B + noise 0.3": (b + 0.3 * torch.randn(b.shape, generator=g)).clamp(-1, 1), "B blurred 3x3": blur}


def image_ranking(name: str, data: ArrayData, steps: int | None, n: int) -> None:
    plain = hidden(data)
    t0 = time.perf_counter()
    ex = selfsup.train_encoder(plain, steps=steps)
    seconds = time.perf_counter() - t0
    feats = ex.embed(plain.to_model(plain.x)).features
    knn = selfsup.knn_accuracy(feats, data.labels.numpy())
    pix = selfsup.knn_accuracy(plain.to_model(plain.x).flatten(1).double().numpy(), data.labels.numpy())
    print(f"\n{name}: {len(data):,} images, labels hidden; SimCLR {ex.steps} steps in {seconds:.1f} s, "
          f"view match {ex.view_match:.3f} on {ex.held_out} held out, final loss {ex.loss:.3f}")
    print(f"  20-NN label accuracy of the features: {knn:.4f} (raw pixels: {pix:.4f}; 2,000 queries)")
    sets = degraded(plain, n)
    real = ex.embed(sets.pop("A")).features
    for label, x in sets.items():
        f = ex.embed(x).features
        p, r = scores.precision_recall(real, f, 5)
        print(f"  {label:<16} FID {scores.fid(real, f):8.3f}   precision {p:.3f}  recall {r:.3f}   "
              f"(pixel-space FID {_pixel_fid(x, plain, n):8.2f})")


def _pixel_fid(x: torch.Tensor, data: ArrayData, n: int) -> float:
    perm = torch.randperm(len(data), generator=torch.Generator().manual_seed(0))
    a = data.to_model(data.x[perm[:n]]).flatten(1).double().numpy()
    return scores.fid(a, x.flatten(1).double().numpy())


def checkpoint_ranking(n: int, steps: int | None, limit: int) -> None:
    from ..generator import load_generator
    from .evaluate import Evaluator, Protocol
    from .features import get_extractor

    data = load_dataset("digits", limit=limit)
    folder = ROOT / "assets" / "models" / "dcgan-digits" / "checkpoints"
    paths = [folder / "step_0001000.safetensors", folder / "step_0002000.safetensors", folder / "last.safetensors"]
    t0 = time.perf_counter()
    plain = hidden(data)
    enc = selfsup.train_encoder(plain, steps=steps)
    print(f"\ndigits ({limit:,}, labels hidden; encoder {enc.steps} steps in {time.perf_counter() - t0:.1f} s): the "
          f"bundled DCGAN's checkpoints, {n:,} fakes against {n:,} real")
    by_ssl = Evaluator(plain, Protocol(samples=n), features="selfsup")
    by_ssl.extractor = enc  # the encoder just trained and timed (not a cached one)
    by_clf = Evaluator(data, Protocol(samples=n))
    by_clf.extractor = get_extractor(load_dataset("digits"))  # the shipped classifier, which reads any digits
    print(f"  {'checkpoint':<24}{'self-sup FID':>13}{'(floor)':>9}{'classifier FID':>16}{'(floor)':>9}")
    for p in paths:
        gen = load_generator(p)
        a, b = by_ssl(gen)["metrics"]["fid"], by_clf(gen)["metrics"]["fid"]
        print(f"  {p.name:<24}{a['value']:>13.3f}{a['floor']:>9.3f}{b['value']:>16.3f}{b['floor']:>9.3f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mnist", help="root of the MNIST test split (torchvision layout); skipped without it")
    ap.add_argument("--steps", type=int, help=f"SimCLR steps (default {selfsup.STEPS})")
    ap.add_argument("--n", type=int, default=5000, help="images per set (default 5000)")
    ap.add_argument("--digits-limit", type=int, default=10000)
    args = ap.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads (OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '-')})")
    if args.mnist:
        image_ranking("MNIST test split", load_dataset("mnist", root=args.mnist), args.steps, args.n)
    image_ranking("digits", load_dataset("digits", limit=args.digits_limit), args.steps, args.n)
    checkpoint_ranking(min(args.n, args.digits_limit // 2), args.steps, args.digits_limit)


if __name__ == "__main__":
    main()
