"""Benchmark (not a test): DiffAugment and ADA against no augmentation on small folders of real images.

    python -m tests.benchmarks.bench_augment --data-root ../shared/data/mnist [--images 100 1000] [--steps 10000]
                                             [--kinds none diffaugment ada] [--samples 5000] [--seed 0] [--tiny]

For each ``--images`` n, the first n images of the MNIST test split are written as PNG files into a temporary
folder, and ``ganstudio train --data FOLDER --augment KIND`` trains DCGAN on it (its recipe for small grey images)
for ``--steps`` steps, once per kind, from one seed. Every run is then scored by one evaluator against the whole
split (10,000 labelled digits: GAN Studio's MNIST classifier features): domain FID (and the real-vs-real floor),
precision and recall, and the checkpoint at half the steps too (a collapse shows as the FID rising). Prints the
figures (the README's "Small sets" table); asserts nothing. ``--tiny`` runs a few steps on the embedded digits.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from PIL import Image

from tests.benchmarks.bench_speed import machine
from trainers import train
from trainers.config import TrainConfig, resolve
from trainers.data import load_dataset
from trainers.generator import load_generator
from trainers.metrics.evaluate import Evaluator, Protocol


def write_folder(data, n: int, folder: Path) -> Path:
    """The first ``n`` images of ``data`` as grey PNG files."""
    folder.mkdir(parents=True)
    for i in range(n):
        Image.fromarray(data.x[i, 0].numpy()).save(folder / f"{i:05d}.png")
    return folder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", help="real MNIST (torchvision layout); without it: the embedded digits")
    ap.add_argument("--images", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--kinds", nargs="+", default=["none", "diffaugment", "ada"],
                    choices=("none", "diffaugment", "ada"))
    ap.add_argument("--samples", type=int, default=5000, help="fakes and reals per evaluation")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tiny", action="store_true", help="a few steps on the embedded digits, to keep it working")
    args = ap.parse_args(argv)
    if args.tiny:
        args.images, args.steps, args.samples, args.data_root = [32], 4, 200, None
    source = load_dataset("mnist", root=args.data_root) if args.data_root else load_dataset("digits", limit=10000)
    print(machine(torch.device("cpu")))
    print(f"source: {source.name}, {len(source):,} images; DCGAN, {args.steps:,} steps, seed {args.seed}; scored "
          f"against all of them ({args.samples:,} samples)")
    evaluator = Evaluator(source, Protocol(samples=args.samples))
    print(f"{'images':>7} {'augment':<12} {'FID at half':>12} {'FID':>9} {'floor':>7} {'precision':>10} {'recall':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.images:
            folder = write_folder(source, n, Path(tmp) / f"images-{n}")
            for kind in args.kinds:
                out = Path(tmp) / f"run-{n}-{kind}"
                half = max(1, args.steps // 2)
                cfg = resolve(TrainConfig(model="dcgan", data=str(folder), augment=kind, steps=args.steps,
                                          out=str(out), seed=args.seed, eval_every=0, sample_every=args.steps,
                                          checkpoint_every=half, batch_size=min(64, n)))
                for _ in train(cfg):
                    pass
                scores = []
                for name in (f"step_{half:07d}", "last"):
                    m = evaluator(load_generator(out / "checkpoints" / f"{name}.safetensors"))["metrics"]
                    scores.append(m)
                mid, end = scores
                print(f"{n:>7} {kind:<12} {mid['fid']['value']:>12.1f} {end['fid']['value']:>9.1f} "
                      f"{end['fid']['floor']:>7.2f} {end['precision']['value']:>10.3f} {end['recall']['value']:>7.3f}",
                      flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
