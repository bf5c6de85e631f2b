"""Scores of a translating generator (Pix2Pix) against the true translation, on held-out inputs.

The paired digit sets know the one right output of every input (``trainers/data/paired.py``), so the scores
are direct: on ``n`` inputs drawn from digits the model never saw (another seed of the digit generator),

- L1 = E|G(x) − y|, PSNR = 10·log10(1 / MSE) in dB, SSIM (Wang et al. 2004: 11×11 Gaussian window, σ 1.5,
  C1 = 0.01², C2 = 0.03²), all on images in [0, 1], each next to the trivial *baseline* that outputs the input
  itself (y ≈ x);
- label preservation: the digits classifier (``features.py``, the one shipped in assets/) reads the digit of
  G(x) and agrees with the digit drawn in x — the failure mode re-implementations report (an 8 that comes
  out a 5). Its *reference* is the same classifier on the true targets.

The result has the evaluation schema of ``evaluate.py`` (``ganstudio eval`` prints it, the run folder keeps it,
the app shows it), with these metrics in place of FID and its companions.
"""

from __future__ import annotations

import math
import time

import torch
import torch.nn.functional as F

from ..registry import capabilities_of, probe_of
from .evaluate import SCHEMA, Progress, _r

HELD_OUT_SEED = 1  # the training sets are drawn from seed 0: seed 1 is digits the model never saw
NOTE = ("translation scores against the true output of each held-out input; baseline: the input itself as the "
        "output; label preservation read by GAN Studio's digits classifier")


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB of images in [0, 1] (N, C, H, W): 10·log10(1 / MSE), MSE floored at 1e-10."""
    mse = (a - b).pow(2).flatten(1).mean(1).clamp_min(1e-10)
    return 10 * torch.log10(1.0 / mse)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-x ** 2 / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def ssim(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image SSIM of images in [0, 1] (N, C, H, W), the mean of the SSIM map over valid windows and channels:
    SSIM = (2μ_aμ_b + C1)(2σ_ab + C2) / ((μ_a² + μ_b² + C1)(σ_a² + σ_b² + C2))."""
    c = a.shape[1]
    w = _gaussian_window().to(a.dtype if a.dtype == torch.float64 else torch.float64).expand(c, 1, 11, 11)
    a, b = a.double(), b.double()
    conv = lambda t: F.conv2d(t, w, groups=c)  # noqa: E731  ("valid" windows, as Wang et al.'s reference code)
    mu_a, mu_b = conv(a), conv(b)
    var_a = conv(a * a) - mu_a ** 2
    var_b = conv(b * b) - mu_b ** 2
    cov = conv(a * b) - mu_a * mu_b
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    m = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return m.flatten(1).mean(1).float()


def digits_view(x: torch.Tensor) -> torch.Tensor:
    """Images of a paired digit set (model range, 32 px, or a multiple) as the 28 px digits the classifier reads:
    back to 32 px, then the 2-px padding cut off."""
    if x.shape[-1] != 32:
        x = F.interpolate(x, size=(32, 32), mode="area")
    if x.shape[1] != 1:
        x = x.mean(1, keepdim=True)
    return x[..., 2:30, 2:30]


def held_out(meta: dict, samples: int, progress: Progress | None = None):
    """The held-out pairs for a checkpoint: (inputs, targets, labels) in model range, sized as it was trained, and
    the set itself (an ArrayData with ``extras["target"]``). A paired set's own pairs; for two unpaired digit
    domains (CycleGAN), each held-out digit as it looks in domain A and in domain B."""
    from ..data import load_dataset
    from ..errors import DataError

    cfg = meta["config"]
    prog = (lambda d, t: progress("drawing held-out digits", d, t)) if progress else None
    try:
        if cfg.get("data_b") and "paired" in capabilities_of(cfg.get("model")):  # folders of inputs and targets
            data = load_dataset(cfg["data"], image_size=cfg.get("image_size") or None,
                                channels=cfg.get("channels") or None, progress=prog, targets=cfg["data_b"])
            keep = slice(max(0, len(data) - samples), len(data))  # no held-out split: the last pairs (seen)
            data.x, data.extras = data.x[keep], {k: v[keep] for k, v in data.extras.items()}
        elif cfg.get("data_b"):
            data = _domain_pairs(cfg, samples, prog)
        else:
            data = load_dataset(cfg["data"], image_size=cfg.get("image_size") or None,
                                channels=cfg.get("channels") or None, limit=samples, seed=HELD_OUT_SEED,
                                progress=prog)
    except DataError as exc:
        raise DataError(f"evaluating needs the paired set the model was trained on: {exc}") from None
    if "target" not in data.extras:
        raise DataError(f"{cfg['data']!r} has no targets: a translation is scored against paired data")
    return data.to_model(data.x), data.to_model(data.extras["target"]), data.labels, data


