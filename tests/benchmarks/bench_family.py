"""Benchmark (not a test): a family against its baseline, trained side by side on the same data and scored by one
``ganstudio eval`` evaluator.

    python -m tests.benchmarks.bench_family sagan  [--steps 3000] [--samples 2000] [--work DIR]
    python -m tests.benchmarks.bench_family sagan --equal-steps   # SAGAN for --steps too, not for DCGAN's seconds
    python -m tests.benchmarks.bench_family biggan [--steps 3000] ...
    python -m tests.benchmarks.bench_family stylegan --steps 6000  # against DCGAN at 32 px, equal seconds
    python -m tests.benchmarks.bench_family sagan --tiny        # a few steps, to keep the benchmark working

Baselines: ``sagan`` against the bundled DCGAN's recipe (the DCGAN authors' MNIST nets, width 32, batch 128, G at
1e-3, seed 1), trained for ``--steps``; SAGAN then trains with the bundled sagan-digits recipe (its MNIST nets,
width 32, batch 64, G 1e-3, D 4e-4, EMA 0.995) for **the same wall seconds** (stopped there, its last checkpoint
written), since its attention makes a step dearer: equal CPU minutes, not equal steps. Run it on an otherwise idle
machine: the budget is wall time. ``stylegan`` likewise, both at 32 px: DCGAN with Quick start's recipe (its
MNIST nets at width 16, G 2e-3, batch 64) for ``--steps``, then StyleGAN with the bundled stylegan-digits recipe
(width 16, batch 32, filtered upsampling) for the same seconds. ``biggan`` against the conv cGAN (``cgan``, label concatenated) at the same
batch and steps. A run already finished in ``--work`` (same name, same steps) is scored without training again.
Prints training seconds and steps, domain FID (and the real-vs-real floor), precision, recall, the smallest class
share, label accuracy for conditional models, each attention layer's γ for SAGAN and the label accuracy at ψ = 0.5
for BigGAN. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

from tests.benchmarks.bench_speed import machine
from trainers import train
from trainers.checkpoints import read_meta
from trainers.config import TrainConfig
from trainers.events import Command
from trainers.generator import load_generator
from trainers.metrics.evaluate import Evaluator, Protocol, dataset_for, evaluate

BASELINES = {"sagan": "dcgan", "biggan": "cgan", "stylegan": "dcgan"}
EQUAL_TIME = {"sagan", "stylegan"}  # a dearer step: compared at the baseline's wall seconds
# the bundled models' recipes (assets/models/rebuild.py), each side's own; the baseline's per family compared
RECIPES = {
    "sagan": dict(arch="mnist", width=32, batch_size=64, lr_g=1e-3, ema=0.995, seed=0),
    "dcgan": dict(arch="mnist", width=32, batch_size=128, lr_g=1e-3, seed=1),
    "stylegan": dict(image_size=32, width=16, batch_size=32, seed=0),
}
BASELINE_RECIPES = {"stylegan": dict(arch="mnist", image_size=32, width=16, batch_size=64, lr_g=2e-3, seed=0)}


def _run(model: str, args, work: Path, recipe: dict, seconds: float | None = None) -> tuple[Path, float | None, int]:
    """Train ``model`` for ``args.steps`` steps, or, with ``seconds``, until that much wall time has passed."""
    out = work / (f"{model}-{args.steps}" + (f"-{seconds:.0f}s" if seconds else "")
                  + (f"-{recipe['image_size']}px" if recipe.get("image_size") else ""))
    last = out / "checkpoints" / "last.safetensors"
    if last.exists() and (seconds or int(read_meta(last)[1]["step"]) == args.steps):
        return out, None, int(read_meta(last)[1]["step"])  # trained earlier with these settings
    recipe = {"seed": args.seed, "batch_size": args.batch_size, **recipe}
    cfg = TrainConfig(model=model, data=args.data, steps=args.steps * (100 if seconds else 1), out=str(out),
                      eval_every=0, checkpoint_every=10**9, sample_every=10**9, data_limit=args.data_limit, **recipe)
    run = train(cfg)
    t = time.perf_counter()
    ev = next(run)
    while True:
        if seconds and time.perf_counter() - t >= seconds:
            run.send(Command.STOP)
            seconds = None
        try:
            ev = next(run)
        except StopIteration:
            break
    elapsed = time.perf_counter() - t
    return out, elapsed, int(read_meta(last)[1]["step"])


def _seconds(run: Path) -> float:
    """A finished run's training seconds, from its metrics."""
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    return float(rows[-1]["time"]) if rows else 1.0


