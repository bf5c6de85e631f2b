"""How well a TediGAN text model does what it is told (the check of issue 23), judged by the digits classifier
and its factor regressors (``features.py``), which the text model never saw.

- **Generation** on captions of the *held-out templates* (sentence frames training never used), written for
  held-out digits (seed 1): one image per caption. Class accuracy: the share of images read as the digit the
  caption names. Direction accuracy per attribute: the share whose read factor lies on the asked side of the
  data's median (thick: width above the median; slanted right: slant above 0; small: scale below the median,
  ...); "upright" asks for |slant| < 0.15 and is reported apart. Next to it, the same for the mapper's start
  alone (no optimisation) and for random samples of the generator (the rate by chance).
- **Retrieval**, text → image: for each held-out caption, the most similar of the held-out digits; right when
  that digit is one the caption is true of. Next to it, the chance rate (the mean share of digits a caption is
  true of).
- **Edits**: from random samples, ask for the other side of one attribute ("a thick digit" for a thin one, ...);
  report the share moved to the asked side, the share whose class is kept, and the mean change of the asked
  factor and of the others (in data standard deviations).
"""

from __future__ import annotations

import numpy as np
import torch

from ..text import captions as cap
from ..text import tedigan as td

SIDE = {("width", "thin"): -1, ("width", "thick"): 1, ("slant", "left"): -1, ("slant", "right"): 1,
        ("scale", "small"): -1, ("scale", "large"): 1, ("aspect", "narrow"): -1, ("aspect", "wide"): 1}
EDIT_PROMPTS = {("width", -1): "a thin digit", ("width", 1): "a thick digit",
                ("slant", -1): "a left-slanted digit", ("slant", 1): "a slanted digit"}


def _factor_table(emb, names) -> dict[str, np.ndarray]:
    return {n: emb.factors[:, names.index(n)] for n in cap.ATTRIBUTES}


def attribute_scores(said: list[dict], pred: np.ndarray, factors: dict[str, np.ndarray],
                     centre: dict[str, float]) -> dict:
    """Class accuracy and per-attribute direction accuracy of images read as ``pred`` / ``factors`` against what
    each caption said; ``centre``: each factor's median in the data (slant: 0)."""
    out: dict = {}
    asked = np.array(["class" in s for s in said])
    if asked.any():
        want = np.array([s.get("class", -1) for s in said])
        out["class"] = {"accuracy": round(float((pred[asked] == want[asked]).mean()), 4), "n": int(asked.sum())}
    for a in cap.ATTRIBUTES:
        rows = [i for i, s in enumerate(said) if s.get(a) not in (None, "upright")]
        if rows:
            sign = np.array([SIDE[(a, said[i][a])] for i in rows])
            ok = np.sign(factors[a][rows] - centre[a]) == sign
            out[a] = {"direction": round(float(ok.mean()), 4), "n": len(rows)}
    up = [i for i, s in enumerate(said) if s.get("slant") == "upright"]
    if up:
        out["upright"] = {"within": round(float((np.abs(factors["slant"][up]) < cap.BINS["slant"][1]).mean()), 4),
                          "n": len(up)}
    return out


def _centres(data) -> dict[str, float]:
    f = data.factors.numpy()
    c = {n: float(np.median(f[:, data.factor_names.index(n)])) for n in cap.ATTRIBUTES}
    c["slant"] = 0.0
    return c


@torch.no_grad()
def _read(extractor, images: torch.Tensor):
    emb = extractor.embed(images)
    return emb.pred, _factor_table(emb, extractor.factor_names)


def generation_figures(model, gen, extractor, held_out, centre, n: int = 500, steps: int = 40, seed: int = 1) -> dict:
    """Generation on held-out captions: optimised, the mapper's start alone, and random samples (chance)."""
    rng = np.random.default_rng(seed)
    labels = held_out.labels.numpy()
    fd = td._factor_dicts(held_out)
    idx = rng.choice(len(labels), n, replace=False)
    caps = [cap.caption(int(labels[i]), fd[i], rng, templates=cap.HELD_OUT_TEMPLATES, p_class=1.0, p_attr=0.6)
            for i in idx]
    prompts = [c.text for c in caps]
    said = [c.attrs for c in caps]
    out = {"captions": n, "templates": "held-out", "examples": prompts[:6], "steps": steps}
    res = {}
    for name, k in (("optimised", steps), ("start", 0)):
        parts = []
        for s in range(0, n, 250):
            r = td.generate(model, gen, prompts[s:s + 250], n=len(prompts[s:s + 250]), seed=seed + s, steps=k)
            parts.append(r.images)
        res[name] = torch.cat(parts)
        out[name] = attribute_scores(said, *_read(extractor, res[name]), centre)
    body = td.style_body(gen)
    g = torch.Generator(device=body.mapping.w_avg.device).manual_seed(seed)
    z = torch.randn(n, body.mapping.layers[0].weight.shape[1], generator=g, device=body.mapping.w_avg.device)
    rand = torch.cat([body.render(body.ws(z[s:s + 250], td.PSI), "const").float().cpu() for s in range(0, n, 250)])
    out["random"] = attribute_scores(said, *_read(extractor, rand), centre)
    return out