def _domain_pairs(cfg: dict, samples: int, progress=None):
    """Held-out digits drawn in both of a CycleGAN's domains (``trainers/data/domains.py``)."""
    from ..data import domains
    from ..data import digits as digits_mod
    from ..data.base import ArrayData, fit_images
    from ..errors import DataError

    a, b = cfg["data"], cfg["data_b"]
    if a not in domains.DOMAINS or b not in domains.DOMAINS:
        raise DataError(f"{a!r} and {b!r}: only the embedded digit domains ({', '.join(domains.DOMAINS)}) know the "
                        "true translation between them")
    d = digits_mod.load(samples, seed=HELD_OUT_SEED, progress=progress)
    img = domains.padded(torch.from_numpy(d.images)[:, None])
    size, ch = cfg.get("image_size") or 32, cfg.get("channels") or 1
    x = fit_images(domains.to_u8(domains.transform(a, img)), size, ch)
    y = fit_images(domains.to_u8(domains.transform(b, img)), size, ch)
    return ArrayData(f"{a} → {b}", x, torch.from_numpy(d.labels), digits_mod.CLASS_NAMES, extras={"target": y})


def evaluate_translation(gen, samples: int = 2000, progress: Progress | None = None, extractor=None) -> dict:
    """Score a ``LoadedGenerator`` that translates (``gen.translates``) on ``samples`` held-out pairs."""
    from ..data import load_dataset
    from .features import get_extractor

    t0 = time.perf_counter()
    x, y, labels, data = held_out(gen.meta, samples, progress)
    outs = []
    for s in range(0, len(x), 250):
        outs.append(gen.translate(x[s:s + 250]))
        if progress:
            progress("translating held-out inputs", min(s + 250, len(x)), len(x))
    out = torch.cat(outs)
    u = lambda t: ((t.float() + 1) / 2).clamp(0, 1)  # noqa: E731  model range → [0, 1]
    fx, fy, fo = u(x), u(y), u(out)
    metrics: dict = {}
    for key, fn in (("l1", lambda a, b: (a - b).abs().flatten(1).mean(1)), ("psnr", psnr), ("ssim", ssim)):
        metrics[key] = {"value": _r(float(fn(fo, fy).mean())), "baseline": _r(float(fn(fx, fy).mean()))}
    way_back = probe_of(gen.meta.get("model", {}).get("family"), "way_back")
    inverse = way_back(gen) if way_back is not None else None
    if inverse is not None:  # F(G(x)) should give x back
        with torch.no_grad():
            back = torch.cat([inverse(out[s:s + 250]).float() for s in range(0, len(out), 250)])
        metrics["cycle_l1"] = {"value": _r(float((u(back) - fx).abs().mean())), "baseline": 0.0}
    if labels is not None and extractor is None:
        stage = "training the feature classifier (once per dataset, then cached)"
        extractor = get_extractor(load_dataset("digits"), "cpu",
                                  (lambda d, t: progress(stage, d, t)) if progress else None)
    if labels is not None:  # digits: does the translation keep the digit? (a folder of the user's has no labels)
        want = labels.numpy()
        pred_out = extractor.embed(digits_view(out)).pred
        pred_target = extractor.embed(digits_view(y)).pred
        per = [float((pred_out[want == c] == c).mean()) if (want == c).any() else math.nan for c in range(10)]
        metrics["label_preservation"] = {"value": _r(float((pred_out == want).mean())),
                                         "reference": _r(float((pred_target == want).mean())),
                                         "per_class": [_r(v) for v in per]}
    folders = labels is None
    protocol = {"samples": len(x), "seed": HELD_OUT_SEED, "dataset": data.name, "dataset_size": len(data),
                "inputs": f"the last {len(x):,} pairs of the folders {data.name} and {gen.meta['config'].get('data_b')} "
                          "(training saw them: no held-out split)" if folders else
                          f"{len(x):,} held-out pairs of {data.name} (digits of seed {HELD_OUT_SEED}; training used "
                          "seed 0)",
                "baseline": "the input itself as the output",
                "reference": "the digits classifier on the true targets"}
    return {"schema": SCHEMA, "kind": "translation", "note": NOTE, "protocol": protocol,
            "classifier": extractor.describe() if extractor is not None else None, "metrics": metrics, "seconds": round(time.perf_counter() - t0, 2)}


