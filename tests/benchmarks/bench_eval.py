"""Domain scores of the bundled models (and any checkpoints or run folders you add) against issue 5's bars,
with the protocol, the time each evaluation takes, and the machine.

    python -m tests.benchmarks.bench_eval [CKPT_OR_RUN ...] [--n 5000] [--data-root DIR] [--device auto]

Bars: domain FID ≤ 2 × the real-vs-real floor (DCGAN); label accuracy ≥ 0.98 (cGAN); matched categorical
code accuracy ≥ 0.95 and some continuous code with |r| ≥ 0.7 to a ground-truth factor (InfoGAN, `digits`).
The first evaluation on a dataset trains its feature classifier (then cached); that time is printed apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ganstudio.bundled import bundled_models  # noqa: E402
from trainers.checkpoints import resolve_checkpoint_path  # noqa: E402
from trainers.generator import load_generator  # noqa: E402
from trainers.metrics.evaluate import Evaluator, Protocol, dataset_for  # noqa: E402
from trainers.metrics.report import BARS, bar_values, bars_met  # noqa: E402
from trainers.runtime import pick_device  # noqa: E402


def bars(m: dict) -> str:
    names = {"fid_ratio": "FID/floor", "label_accuracy": "label", "code_accuracy": "code",
             "code_correlation": "|r|"}
    values, met = bar_values(m), bars_met(m)
    return "; ".join(f"{names[k]} {v:.3f} ({'met' if met[k] else 'missed'} {'≤' if k == 'fid_ratio' else '≥'} "
                     f"{BARS[k]})" for k, v in values.items())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="*", help="checkpoints or run folders (default: the bundled models)")
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--data-root")
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    device = pick_device(args.device)
    paths = [resolve_checkpoint_path(p) for p in args.paths] or [m.checkpoint for m in bundled_models()]
    print(f"machine: {platform.machine()} · {os.cpu_count()} cores · torch {torch.__version__} "
          f"({torch.get_num_threads()} threads) · {device}")
    evaluators: dict[str, Evaluator] = {}
    for path in paths:
        gen = load_generator(path, device)
        data = dataset_for(gen.meta, args.data_root)
        key = data.fingerprint()
        if key not in evaluators:
            t = time.perf_counter()
            evaluators[key] = ev = Evaluator(data, Protocol(samples=args.n), device)
            ev.reference  # noqa: B018
            print(f"\n{data.name} ({len(data):,} images): classifier {ev.extractor.arch}, "
                  f"{ev.extractor.accuracy:.2%} on {ev.extractor.held_out:,} held out "
                  f"({'from the cache' if ev.extractor.cached else 'trained now'}; ready in "
                  f"{time.perf_counter() - t:.1f} s); protocol {ev.reference.protocol.samples:,} fakes vs "
                  f"{ev.reference.protocol.samples:,} real, floor from two disjoint real halves")
        t = time.perf_counter()
        result = evaluators[key](gen)
        m = result["metrics"]
        print(f"  {gen.meta['model']['family']:<8} step {gen.meta['step']:>6,}  FID {m['fid']['value']:7.2f} "
              f"(floor {m['fid']['floor']:.2f})  P {m['precision']['value']:.2f}  R {m['recall']['value']:.2f}  "
              f"classes {m['coverage']['value']}/{m['coverage']['of']}  {time.perf_counter() - t:5.1f} s  "
              f"{bars(m)}  [{path}]")


if __name__ == "__main__":
    main()
