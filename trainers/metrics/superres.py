"""Scores of a super-resolution generator (SRGAN) on held-out images, next to bicubic and to its own SRResNet.

Each high-resolution image y is area-downsampled ×f (the mean of each f × f block, as in training) to x, and
upscaled back three ways: bicubic (the baseline every SR paper reports), the run's SRResNet (phase 1, module R of
the checkpoint; absent while the run is still in that phase) and SRGAN (G). On images in [0, 1]:

- PSNR = 10·log10(1 / MSE) in dB and SSIM (Wang et al. 2004: 11×11 Gaussian window, σ 1.5), over all channels
  (the paper measures RGB images on their Y channel; the digits are grey);
- label accuracy: GAN Studio's classifier for the dataset (for ``digits`` the one shipped in assets/) reads the
  class of each upscaled image and agrees with the true class; its *reference* is the same classifier on y itself.
  This is what a blurry upscale loses first: at 7 px a 3, 5 and 8 are a few grey pixels apart.

Held out: for the embedded sets, digits drawn with another seed than training's (never seen); for other data
(MNIST, CIFAR-10, a folder) the last images of the set, which training saw (the protocol says so).
"""

from __future__ import annotations

import math
import time

import torch

from .evaluate import SCHEMA, Progress, _r
from .translation import HELD_OUT_SEED, psnr, ssim

NOTE = ("super-resolution scores on held-out images against the true high-resolution image, next to bicubic "
        "upscaling and the run's SRResNet; labels read by GAN Studio's classifier for the dataset")
EMBEDDED = ("digits", "digits-rgb")
METHODS = ("srgan", "srresnet", "bicubic")


def held_out(meta: dict, samples: int, progress: Progress | None = None):
    """(HR images in model range, labels or None, the set, a line on where they come from) for a checkpoint."""
    from ..data import load_dataset
    from ..errors import DataError
    from .evaluate import dataset_for

    cfg = meta["config"]
    prog = (lambda d, t: progress("drawing held-out images", d, t)) if progress else None
    try:
        if cfg["data"] in EMBEDDED:
            data = load_dataset(cfg["data"], image_size=cfg.get("image_size") or None,
                                channels=cfg.get("channels") or None, limit=samples, seed=HELD_OUT_SEED, progress=prog)
            where = f"{len(data):,} held-out images of {cfg['data']} (seed {HELD_OUT_SEED}; training used seed 0)"
        else:
            data = dataset_for(meta, cfg.get("data_root"))  # meta: already approved by evaluate_checkpoint
            where = f"the last {min(samples, len(data)):,} images of {data.name} (training saw them: no held-out split)"
    except DataError as exc:
        raise DataError(f"evaluating needs the images the model was trained on: {exc}") from None
    n = min(samples, len(data))
    x = data.x[len(data) - n:]
    labels = data.labels[len(data) - n:] if data.labels is not None else None
    return data.to_model(x), labels, data, where