def to_plain(domain: str, x: torch.Tensor) -> torch.Tensor:
    """Images of a digit domain (model range) brought back to plain digits for the classifier (a negative is
    inverted; thick strokes the classifier reads as they are)."""
    return -x if domain == "digits-negative" else x


@torch.no_grad()
def evaluate_pairs(gen, samples: int = 2000, progress: Progress | None = None, extractor=None) -> dict:
    """CoGAN: ``samples`` pairs from latent seed 0; the digits classifier reads the digit of each image (domain B
    brought back to plain digits) and the pair *agrees* when both read the same. Also each domain's class shares."""
    from ..data import load_dataset
    from . import scores
    from .features import get_extractor

    t0 = time.perf_counter()
    cfg = gen.meta["config"]
    latent = gen.latent(samples, seed=0)
    flat = gen.layout.flatten(latent, torch.float32).to(gen.device)
    parts_a, parts_b = [], []
    for s in range(0, samples, 250):
        a, b = gen.G.body.pair(flat[s:s + 250])
        parts_a.append(a.float().cpu())
        parts_b.append(b.float().cpu())
        if progress:
            progress("drawing pairs", min(s + 250, samples), samples)
    a, b = torch.cat(parts_a), to_plain(cfg.get("data_b") or "", torch.cat(parts_b))
    if extractor is None:
        stage = "training the feature classifier (once per dataset, then cached)"
        extractor = get_extractor(load_dataset("digits"), "cpu",
                                  (lambda d, t: progress(stage, d, t)) if progress else None)
    pa, pb = extractor.embed(digits_view(a)).pred, extractor.embed(digits_view(b)).pred
    hist_a, hist_b = scores.class_histogram(pa, 10), scores.class_histogram(pb, 10)
    metrics = {"class_agreement": {"value": _r(float((pa == pb).mean()))},
               "coverage_a": {"value": int(scores.covered_classes(hist_a)), "of": 10,
                              "histogram": [_r(h, 4) for h in hist_a]},
               "coverage_b": {"value": int(scores.covered_classes(hist_b)), "of": 10,
                              "histogram": [_r(h, 4) for h in hist_b]}}
    protocol = {"samples": samples, "seed": 0, "dataset": f"{cfg['data']} + {cfg.get('data_b')}",
                "pairs": f"{samples:,} pairs from latent seed 0; domain B brought back to plain digits to be read"}
    return {"schema": SCHEMA, "kind": "pairs", "note": "class agreement of the two images one z draws, read by GAN "
            "Studio's digits classifier", "protocol": protocol, "classifier": extractor.describe(),
            "metrics": metrics, "seconds": round(time.perf_counter() - t0, 2)}


def is_translation(result: dict) -> bool:
    """A result of this module (a translation, or CoGAN's pairs), not of the FID family of scores."""
    return isinstance(result, dict) and result.get("kind") in ("translation", "pairs")


