"""Benchmark (not a test): training images per second for every model with its default recipe.

    python -m tests.benchmarks.bench_throughput [--device cpu|cuda] [--seconds 4] [--models dcgan,wgan]

img/s counts real images that pass through D per second (batch × n_critic per step), as the trainer
reports it. Prints a table and the machine; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import torch

from trainers.algos import build_algorithm
from trainers.config import TrainConfig, resolve
from trainers.data import BatchSampler, load_dataset
from trainers.models import MODELS
from trainers.runtime import device_label, pick_device


def bench(model: str, data_name: str, device: torch.device, seconds: float) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = resolve(TrainConfig(model=model, data=data_name, out=tmp, data_limit=8192))
    data = load_dataset(data_name, limit=8192, image_size=cfg.image_size or None, channels=cfg.channels or None)
    torch.manual_seed(0)
    algo = build_algorithm(cfg, data, device)
    sampler = BatchSampler(data, cfg.batch_size, 0, device)
    for _ in range(3):  # warm-up (allocator, cuDNN autotune)
        algo.train_step(sampler.draw(algo.batches_per_step), 0)
    if device.type == "cuda":
        torch.cuda.synchronize()
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        algo.train_step(sampler.draw(algo.batches_per_step), 0)
        steps += 1
        if device.type == "cuda" and steps % 10 == 0:
            torch.cuda.synchronize()
    if device.type == "cuda":
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    return steps * cfg.batch_size * cfg.n_critic / dt, steps, cfg.batch_size


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="auto")
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--data", default="digits")
    args = ap.parse_args()
    device = pick_device(args.device)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, device {device_label(device)}")
    print(f"data: {args.data} · {args.seconds:.0f} s per model after 3 warm-up steps")
    print(f"{'model':<10} {'batch':>5} {'steps':>6} {'img/s':>9}")
    for m in args.models.split(","):
        data_name = args.data
        ips, steps, batch = bench(m, data_name, device, args.seconds)
        print(f"{m:<10} {batch:>5} {steps:>6} {ips:>9.0f}", flush=True)


if __name__ == "__main__":
    main()