def _gammas(run: Path) -> str:
    path = run / "metrics.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    last = rows[-1] if rows else {}
    gam = {k: v for k, v in last.items() if k.startswith("gamma_")}
    return ", ".join(f"{k} {v:+.3f}" for k, v in sorted(gam.items())) or "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("family", choices=sorted(BASELINES))
    ap.add_argument("--data", default="digits")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--width", type=int, help="both sides' width (default: each side's bundled recipe for sagan; "
                                               "biggan its own default, the cGAN's own)")
    ap.add_argument("--batch-size", type=int, default=64, help="both sides of biggan (sagan: each its recipe's)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr-g", type=float, help="the family's G learning rate (default: its bundled recipe's)")
    ap.add_argument("--equal-steps", action="store_true", help="sagan, stylegan: train it for --steps, not DCGAN's seconds")
    ap.add_argument("--samples", type=int, default=2000, help="fakes and reals per evaluation")
    ap.add_argument("--data-limit", type=int)
    ap.add_argument("--work", help="where the runs go (default: a temp folder); finished runs are reused")
    ap.add_argument("--tiny", action="store_true", help="a few steps, to keep the benchmark working")
    args = ap.parse_args(argv)
    if args.tiny:
        args.steps, args.samples = 2, 100
    torch.manual_seed(0)
    work = Path(args.work or tempfile.mkdtemp(prefix="ganstudio-bench-family-"))
    base = BASELINES[args.family]
    recipes = {base: dict(BASELINE_RECIPES.get(args.family, RECIPES.get(base, {}))),
               args.family: dict(RECIPES.get(args.family, {}))}
    for model, recipe in recipes.items():
        if args.width is not None or args.tiny:
            recipe["width"] = 8 if args.tiny else args.width
        if model == args.family and args.lr_g is not None:
            recipe["lr_g"] = args.lr_g
    # --tiny keeps the benchmark working: its baseline trains in well under the loop's first logging window, so SAGAN
    # would be stopped before its first step; it takes as many steps instead
    equal_time = args.family in EQUAL_TIME and not args.equal_steps and not args.tiny
    print(f"machine: {machine(torch.device('cpu'))}")
    print(f"{args.family} vs {BASELINES[args.family]} on {args.data}: {args.steps} steps of the baseline, "
          f"{args.family} for {'its seconds' if equal_time else 'as many steps'}; {args.samples} fakes per evaluation")
    for model, recipe in recipes.items():
        print(f"  {model}: " + (", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                                          for k, v in recipe.items()) or "its defaults"))
    evaluator = None
    rows = []
    budget = None
    for model in (BASELINES[args.family], args.family):
        run, seconds, steps = _run(model, args, work, recipes[model], budget if model == args.family else None)
        if model == BASELINES[args.family] and equal_time:
            budget = seconds if seconds is not None else _seconds(run)
        gen = load_generator(run)
        if evaluator is None:
            evaluator = Evaluator(dataset_for(gen.meta), Protocol(samples=args.samples, kid_subsets=5))
        m = evaluator(gen)["metrics"]
        hist = m["coverage"]["histogram"]
        extra = ""
        if model == "sagan":
            extra = _gammas(run)
        elif model == "biggan":
            half = evaluate(gen, evaluator.data, evaluator.extractor,
                            Protocol(samples=args.samples, kid_subsets=5, truncation=0.5), evaluator.reference)
            extra = f"label acc at ψ 0.5: {half['metrics']['label_accuracy']['value']:.3f}"
        acc = m.get("label_accuracy", {}).get("value")
        rows.append((model, seconds, steps, m["fid"]["value"], m["fid"]["floor"], m["precision"]["value"],
                     m["recall"]["value"], min(hist), acc, extra))
    print(f"{'model':<8} {'train s':>8} {'FID':>7} {'floor':>6} {'prec':>5} {'recall':>6} {'min class':>9} "
          f"{'label acc':>9}  notes")
    for model, seconds, steps, fid, floor, prec, rec, lo, acc, extra in rows:
        sec = "reused" if seconds is None else f"{seconds:.0f}"
        accs = "-" if acc is None else f"{acc:.3f}"
        print(f"{model:<8} {sec:>8} {fid:>7.2f} {floor:>6.2f} {prec:>5.2f} {rec:>6.2f} {100 * lo:>8.1f}% "
              f"{accs:>9}  {steps} steps; {extra}".rstrip())
    print(f"runs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
