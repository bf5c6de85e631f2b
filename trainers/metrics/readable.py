"""How readable a generator's digits are: the share of its samples the dataset's classifier reads with confidence
≥ 0.9, and how the readable ones spread over the classes (issue 37's measure: "every bundled generator reaches 0.9
of its data's readable share, every digit 5–15% of its readable samples"). The same figures for the real images
are the ceiling. ``assets/models/rebuild.py --check`` reports both for every bundled generator of digits."""

from __future__ import annotations

import numpy as np
import torch

CONFIDENT = 0.9  # a sample is read when the classifier's top probability reaches this


def readable(extractor, images: torch.Tensor, confident: float = CONFIDENT) -> dict:
    """{"share": read / all, "classes": each class's share of the read ones, "n": all} for images in model range."""
    probs = extractor.embed(images).probs
    sure = probs.max(1) >= confident
    counts = np.bincount(probs.argmax(1)[sure], minlength=probs.shape[1])
    shares = counts / max(1, counts.sum())
    return {"share": round(float(sure.mean()), 4), "classes": [round(float(s), 4) for s in shares], "n": len(probs)}


def readable_report(gen, data, extractor, n: int = 1000, seed: int = 123) -> dict:
    """The generator's figures next to the real data's (``n`` of each; the real ones a fixed random subset)."""
    latent = gen.latent(n, seed=seed)
    fakes = torch.cat([gen.render({k: v[s:s + 250] for k, v in latent.items()}) for s in range(0, n, 250)])
    idx = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))[:n]
    real = data.to_model(data.x[idx])
    return {"generated": readable(extractor, fakes), "real": readable(extractor, real), "confident": CONFIDENT}


def line(report: dict) -> str:
    """One line: readable share and the smallest – largest class share, generated against real."""
    def part(r: dict) -> str:
        c = r["classes"]
        return f"{r['share']:.3f} (classes {min(c):.1%}–{max(c):.1%})"

    g, r = report["generated"], report["real"]
    return (f"readable (p ≥ {report['confident']}): {part(g)}, real {part(r)}; "
            f"{g['share'] / max(r['share'], 1e-9):.2f} of the real share")
