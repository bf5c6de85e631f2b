"""Benchmark (not a test): a family against its baseline, trained side by side on the same data for the same
steps and scored by one ``ganstudio eval`` evaluator.

    python -m tests.benchmarks.bench_family sagan  [--steps 3000] [--width 32] [--samples 2000] [--work DIR]
    python -m tests.benchmarks.bench_family biggan [--steps 3000] ...
    python -m tests.benchmarks.bench_family sagan --tiny        # a few steps, to keep the benchmark working

Baselines: ``sagan`` against DCGAN at the same width, batch and steps (does attention + SN + hinge beat the
plain nets?), with SAGAN's G at 2e-4 as the bundled model trains it (``--lr-g 1e-4`` gives the paper's TTUR); ``biggan`` against the conv cGAN (``cgan``, label concatenated) at the same batch and steps.
A run already finished in ``--work`` (same name, same steps) is scored without training again, so the bundled
model's run can be reused. Prints training seconds, domain FID (and the real-vs-real floor), precision, recall,
the smallest class share, label accuracy for conditional models, each attention layer's γ for SAGAN and the
label accuracy at ψ = 0.5 for BigGAN. Asserts nothing.
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
from trainers.generator import load_generator
from trainers.metrics.evaluate import Evaluator, Protocol, dataset_for, evaluate

BASELINES = {"sagan": "dcgan", "biggan": "cgan"}
FAMILY_LR_G = {"sagan": 2e-4}  # what assets/models/rebuild.py trains the bundled model with


def _run(model: str, args, work: Path, width: int | None, lr_g: float | None = None) -> tuple[Path, float | None]:
    out = work / (f"{model}-{args.steps}" + (f"-lrg{lr_g:g}" if lr_g else ""))
    last = out / "checkpoints" / "last.safetensors"
    if last.exists() and int(read_meta(last)[1]["step"]) == args.steps:
        return out, None  # trained earlier with these settings
    cfg = TrainConfig(model=model, data=args.data, steps=args.steps, out=str(out), seed=args.seed, width=width,
                      batch_size=args.batch_size, eval_every=0, checkpoint_every=args.steps,
                      sample_every=max(args.steps, 1), data_limit=args.data_limit, lr_g=lr_g)
    t = time.perf_counter()
    for _ in train(cfg):
        pass
    return out, time.perf_counter() - t


def _gammas(run: Path) -> str:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    last = rows[-1] if rows else {}
    gam = {k: v for k, v in last.items() if k.startswith("gamma_")}
    return ", ".join(f"{k} {v:+.3f}" for k, v in sorted(gam.items())) or "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("family", choices=sorted(BASELINES))
    ap.add_argument("--data", default="digits")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--width", type=int, help="both sides' width (default: sagan 32 for both; biggan its own "
                                               "default, the cGAN's own)")
    ap.add_argument("--batch-size", type=int, default=64, help="both sides (default 64)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr-g", type=float, help="the family's G learning rate (default: sagan 2e-4, as bundled; "
                                                "biggan its own); the baseline keeps its own")
    ap.add_argument("--samples", type=int, default=2000, help="fakes and reals per evaluation")
    ap.add_argument("--data-limit", type=int)
    ap.add_argument("--work", help="where the runs go (default: a temp folder); finished runs are reused")
    ap.add_argument("--tiny", action="store_true", help="a few steps, to keep the benchmark working")
    args = ap.parse_args(argv)
    if args.tiny:
        args.steps, args.samples = 2, 100
    torch.manual_seed(0)
    work = Path(args.work or tempfile.mkdtemp(prefix="ganstudio-bench-family-"))
    width = args.width if args.width is not None else (32 if args.family == "sagan" else None)
    if args.tiny:
        width = 8
    print(f"machine: {machine(torch.device('cpu'))}")
    print(f"{args.family} vs {BASELINES[args.family]} on {args.data}: {args.steps} steps, batch {args.batch_size}, "
          f"seed {args.seed}, width {width or 'each default'}; {args.samples} fakes per evaluation")
    fam_lr = args.lr_g if args.lr_g is not None else FAMILY_LR_G.get(args.family)
    if fam_lr:
        print(f"{args.family}'s G learning rate: {fam_lr:g} (the baseline keeps its default)")
    evaluator = None
    rows = []
    for model in (BASELINES[args.family], args.family):
        lr_g = None
        if model == args.family:
            lr_g = args.lr_g if args.lr_g is not None else FAMILY_LR_G.get(model)
        run, seconds = _run(model, args, work, width, lr_g)
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
        rows.append((model, seconds, m["fid"]["value"], m["fid"]["floor"], m["precision"]["value"],
                     m["recall"]["value"], min(hist), acc, extra))
    print(f"{'model':<8} {'train s':>8} {'FID':>7} {'floor':>6} {'prec':>5} {'recall':>6} {'min class':>9} "
          f"{'label acc':>9}  notes")
    for model, seconds, fid, floor, prec, rec, lo, acc, extra in rows:
        sec = "reused" if seconds is None else f"{seconds:.0f}"
        accs = "-" if acc is None else f"{acc:.3f}"
        print(f"{model:<8} {sec:>8} {fid:>7.2f} {floor:>6.2f} {prec:>5.2f} {rec:>6.2f} {100 * lo:>8.1f}% {accs:>9}  "
              f"{extra}".rstrip())
    print(f"runs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
