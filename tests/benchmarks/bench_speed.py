"""Benchmark (not a test): GAN Studio's training loop side by side with pytorch/examples' dcgan/main.py loop.

    python -m tests.benchmarks.bench_speed [--device auto|cpu|cuda] [--seconds 20] [--rounds 2] [--tiny]
                                           [--data-root ../shared/data/mnist]

Same DCGAN architecture, batch and optimizer in both; two cases: 28×28 at batch 128 (digits, or real MNIST
with --data-root) and 64×64 at batch 64 (the RGB digits resized to 64 px). Ours is the whole
``trainers.train`` loop as ``ganstudio train`` runs it (sample grids, checkpoints, metrics.jsonl; domain
evaluation off, as the reference has none); the reference is ``tests/benchmarks/reference_dcgan.py``. Each
side runs ``--seconds`` of steady state after warm-up, in alternating rounds; the best round of each counts.
Prints img/s (real images through D per second), the ratio and the machine; asserts nothing. ``--tiny``
runs a few steps of each so CI keeps it working.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from tests.benchmarks import reference_dcgan
from trainers import train
from trainers.config import TrainConfig, resolve
from trainers.data import load_dataset
from trainers.events import Command, Finished, Stats
from trainers.models import MODELS, build_networks
from trainers.runtime import device_label, pick_device


@dataclass(frozen=True)
class Case:
    title: str
    data: str
    image_size: int
    batch: int
    limit: int


CASES = (Case("DCGAN 28×28, batch 128", "digits", 28, 128, 10_000),
         Case("DCGAN 64×64, batch 64", "digits-rgb", 64, 64, 10_000))


def machine(device: torch.device) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu} · {os.cpu_count()} cores · torch {torch.__version__} ({torch.get_num_threads()} threads) · "
            f"{device_label(device)} · Python {platform.python_version()}")


PRECISION = "auto"  # --precision: what our side trains with (the reference is fp32, as main.py is)
SPEED = {"compile": "auto", "cuda_graph": "auto"}  # --compile / --cuda-graph for our side


def config(case: Case, device: torch.device, out: str, steps: int, data_root: str | None) -> TrainConfig:
    # the paper's DCGAN (conv nets, width 64, Adam 2e-4) as pytorch/examples trains it, whatever recipe the family
    # tuned for a dataset (on digits, Quick start's smaller nets)
    return resolve(TrainConfig(model="dcgan", data=case.data, data_root=data_root, image_size=case.image_size,
                               arch="conv", width=64, lr_g=2e-4,
                               batch_size=case.batch, data_limit=case.limit, steps=steps, out=out,
                               device=device.type, eval_every=0, seed=0, precision=PRECISION, **SPEED))


def ours(case: Case, device: torch.device, seconds: float, max_steps: int, warmup: int,
         data_root: str | None) -> tuple[float, int]:
    """img/s of ``trainers.train`` in steady state: from the first Stats at or after ``warmup`` steps."""
    with tempfile.TemporaryDirectory() as tmp:
        run = train(config(case, device, str(Path(tmp) / "run"), max_steps or 10 ** 9, data_root))
        t0 = s0 = None
        rate, steps = 0.0, 0
        try:
            event = next(run)
            while not isinstance(event, Finished):
                cmd = None
                if isinstance(event, Stats) and not event.values.get("manual"):
                    now = time.perf_counter()
                    if t0 is None and event.step >= warmup:
                        t0, s0 = now, event.step
                    elif t0 is not None:
                        rate, steps = (event.step - s0) * case.batch / (now - t0), event.step
                        if seconds and now - t0 >= seconds:
                            cmd = Command.STOP
                event = run.send(cmd)
        finally:
            run.close()
        return rate, steps


def reference(case: Case, device: torch.device, seconds: float, max_steps: int, warmup: int,
              data_root: str | None) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = config(case, device, str(Path(tmp) / "cfg"), 1, data_root)
        native = load_dataset(case.data, root=data_root, limit=case.limit)  # the reference resizes per image
        torch.manual_seed(0)
        nets = build_networks(MODELS["dcgan"], sample_shape=(cfg.channels, cfg.image_size, cfg.image_size),
                              num_classes=0, z_dim=cfg.z_dim, width=cfg.width)
        netG, netD = nets["G"].to(device), nets["D"].to(device)
        return reference_dcgan.run(netG, netD, cfg.z_dim, native, cfg.image_size, case.batch, device,
                                   Path(tmp) / "out", seconds=seconds, max_steps=max_steps, warmup=warmup)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--seconds", type=float, default=20.0, help="steady-state seconds per side and round")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--data-root", help="real MNIST for the 28×28 case (torchvision layout)")
    ap.add_argument("--tiny", action="store_true", help="a few steps of each, to keep the benchmark working")
    ap.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16"),
                    help="our side's --precision (auto: bf16 on CUDA, fp32 on CPU)")
    ap.add_argument("--compile", default="auto", choices=("auto", "on", "off"), help="our side's --compile")
    ap.add_argument("--cuda-graph", default="auto", choices=("auto", "off"), help="our side's --cuda-graph")
    ap.add_argument("--cases", default="28,64", help="which cases: 28, 64 or both")
    ap.add_argument("--ours-only", action="store_true", help="skip the reference (compare our own settings)")
    args = ap.parse_args(argv)
    global PRECISION
    PRECISION = args.precision
    SPEED.update(compile=args.compile, cuda_graph=args.cuda_graph)
    device = pick_device(args.device)
    seconds, max_steps, warmup, rounds = args.seconds, 0, 10, args.rounds
    if args.tiny:
        seconds, max_steps, warmup, rounds = 0.0, 2, 1, 1
    print(f"machine: {machine(device)}")
    probe = config(CASES[0], device, tempfile.gettempdir(), 1, args.data_root)
    from trainers.runtime import Speed

    print(f"ours: {Speed.choose(probe, device, conv=True).describe()} · reference: fp32, DataLoader with 2 workers")
    print(f"{'case':<24} {'data':<12} {'reference img/s':>15} {'ours img/s':>11} {'ratio':>6}")
    for case in CASES:
        if str(case.image_size) not in args.cases.split(","):
            continue
        if case.data == "digits" and args.data_root:
            case = Case(case.title, "mnist", 28, case.batch, case.limit)
        ref, mine = [], []
        for _ in range(rounds):
            if not args.ours_only:
                ref.append(reference(case, device, seconds, max_steps, warmup, args.data_root)[0])
            mine.append(ours(case, device, seconds, max_steps, warmup, args.data_root)[0])
        o = max(mine)
        if args.ours_only:
            print(f"{case.title:<24} {case.data:<12} {'-':>15} {o:>11.0f} {'-':>6}", flush=True)
            continue
        r = max(ref)
        print(f"{case.title:<24} {case.data:<12} {r:>15.0f} {o:>11.0f} {o / r:>5.2f}×", flush=True)
        if not (r > 0 and o > 0):
            print("  a side measured no steps", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