@torch.no_grad()
def retrieval_figures(model, held_out, n: int = 1000, seed: int = 2) -> dict:
    """Text → image top-1 among ``n`` held-out digits, for held-out and training templates."""
    rng = np.random.default_rng(seed)
    labels = held_out.labels.numpy()
    factors = held_out.factors.numpy()
    fd = td._factor_dicts(held_out)
    idx = rng.choice(len(labels), min(n, len(labels)), replace=False)
    size = int(model.info.get("image_size", held_out.x.shape[-1]))
    images = td.model_images(held_out, size)[idx].to(model.device)
    img = torch.cat([model.clip.embed_image(images[s:s + 500]) for s in range(0, len(images), 500)])
    out = {"images": len(idx)}
    for name, templates in (("held_out", cap.HELD_OUT_TEMPLATES), ("train", cap.TRAIN_TEMPLATES)):
        caps = [cap.caption(int(labels[i]), fd[i], rng, templates=templates) for i in idx]
        txt = model.text_embedding([c.text for c in caps])
        best = (txt @ img.T).argmax(1).cpu().numpy()
        match = cap.match_matrix([c.attrs for c in caps], labels[idx], factors[idx], held_out.factor_names)
        out[name] = {"top1": round(float(match[np.arange(len(idx)), best].mean()), 4),
                     "chance": round(float(match.mean()), 4)}
    return out


def edit_figures(model, gen, extractor, data_std: dict[str, float], centre, n: int = 200, steps: int = 40,
                 seed: int = 3) -> dict:
    """Edits of random samples towards the other side of width and of slant."""
    body = td.style_body(gen)
    dev = body.mapping.w_avg.device
    g = torch.Generator(device=dev).manual_seed(seed)
    z = torch.randn(n, body.mapping.layers[0].weight.shape[1], generator=g, device=dev)
    ws0 = body.ws(z, td.PSI).detach()
    with torch.no_grad():
        start = body.render(ws0, "const").float().cpu()
    pred0, f0 = _read(extractor, start)
    out = {"samples": n, "steps": steps}
    for attr in ("width", "slant"):
        sign = np.where(f0[attr] > centre[attr], -1, 1)  # ask for the other side
        prompts = [EDIT_PROMPTS[(attr, int(s))] for s in sign]
        r = td.edit(model, gen, prompts, ws0, steps=steps)
        pred1, f1 = _read(extractor, r.images)
        moved = np.sign(f1[attr] - centre[attr]) == sign
        delta = {a: float(np.mean(np.abs(f1[a] - f0[a])) / data_std[a]) for a in cap.ATTRIBUTES}
        out[attr] = {"to_asked_side": round(float(moved.mean()), 4),
                     "towards": round(float((np.sign(f1[attr] - f0[attr]) == sign).mean()), 4),
                     "class_kept": round(float((pred1 == pred0).mean()), 4),
                     "asked_change_sd": round(delta[attr], 3),
                     "other_change_sd": round(float(np.mean([v for a, v in delta.items() if a != attr])), 3),
                     "pixel_change": round(float((r.images - start).abs().mean()), 4)}
    return out


def evaluate_text(model, gen, data, extractor, n: int = 500, steps: int = 40) -> dict:
    """All three, on ``data`` (the digits the generator was trained on) and held-out digits of seed 1."""
    from ..data import load_dataset

    size = int(data.x.shape[-1])
    held_out = load_dataset("digits", image_size=size, limit=max(2000, n), seed=1)
    centre = _centres(data)
    f = data.factors.numpy()
    std = {a: float(f[:, data.factor_names.index(a)].std()) for a in cap.ATTRIBUTES}
    return {"generation": generation_figures(model, gen, extractor, held_out, centre, n=n, steps=steps),
            "retrieval": retrieval_figures(model, held_out, n=min(1000, len(held_out))),
            "edits": edit_figures(model, gen, extractor, std, centre, n=min(200, n), steps=steps),
            "classifier": {"accuracy": round(extractor.accuracy, 4),
                           "factor_r": {k: round(v, 3) for k, v in zip(extractor.factor_names, extractor.factor_r)}}}


def table(result: dict) -> list[str]:
    """Lines for the command line's report."""
    g = result["generation"]
    lines = [f"generation on {g['captions']} held-out captions ({g['steps']} optimisation steps):"]
    keys = ["class"] + [a for a in cap.ATTRIBUTES if a in g["optimised"]]
    lines.append(f"  {'':<12}" + "".join(f"{k:>10}" for k in keys) + f"{'upright':>10}")
    for row in ("optimised", "start", "random"):
        vals = [g[row].get(k, {}).get("accuracy" if k == "class" else "direction") for k in keys]
        up = g[row].get("upright", {}).get("within")
        lines.append(f"  {row:<12}" + "".join(f"{v:>10.3f}" if v is not None else f"{'—':>10}" for v in vals)
                     + (f"{up:>10.3f}" if up is not None else f"{'—':>10}"))
    r = result["retrieval"]
    lines.append(f"retrieval text → image among {r['images']} held-out digits: top-1 {r['held_out']['top1']:.3f} "
                 f"(held-out templates), {r['train']['top1']:.3f} (training templates); chance "
                 f"{r['held_out']['chance']:.3f}")
    e = result["edits"]
    for a in ("width", "slant"):
        x = e[a]
        lines.append(f"edit {a} of {e['samples']} samples: {x['to_asked_side']:.3f} reach the asked side, "
                     f"{x['towards']:.3f} move towards it, class kept {x['class_kept']:.3f}; change "
                     f"{x['asked_change_sd']:.2f} sd asked vs {x['other_change_sd']:.2f} sd others")
    return lines
