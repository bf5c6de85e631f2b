"""Benchmark (not a test): a large folder of images, held in RAM vs read from its memory-mapped cache.

    python -m tests.benchmarks.bench_folder [--images 20000] [--size 64] [--source 96] [--seconds 3]

Writes ``--images`` random-noise JPEGs (``--source`` px) to a temporary folder, then loads them at
``--size`` px twice, each in a fresh process: once in memory (the default below the threshold) and once
streamed (threshold forced to 0, as a folder over 1 GiB would be). Prints the decode rate (first load and,
for the cache, the second), the process's anonymous memory (RSS that is not file-backed: what the data costs
in RAM) and the batch rate of the sampler at batch 64. Asserts nothing. Linux (reads /proc).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import os, sys, time
from pathlib import Path
import torch
from trainers.data import BatchSampler, load_dataset, real

folder, size, stream, seconds = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", float(sys.argv[4])
if stream:
    real.STREAM_OVER_BYTES = 0
def anon_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1024
base = anon_mb()
for attempt in ("first", "second") if stream else ("first",):
    t0 = time.perf_counter()
    data = load_dataset(folder, image_size=size, channels=3)
    load_s = time.perf_counter() - t0
    print(f"  {'cache' if stream else 'memory'} load ({attempt}): {len(data)} images in {load_s:.1f} s "
          f"({len(data) / load_s:,.0f} img/s)")
sampler = BatchSampler(data, 64, 0, torch.device("cpu"))
t0, n = time.perf_counter(), 0
while time.perf_counter() - t0 < seconds:
    sampler.draw(); n += 1
print(f"  sampler: {n * 64 / (time.perf_counter() - t0):,.0f} img/s at batch 64 · anonymous RSS for the data "
      f"{anon_mb() - base:,.0f} MB (the images take {data.x.nbytes / 2**20:,.0f} MB)")
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=20000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--source", type=int, default=96)
    ap.add_argument("--seconds", type=float, default=3.0, help="how long to time the sampler")
    args = ap.parse_args(argv)
    import numpy as np
    from PIL import Image

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        rng = np.random.default_rng(0)
        t0 = time.perf_counter()
        for i in range(args.images):
            Image.fromarray(rng.integers(0, 256, (args.source, args.source, 3), dtype=np.uint8)).save(
                folder / f"{i:06d}.jpg", quality=90)
        print(f"wrote {args.images} JPEGs of {args.source} px in {time.perf_counter() - t0:.0f} s")
        env = {**os.environ, "GANSTUDIO_CACHE": str(Path(tmp) / "cache"), "PYTHONPATH": os.getcwd()}
        for stream in ("0", "1"):
            out = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(args.size), stream, str(args.seconds)],
                                 env=env, check=True, capture_output=True, text=True).stdout
            print(out, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