@torch.no_grad()
def upscale_all(gen, hr: torch.Tensor, progress: Progress | None = None) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The low-resolution inputs of ``hr`` and their upscales by each method (SRResNet when the run has one)."""
    from ..images import bicubic, downsample
    from ..registry import probe_of

    load_srresnet = probe_of(gen.meta.get("model", {}).get("family"), "srresnet") or (lambda _gen: None)

    scale = int(gen.meta["config"]["scale"])
    low = downsample(hr, scale)
    srresnet = load_srresnet(gen) if getattr(gen, "path", None) is not None else None
    outs: dict[str, list[torch.Tensor]] = {"srgan": [], "bicubic": []}
    if srresnet is not None:
        outs["srresnet"] = []
    for s in range(0, len(low), 250):
        part = low[s:s + 250]
        outs["srgan"].append(gen.translate(part))
        outs["bicubic"].append(bicubic(part, scale))
        if srresnet is not None:
            outs["srresnet"].append(srresnet(part).float())
        if progress:
            progress("upscaling held-out images", min(s + 250, len(low)), len(low))
    return low, {k: torch.cat(v) for k, v in outs.items()}


def evaluate_superres(gen, samples: int = 2000, progress: Progress | None = None, extractor=None) -> dict:
    """Score a ``LoadedGenerator`` of the srgan family on ``samples`` held-out images."""
    from .features import get_extractor

    t0 = time.perf_counter()
    hr, labels, data, where = held_out(gen.meta, samples, progress)
    low, outs = upscale_all(gen, hr, progress)
    u = lambda t: ((t.float() + 1) / 2).clamp(0, 1)  # noqa: E731  model range → [0, 1]
    fy = u(hr)
    metrics: dict = {}
    for key, fn in (("psnr", psnr), ("ssim", ssim)):
        metrics[key] = {m: _r(float(fn(u(outs[m]), fy).mean())) for m in METHODS if m in outs}
        metrics[key]["value"] = metrics[key]["srgan"]
    classifier = None
    if labels is not None and data.class_names:
        if extractor is None:
            from ..data import load_dataset

            cfg = gen.meta["config"]
            stage = "training the feature classifier (once per dataset, then cached)"
            full = load_dataset(cfg["data"], root=cfg.get("data_root"), channels=cfg.get("channels") or None)
            extractor = get_extractor(full, "cpu", (lambda d, t: progress(stage, d, t)) if progress else None)
        want = labels.numpy()
        acc = {m: extractor.embed(outs[m]).pred for m in outs}
        la = {m: _r(float((p == want).mean())) for m, p in acc.items()}
        la["value"] = la["srgan"]
        la["reference"] = _r(float((extractor.embed(hr).pred == want).mean()))
        la["per_class"] = [_r(float((acc["srgan"][want == c] == c).mean())) if (want == c).any() else math.nan
                           for c in range(len(data.class_names))]
        metrics["label_accuracy"] = la
        classifier = extractor.describe()
    scale = int(gen.meta["config"]["scale"])
    cfg = gen.meta["config"]
    phase = "srgan" if int(gen.meta.get("step") or 0) > int(cfg.get("pretrain_steps") or 0) else "srresnet"
    protocol = {"samples": len(hr), "phase": phase, "dataset": data.name, "dataset_size": len(data), "scale": scale,
                "inputs": f"{where}, area-downsampled ×{scale} ({low.shape[-1]} → {hr.shape[-1]} px)",
                "baseline": "bicubic upscaling (torch, align_corners=False, clamped)",
                "srresnet": "the run's SRResNet (phase 1)" if "srresnet" in outs else
                            "none yet: the run has not left its SRResNet phase",
                "reference": "the classifier on the true high-resolution images"}
    return {"schema": SCHEMA, "kind": "superres", "note": NOTE, "protocol": protocol, "classifier": classifier,
            "metrics": metrics, "seconds": round(time.perf_counter() - t0, 2)}


def is_superres(result: dict) -> bool:
    return isinstance(result, dict) and result.get("kind") == "superres"


def summary(result: dict) -> str:
    m = result["metrics"]
    parts = [f"PSNR {m['psnr']['srgan']:.1f} dB (bicubic {m['psnr']['bicubic']:.1f}"
             + (f", SRResNet {m['psnr']['srresnet']:.1f})" if "srresnet" in m["psnr"] else ")"),
             f"SSIM {m['ssim']['srgan']:.3f}"]
    if "label_accuracy" in m:
        parts.append(f"label accuracy {m['label_accuracy']['srgan']:.1%} (bicubic "
                     f"{m['label_accuracy']['bicubic']:.1%})")
    return " · ".join(parts)


def table(result: dict) -> str:
    m = result["metrics"]
    ck = result.get("checkpoint", {})
    p = result["protocol"]
    clf = result.get("classifier")
    has_r = "srresnet" in m["psnr"]
    lines = [f"{ck.get('path', '')}", f"  {ck.get('family', '?')} ×{p['scale']} at step {ck.get('step', '?')} · "
             f"{p['inputs']}"]
    if clf:
        lines.append(f"  labels read by GAN Studio's {clf['arch']} classifier ({clf['accuracy']:.1%} on "
                     f"{clf['held_out']:,} held-out images)")
    if not has_r:
        lines.append(f"  SRResNet: {p['srresnet']}")
    lines.append("")
    g_name = "SRResNet" if p.get("phase") == "srresnet" else "SRGAN"  # G before the switch is the SRResNet
    cols = [g_name] + (["SRResNet"] if has_r else []) + ["bicubic"]
    head = f"  {'score':<16}" + "".join(f"{c:>10}" for c in cols) + f"{'HR':>8}   note"
    lines += [head, "  " + "─" * (len(head) + 10)]
    keys = ["srgan"] + (["srresnet"] if has_r else []) + ["bicubic"]
    lines.append(f"  {'PSNR':<16}" + "".join(f"{m['psnr'][k]:>10.2f}" for k in keys) + f"{'':>8}   dB, higher is better")
    lines.append(f"  {'SSIM':<16}" + "".join(f"{m['ssim'][k]:>10.3f}" for k in keys) + f"{'':>8}   1 is identical")
    if "label_accuracy" in m:
        la = m["label_accuracy"]
        lines.append(f"  {'label accuracy':<16}" + "".join(f"{la[k]:>10.3f}" for k in keys)
                     + f"{la['reference']:>8.3f}   the class survives the upscale; HR: the classifier on the truth")
        lines += ["", f"  {g_name} per class " + " ".join("  - " if v != v else f"{v:.2f}" for v in la["per_class"])]
    return "\n".join(lines)


def headline(result: dict) -> dict[str, float]:
    m = result["metrics"]
    out = {"eval_psnr": m["psnr"]["srgan"], "eval_psnr_bicubic": m["psnr"]["bicubic"], "eval_ssim": m["ssim"]["srgan"]}
    if "label_accuracy" in m:
        out["eval_label_accuracy"] = m["label_accuracy"]["srgan"]
    return out


def bar_values(metrics: dict) -> dict[str, float]:
    """SRGAN's bars: PSNR above bicubic's, and the class kept."""
    out = {"sr_psnr_gain": metrics["psnr"]["srgan"] - metrics["psnr"]["bicubic"]}
    if "label_accuracy" in metrics:
        out["sr_label_accuracy"] = metrics["label_accuracy"]["srgan"]
    return out
