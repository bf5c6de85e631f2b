"""Train the feature classifier of the embedded ``digits`` set and ship it here, so ``ganstudio eval``, the
live evaluations of a run and the explorer's scores answer at once instead of training it first.

    python assets/classifiers/rebuild.py            # trains (about a minute on 2 CPU cores) and writes the file
    python assets/classifiers/rebuild.py --check    # loads the shipped file and reports its held-out accuracy

It is exactly what ``trainers.metrics.features.get_extractor`` trains on first use (same data, seed, steps
and held-out split); the file name carries the dataset's content hash and the classifier version, so a
changed dataset or network never picks up a stale file.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only load the shipped classifier and score it")
    args = ap.parse_args()
    from trainers.data import load_dataset
    from trainers.metrics import features

    data = load_dataset("digits")
    path = HERE / features.file_name(data)
    if args.check:
        ex = features.load_extractor(path, data)
        if ex is None:
            print(f"{path.name}: missing, damaged or for other data; run without --check", file=sys.stderr)
            return 1
    else:
        t0 = time.perf_counter()
        ex = features.train_extractor(data, progress=lambda d, n: print(f"\rstep {d}/{n}", end="", flush=True))
        print(f"\rtrained in {time.perf_counter() - t0:.0f} s")
        for old in HERE.glob("digits-*.safetensors"):
            old.unlink()
        features.save_extractor(ex, path)
    held = features.split(data)[1]
    emb = ex.embed(data.to_model(data.x[held]))
    acc = float((emb.pred == data.labels[held].numpy()).mean())
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB · held-out accuracy {acc:.4f} on {len(held)} digits · "
          "factor r " + ", ".join(f"{n} {r:.2f}" for n, r in zip(ex.factor_names, ex.factor_r)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
