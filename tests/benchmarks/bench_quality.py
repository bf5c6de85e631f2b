"""Benchmark (not a test): DCGAN quality and time to readable digits, GAN Studio's loop side by side with
pytorch/examples' dcgan/main.py loop (``reference_dcgan.py``).

    python -m tests.benchmarks.bench_quality [--data digits | --data-root ../shared/data/mnist] [--steps 1500]
                                             [--probe-every 50] [--samples 2000] [--ema D] [--lr LR]
                                             [--lr-g LR] [--lr-d LR] [--batch-size B] [--width W]
                                             [--arch mnist] [--seed S] [--ours-only] [--tiny]

Both sides train the same DCGAN nets (ours' recipe: batch, z, width, Adam 2e-4/β1 0.5) from one seed on the same
data for the same number of steps. Every ``--probe-every`` steps each side's G draws 64 samples from one fixed
noise, and the domain classifier (``trainers.metrics.features``; the digits one ships in assets/) reads them:
the grid is *readable* when ≥ 80% of its digits are classified with confidence ≥ 0.9, at least 9 of the 10 digits
are among them and none is more than 30% of them (issue 37's bar for Quick start). Without recipe options our
side trains the family's own recipe for the data (on digits: Quick start's, ``ganstudio train`` with no flags).
The clock counts
training only (from the first step; probes excluded). At the end both generators are scored by the same
``ganstudio eval`` evaluator: domain FID (and its real-vs-real floor), precision, recall, and the smallest class
share (the bar: every class ≥ 5% of samples). Prints the figures; asserts nothing. ``--tiny`` runs a few steps.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from tests.benchmarks import reference_dcgan
from tests.benchmarks.bench_speed import machine
from trainers import checkpoints as ck
from trainers import train
from trainers.config import TrainConfig, resolve
from trainers.data import load_dataset
from trainers.events import RunStarted, SampleGrid
from trainers.generator import LoadedGenerator, load_generator
from trainers.metrics.evaluate import Evaluator, Protocol
from trainers.models import MODELS, build_networks
from trainers.runfolder import checkpoint_path

CONFIDENT, READABLE = 0.9, 0.8  # a grid is readable when ≥ 80% of its samples are classified with p ≥ 0.9,
DIGITS, MOST = 9, 0.3  # with at least 9 classes among them and none above 30% of them


class Clock:
    """Training seconds: wall time since ``start`` minus the time spent probing."""

    def __init__(self):
        self.t0 = time.perf_counter()
        self.excluded = 0.0

    def seconds(self) -> float:
        return time.perf_counter() - self.t0 - self.excluded


def probe(extractor, images: torch.Tensor) -> tuple[float, bool]:
    """The share of ``images`` the classifier reads with confidence ≥ CONFIDENT, and whether those are diverse
    (≥ ``DIGITS`` classes, none above ``MOST`` of them)."""
    probs = extractor.embed(images).probs
    sure = probs.max(1) >= CONFIDENT
    counts = np.bincount(probs.argmax(1)[sure], minlength=probs.shape[1])
    diverse = bool(sure.any()) and (counts > 0).sum() >= DIGITS and counts.max() <= MOST * counts.sum()
    return float(sure.mean()), diverse


class Probes:
    def __init__(self, extractor):
        self.extractor = extractor
        self.points: list[tuple[int, float, float]] = []  # (step, training seconds, readable share)
        self.diverse: list[bool] = []  # whether the confident samples of each probe are diverse
        self.clock = Clock()

    def record(self, step: int, render) -> None:
        t = time.perf_counter()
        share, diverse = probe(self.extractor, render())
        self.points.append((step, self.clock.seconds(), share))
        self.diverse.append(diverse)
        self.clock.excluded += time.perf_counter() - t

    def first_readable(self) -> tuple[int, float] | None:
        return next(((s, t) for (s, t, share), ok in zip(self.points, self.diverse) if share >= READABLE and ok), None)


def ours(cfg: TrainConfig, extractor, probe_every: int) -> tuple[Path, Probes]:
    run = train(cfg)
    probes = Probes(extractor)
    latent = run.algo.sample_latent(64, torch.Generator(run.device).manual_seed(7))
    try:
        for event in run:
            if isinstance(event, RunStarted):
                probes.clock = Clock()
            elif isinstance(event, SampleGrid) and event.step and event.step % probe_every == 0:
                probes.record(event.step, lambda: run.algo.render(latent))
    finally:
        run.close()
    return checkpoint_path(cfg.out), probes


def reference(cfg: TrainConfig, data, extractor, probe_every: int, device: torch.device, out: Path, lr: float):
    torch.manual_seed(cfg.seed)
    nets = build_networks(MODELS["dcgan"], sample_shape=(cfg.channels, cfg.image_size, cfg.image_size),
                          num_classes=0, z_dim=cfg.z_dim, width=cfg.width, arch=cfg.arch)
    netG, netD = nets["G"].to(device), nets["D"].to(device)
    noise = torch.randn(64, cfg.z_dim, generator=torch.Generator().manual_seed(7)).to(device)
    probes = Probes(extractor)

    def look(steps: int, G) -> None:
        def render():
            G.eval()
            with torch.no_grad():
                x = G(noise).float().cpu()
            G.train()
            return x
        probes.record(steps, render)

    probes.clock = Clock()
    reference_dcgan.run(netG, netD, cfg.z_dim, data, cfg.image_size, cfg.batch_size, device, out,
                        max_steps=cfg.steps, warmup=1, lr=lr, beta1=cfg.beta1, hook=look,
                        hook_every=probe_every)
    return netG.eval().requires_grad_(False), probes


def scores(result: dict) -> dict:
    m = result["metrics"]
    hist = np.asarray(m["coverage"]["histogram"], dtype=float)
    return {"fid": m["fid"]["value"], "floor": m["fid"]["floor"], "precision": m["precision"]["value"],
            "recall": m["recall"]["value"], "min_class": float(hist.min() / hist.sum()),
            "classes": int(m["coverage"]["value"])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="digits")
    ap.add_argument("--data-root", help="real MNIST (torchvision layout): trains and scores on it")
    ap.add_argument("--steps", type=int, default=1500, help="steps of each side (default 1500)")
    ap.add_argument("--probe-every", type=int, default=50)
    ap.add_argument("--samples", type=int, default=2000, help="fakes and reals per final evaluation")
    ap.add_argument("--batch-size", type=int, help="default: the DCGAN recipe's")
    ap.add_argument("--width", type=int, help="default: the DCGAN recipe's")
    ap.add_argument("--arch", choices=("conv", "mnist"), help="both sides' nets (default: the DCGAN recipe's, "
                    "conv; mnist: the DCGAN authors' MNIST nets)")
    ap.add_argument("--ema", type=float, help="our side's --ema (default: the recipe's)")
    ap.add_argument("--lr", type=float, help="both sides' learning rate (default: the recipe's, 2e-4)")
    ap.add_argument("--lr-g", type=float, help="our side's G step size (default: --lr); the reference keeps --lr")
    ap.add_argument("--lr-d", type=float, help="our side's D step size (default: --lr)")
    ap.add_argument("--ours-only", action="store_true", help="skip the reference loop (compare our own settings)")
    ap.add_argument("--seed", type=int, default=0, help="both sides' seed (default 0)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--tiny", action="store_true", help="a few steps, to keep the benchmark working")
    args = ap.parse_args(argv)
    data_name = "mnist" if args.data_root else args.data
    steps, every, samples = (4, 2, 200) if args.tiny else (args.steps, args.probe_every, args.samples)
    device = torch.device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = resolve(TrainConfig(model="dcgan", data=data_name, data_root=args.data_root, steps=steps,
                                  out=str(Path(tmp) / "ours"), eval_every=0, sample_every=every,
                                  checkpoint_every=steps, seed=args.seed, device=args.device,
                                  batch_size=args.batch_size,
                                  width=args.width, ema=args.ema, lr_g=args.lr_g or args.lr,
                                  lr_d=args.lr_d or args.lr, arch=args.arch))
        ref_lr = args.lr or MODELS["dcgan"].defaults["lr_g"]  # the reference: pytorch/examples' 2e-4 unless --lr
        data = load_dataset(data_name, root=args.data_root, limit=cfg.data_limit)
        evaluator = Evaluator(data, Protocol(samples=samples), device)
        print(f"machine: {machine(device)}")
        print(f"DCGAN ({cfg.arch} nets) on {data_name} ({len(data):,} images), batch {cfg.batch_size}, "
              f"width {cfg.width}, z {cfg.z_dim}, seed {cfg.seed}, lr G {cfg.lr_g:g} / D {cfg.lr_d:g} "
              f"(reference {ref_lr:g}), "
              f"{steps} steps each; readable = ≥{READABLE:.0%} of 64 fixed samples classified with p ≥ {CONFIDENT}, "
              f"≥ {DIGITS} digits among them, none above {MOST:.0%}")
        path, mine = ours(cfg, evaluator.extractor, every)
        gen = load_generator(path, device)
        rows = [("GAN Studio (ganstudio train)", mine, scores(evaluator(gen)))]
        if not args.ours_only:
            ref_G, theirs = reference(cfg, data, evaluator.extractor, every, device, Path(tmp) / "reference",
                                      ref_lr)
            ref_gen = LoadedGenerator(path, ck.read_meta(path)[1], ref_G, device)
            rows.insert(0, ("reference (pytorch/examples loop)", theirs, scores(evaluator(ref_gen))))
    print(f"{'loop':<34} {'readable at':>16} {'train s':>8} {'FID':>7} {'floor':>6} {'prec':>5} {'recall':>6} "
          f"{'min class':>9}")
    for name, p, s in rows:
        first = p.first_readable()
        when = f"step {first[0]} · {first[1]:.0f} s" if first else "never"
        print(f"{name:<34} {when:>16} {p.points[-1][1] if p.points else 0:>8.0f} {s['fid']:>7.2f} {s['floor']:>6.2f} "
              f"{s['precision']:>5.2f} {s['recall']:>6.2f} {s['min_class']:>9.1%}")
    if len(rows) == 2:
        theirs = rows[0][1]
        print("readable share per probe (step: reference / ours): " + ", ".join(
            f"{a[0]}: {a[2]:.2f}/{b[2]:.2f}" for a, b in zip(theirs.points, mine.points)))
    else:
        print("readable share per probe (step: ours): " + ", ".join(f"{a[0]}: {a[2]:.2f}" for a in mine.points))
    return 0


if __name__ == "__main__":
    sys.exit(main())