def summary(result: dict) -> str:
    m = result["metrics"]
    if "class_agreement" in m:
        return (f"pairs agree on the digit {m['class_agreement']['value']:.1%} · classes A "
                f"{m['coverage_a']['value']}/10, B {m['coverage_b']['value']}/10")
    return (f"PSNR {m['psnr']['value']:.1f} dB (input as output: {m['psnr']['baseline']:.1f}) · "
            f"SSIM {m['ssim']['value']:.3f} · L1 {m['l1']['value']:.3f}"
            + (f" · label kept {m['label_preservation']['value']:.1%}" if "label_preservation" in m else "")
            + (f" · cycle L1 {m['cycle_l1']['value']:.3f}" if "cycle_l1" in m else ""))


def table(result: dict) -> str:
    m = result["metrics"]
    ck = result.get("checkpoint", {})
    p = result["protocol"]
    clf = result["classifier"]
    if "class_agreement" in m:
        return "\n".join([
            f"{ck.get('path', '')}", f"  {ck.get('family', '?')} at step {ck.get('step', '?')} · {p['pairs']}", "",
            f"  pairs that agree on the digit   {m['class_agreement']['value']:.3f}",
            "  class shares A  " + " ".join(f"{h:.2f}" for h in m["coverage_a"]["histogram"]),
            "  class shares B  " + " ".join(f"{h:.2f}" for h in m["coverage_b"]["histogram"])])
    lines = [f"{ck.get('path', '')}", f"  {ck.get('family', '?')} at step {ck.get('step', '?')} · {p['inputs']}"]
    if clf:
        lines.append(f"  labels read by GAN Studio's {clf['arch']} digits classifier ({clf['accuracy']:.1%} on "
                     f"{clf['held_out']:,} held-out digits)")
    lines.append("")
    head = f"  {'score':<22}{'model':>10}{'baseline':>12}   note"
    lines += [head, "  " + "─" * (len(head) + 20)]
    notes = {"l1": "mean |G(x) − y| in [0, 1]; lower is better", "psnr": "dB; higher is better",
             "ssim": "structural similarity; 1 is identical"}
    for key, label in (("l1", "L1"), ("psnr", "PSNR"), ("ssim", "SSIM")):
        lines.append(f"  {label:<22}{m[key]['value']:>10.3f}{m[key]['baseline']:>12.3f}   {notes[key]}")
    if "cycle_l1" in m:
        lines.append(f"  {'cycle L1':<22}{m['cycle_l1']['value']:>10.3f}{'0':>12}   mean |F(G(x)) − x|: does the way "
                     "back give the input?")
    lp = m.get("label_preservation")
    if lp is None:
        return "\n".join(lines)
    lines.append(f"  {'label preservation':<22}{lp['value']:>10.3f}{lp['reference']:>12.3f}   baseline column: the "
                 "classifier on the true targets")
    lines += ["", "  per class     " + " ".join("  - " if v != v else f"{v:.2f}" for v in lp["per_class"])]
    return "\n".join(lines)


def headline(result: dict) -> dict[str, float]:
    m = result["metrics"]
    if "class_agreement" in m:
        return {"eval_class_agreement": m["class_agreement"]["value"]}
    out = {"eval_psnr": m["psnr"]["value"], "eval_ssim": m["ssim"]["value"], "eval_l1": m["l1"]["value"]}
    if "label_preservation" in m:
        out["eval_label_preservation"] = m["label_preservation"]["value"]
    return out


def bar_values(metrics: dict) -> dict[str, float]:
    """Pix2Pix's bars (PSNR above the baseline, the digit kept), or CycleGAN's (the digit kept without pairs, and
    the cycle closed)."""
    if "class_agreement" in metrics:
        return {"class_agreement": metrics["class_agreement"]["value"]}
    if "cycle_l1" in metrics:
        return {"label_preservation_unpaired": metrics["label_preservation"]["value"],
                "cycle_l1": metrics["cycle_l1"]["value"]}
    out = {"psnr_gain": metrics["psnr"]["value"] - metrics["psnr"]["baseline"]}
    if "label_preservation" in metrics:
        out["label_preservation"] = metrics["label_preservation"]["value"]
    return out
