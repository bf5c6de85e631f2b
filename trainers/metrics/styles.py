"""Which StyleGAN layers carry which factor of the digits: style mixing read by the digits classifier and its
factor regressors (the check of issue 22, after the paper's Figure 3 and its coarse / middle / fine split).

For n pairs of seeds, A (the *source*) and B (the *destination*), each layer group in turn takes A's styles and
the other layers keep B's. The classifier reads the mixed image:

- class: the share of mixes it reads as A's digit (among pairs whose digits differ);
- each continuous factor f (slant, rotation, stroke width, scale, ...): the slope β of (f_mix − f_B) against
  (f_A − f_B) over the pairs: 1 when the group carries the whole factor from the source, 0 when it carries none.

Groups by the side the layers act at: coarse (4–8 px), middle (16 px), fine (32 px and above).
"""

from __future__ import annotations

import numpy as np
import torch

GROUPS = (("coarse", 4, 8), ("middle", 16, 16), ("fine", 32, 10 ** 6))


def layer_groups(sides: list[int]) -> dict[str, list[int]]:
    """The W+ layers of each group, from the side each layer acts at."""
    return {name: [i for i, s in enumerate(sides) if lo <= s <= hi] for name, lo, hi in GROUPS
            if any(lo <= s <= hi for s in sides)}


@torch.no_grad()
def style_separation(gen, extractor, n: int = 1000, seed: int = 0) -> dict:
    """The table above for a ``LoadedGenerator`` of the stylegan family (``gen.G.body``: ``StyleGenerator``)."""
    body = gen.G.body
    dev = gen.device
    g = torch.Generator(device=dev).manual_seed(seed)
    z_a = torch.randn(n, body.mapping.layers[0].weight.shape[1], generator=g, device=dev)
    z_b = torch.randn(n, z_a.shape[1], generator=g, device=dev)
    ws_a, ws_b = body.ws(z_a), body.ws(z_b)
    read = lambda ws: extractor.embed(torch.cat([body.render(ws[s:s + 250]).float().cpu()  # noqa: E731
                                                 for s in range(0, len(ws), 250)]))
    ea, eb = read(ws_a), read(ws_b)
    differ = ea.pred != eb.pred
    rows = {}
    for name, layers in layer_groups(body.synthesis.layer_sides()).items():
        ws = ws_b.clone()
        ws[:, layers] = ws_a[:, layers]
        em = read(ws)
        row = {"layers": layers, "class_follows_source": round(float((em.pred[differ] == ea.pred[differ]).mean()), 4)
               if differ.any() else None}
        if em.factors is not None:
            da = ea.factors - eb.factors
            dm = em.factors - eb.factors
            slopes = (da * dm).sum(0) / np.maximum((da * da).sum(0), 1e-12)
            row["factors"] = {f: round(float(b), 4) for f, b in zip(extractor.factor_names, slopes)}
        rows[name] = row
    return {"pairs": n, "seed": seed, "groups": rows,
            "note": "style mixing: a group of layers takes the source's styles; class: share of mixes read as the "
                    "source's digit; factors: slope of the mix's factor on the source's (1: the group carries it)"}


def table(result: dict) -> list[str]:
    """Lines for ``ganstudio eval``'s report."""
    groups = result["groups"]
    factors = next((list(r["factors"]) for r in groups.values() if "factors" in r), [])
    head = f"  {'layers (source → mix)':<24}{'class':>7}" + "".join(f"{f[:9]:>10}" for f in factors)
    lines = ["", "  which layers carry what (style mixing, read by the classifier; 1 = carried from the source):",
             head]
    for name, r in groups.items():
        cls = "-" if r["class_follows_source"] is None else f"{r['class_follows_source']:.2f}"
        label = f"{name} ({','.join(map(str, r['layers']))})"
        lines.append(f"  {label:<24}{cls:>7}" + "".join(f"{r['factors'][f]:>10.2f}" for f in factors))
    return lines
