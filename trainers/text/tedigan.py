"""TediGAN (Xia et al. 2021) on the embedded digits: draw and edit a StyleGAN's digits from words.

TediGAN has three parts; here each is small and trained on GAN Studio's own data (the paper's released code
leans on CLIP, which cannot be downloaded here and would be far too big for 32-px digits):

1. **StyleGAN inversion**: an image encoder E: image → w, trained on the generator's own samples, whose w is
   known (minimise ‖E(G(w)) − w‖² / σ_w², with σ_w the spread of W).
2. **Visual-linguistic similarity**: a text encoder and an image encoder trained contrastively on (real digit,
   caption) pairs (``encoders.Clip``; captions from the digits' known factors, ``captions.py``), and the text
   mapper T: text → w, trained to land where E puts the real digits a caption describes (minimise
   ‖T(t) − E(x)‖² / σ_w²). As in the paper, text and images meet in W.
3. **Instance-level optimisation**: starting from a w, optimise the styles W+ so that the image's embedding comes
   closer to the text's, while keeping near the start (the paper's pixel and w terms):

       minimise  −min(cos(I(G(W+)), T_text), τ)  +  λ_img · mean (G(W+) − G(W₀))²  +  λ_w · mean (W+ − W₀)² / σ_w²

   Two guards of our own against the small image encoder being gamed: the cosine is averaged over four copies of
   the image shifted by up to 2 px (a pixel pattern that fools the encoder does not survive the shifts: class
   accuracy 0.86 → 0.93 measured), and it stops pulling at τ, the upper quartile of real digits' similarity to
   their own captions (an image as close to the words as a real digit is left alone).

*Generation* starts from W₀ = a random w (truncated ψ 0.7, so every seed gives another digit) whose layers for
the attributes the prompt names move half way to the text's w: the coarse layers (4–8 px) for class, slant, size
and aspect, the middle and fine ones for stroke width (the layers ``ganstudio eval``'s layer table shows
carrying each factor), then optimises (λ_img 0: nothing to keep but the w term). *Editing* starts from the
explorer's styles and keeps λ_img > 0, so only what the words ask for changes.

Everything lives in one file beside the checkpoint, ``<checkpoint>.text.safetensors`` (+ ``.json``: vocabulary,
sizes, the generator's weights hash, how it was trained), written atomically; a text model of another
generator is refused by hash. Qt-free: the app runs these in ``ganstudio/workers/text.py``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..projection import style_body, w_spread
from . import STEPS, W_WEIGHT  # noqa: F401  (torch-free for the app; read here too)
from . import captions as cap
from .encoders import Clip, ImageEncoder, TextMapper, contrastive_loss
from .textfile import (DIM, SCHEMA, TextModel, cached_text_model_path, find_text_model,  # noqa: F401
                       load_text_model, require_digits, save_text_model, store_text_model, text_model_path,
                       training_data)

PSI = 0.7  # truncation of the random start of a generation
STARTS = 3  # start styles optimised per image, the closest to the text kept (held-out captions drawn as asked: 0.88 → 0.93)
BATCH = {"clip": 128, "inverter": 64, "mapper": 256}
TARGET_QUANTILE = 0.75  # of real digits' similarity to their own captions: where optimisation stops pulling
VIEWS = 4  # shifted copies of each image the optimisation's similarity is averaged over
TEXT_BLEND = 0.5  # how far a generation's start moves the named layers from the random w to the text's
COARSE_ATTRS = ("class", "slant", "scale", "aspect")  # the attributes whose styles sit in the coarse layers
Progress = Callable[[str, int, int], None]  # (part, step done, steps)


# -- training ---------------------------------------------------------------------------------------------------
def model_images(data, size: int) -> torch.Tensor:
    """The dataset's images as the generator draws them: float in [-1, 1], resized to ``size``."""
    x = data.x
    if x.shape[-1] != size:
        from ..data.base import fit_images

        x = fit_images(x, size, x.shape[1])
    return x.float() / 127.5 - 1


def _factor_dicts(data) -> list[dict[str, float]]:
    names = data.factor_names
    f = data.factors.numpy()
    return [dict(zip(names, row.tolist())) for row in f]


def train_text_model(gen, data, steps: dict[str, int] | None = None, seed: int = 0,
                     progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> TextModel:
    """Train the three parts for the StyleGAN ``gen`` (a loaded checkpoint) on ``data`` (the digits, with labels
    and factors). ``steps``: per part, ``STEPS`` by default. Raises ``ConfigError`` for a generator or data
    the method cannot use; ``cancelled()`` → ``InterruptedError``."""
    body = style_body(gen)
    require_digits(data)
    steps = {**STEPS, **(steps or {})}
    dev = body.mapping.w_avg.device
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    c = int(data.x.shape[1])
    size = int(body.render(body.mapping.w_avg[None, None].expand(1, body.num_ws, -1), "const").shape[-1])
    w_dim = int(body.mapping.w_avg.shape[0])
    images = model_images(data, size)
    labels = data.labels.numpy()
    factors = data.factors.numpy()
    fdicts = _factor_dicts(data)
    n = len(images)
    sigma = w_spread(body)
    t0 = time.perf_counter()
    figures: dict[str, float] = {}

    def tick(part: str, k: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise InterruptedError("text model training cancelled")
        if progress is not None:
            progress(part, k, total)

    def captioned(batch: int):
        """``batch`` random digits, a fresh caption for each, and the captions' token ids."""
        idx = rng.integers(0, n, batch)
        caps = [cap.caption(int(labels[i]), fdicts[i], rng) for i in idx]
        return idx, caps, torch.from_numpy(cap.encode([q.text for q in caps])).to(dev)

    def update(opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    # 2a. the contrastive text/image encoders, on real digits and fresh captions every batch
    clip = Clip(c, DIM).to(dev)
    opt = torch.optim.Adam(clip.parameters(), lr=1e-3)
    for k in range(steps["clip"]):
        idx, caps, tok = captioned(BATCH["clip"])
        match = torch.from_numpy(cap.match_matrix([q.attrs for q in caps], labels[idx], factors[idx],
                                                  data.factor_names)).to(dev)
        update(opt, contrastive_loss(clip.logits(clip.embed_text(tok), clip.embed_image(images[idx].to(dev))),
                                     match))
        tick("clip", k + 1, steps["clip"])
    with torch.no_grad():
        figures["clip_loss"] = float(contrastive_loss(clip.logits(clip.embed_text(tok), clip.embed_image(
            images[idx].to(dev))), match))  # the last batch, after its update

    # 1. inversion: E(G(w)) → w on the generator's own samples (mixed ψ so E sees the whole of W)
    inverter = ImageEncoder(c, w_dim).to(dev)
    opt = torch.optim.Adam(inverter.parameters(), lr=1e-3)
    z_dim = body.mapping.layers[0].weight.shape[1]
    g = torch.Generator(device=dev).manual_seed(seed)
    for k in range(steps["inverter"]):
        with torch.no_grad():
            z = torch.randn(BATCH["inverter"], z_dim, generator=g, device=dev)
            psi = torch.rand(BATCH["inverter"], 1, generator=g, device=dev) * 0.5 + 0.7
            w = body.mapping.w_avg + psi * (body.mapping(z) - body.mapping.w_avg)
            img = body.render(w[:, None].expand(-1, body.num_ws, -1), "const")
        loss = (inverter(img) - w).pow(2).mean() / sigma ** 2
        update(opt, loss)
        tick("inverter", k + 1, steps["inverter"])
    figures["inverter_loss"] = float(loss.detach())
    inverter.eval().requires_grad_(False)

    # 2b. the mapper: T(text) → where E puts the real digits the text describes
    clip.eval().requires_grad_(False)
    mapper = TextMapper(DIM, w_dim).to(dev)
    opt = torch.optim.Adam(mapper.parameters(), lr=1e-3)
    for k in range(steps["mapper"]):
        idx, _, tok = captioned(BATCH["mapper"])
        with torch.no_grad():
            target = inverter(images[idx].to(dev))
            t = clip.text(tok)
        loss = (mapper(t) - target).pow(2).mean() / sigma ** 2
        update(opt, loss)
        tick("mapper", k + 1, steps["mapper"])
    figures["mapper_loss"] = float(loss.detach())

    info = {"steps": steps, "batch": BATCH, "seed": seed, "seconds": round(time.perf_counter() - t0, 1),
            "data": data.name, "images": n, "image_size": size, "channels": c, "w_dim": w_dim,
            "losses": {k: round(v, 5) for k, v in figures.items()}}
    model = TextModel(clip, inverter, mapper, getattr(gen, "weights_hash", ""), sigma, info).eval()
    info["target_similarity"] = similarity_target(model, data, seed)
    return model


@torch.no_grad()
def similarity_target(model: TextModel, data, seed: int = 0, n: int = 2000) -> float:
    """How close a real digit typically is to a caption of its own: the upper quartile of cos(I(x), T(caption))
    over ``n`` digits of ``data`` with fresh captions. Optimisation stops pulling an image once it is this close
    (``optimise``'s ``target``), so the drawings stay as varied as real digits instead of all climbing to the one
    image the encoders like best."""
    rng = np.random.default_rng(seed + 1)
    idx = rng.choice(len(data), min(n, len(data)), replace=False)
    labels = data.labels.numpy()
    fd = _factor_dicts(data)
    caps = [cap.caption(int(labels[i]), fd[i], rng).text for i in idx]
    x = model_images(data, int(model.info.get("image_size", data.x.shape[-1])))[idx].to(model.device)
    sims = torch.cat([model.similarity(x[s:s + 500], model.text_embedding(caps[s:s + 500]))
                      for s in range(0, len(idx), 500)])
    return round(float(torch.quantile(sims.float().cpu(), TARGET_QUANTILE)), 4)


# -- generation and editing -------------------------------------------------------------------------------------
@dataclass
class TextResult:
    """Images (N, C, S, S) in [-1, 1], their styles ``ws`` (N, num_ws, w_dim), the similarity to the text at
    each step and after the last (``similarity``: one list of N values per step), ``trajectory``: (step, images)
    every ``keep_every`` steps (step 0: the start), and what each row's prompt was read as (``said``)."""

    images: torch.Tensor
    ws: torch.Tensor
    similarity: list[list[float]]
    trajectory: list[tuple[int, torch.Tensor]]
    said: list[dict]
    start: torch.Tensor  # the images of the start styles
    cancelled: bool = False


def style_layers(body, said: dict) -> list[int]:
    """The W+ layers that take the text's w for what a prompt says: coarse (4–8 px) for class, slant, size and
    aspect; middle and fine for stroke width."""
    from ..metrics.styles import layer_groups

    groups = layer_groups(body.synthesis.layer_sides())
    layers: set[int] = set()
    if any(a in said for a in COARSE_ATTRS):
        layers.update(groups.get("coarse", []))
    if "width" in said:
        layers.update(groups.get("middle", []) + groups.get("fine", []))
    return sorted(layers)


def generation_start(model: TextModel, gen, prompt: str | list[str], n: int, seed: int = 0
                     ) -> tuple[torch.Tensor, list[dict]]:
    """W₀ of a generation: random w's (ψ 0.7) whose layers for what the prompt names move towards the text's w.
    ``prompt``: one for all ``n`` rows, or one per row. Returns W₀ and what each row's prompt was read as."""
    body = style_body(gen)
    prompts = [prompt] * n if isinstance(prompt, str) else list(prompt)
    if len(prompts) != n:
        raise ConfigError(f"{len(prompts)} prompts for {n} images")
    said = [cap.parse(p) for p in prompts]
    dev = body.mapping.w_avg.device
    g = torch.Generator(device=dev).manual_seed(seed)
    z = torch.randn(n, body.mapping.layers[0].weight.shape[1], generator=g, device=dev)
    with torch.no_grad():
        ws = body.ws(z, PSI).clone()
        tw = model.text_w(prompts).to(dev)
    for i, s in enumerate(said):
        layers = style_layers(body, s)
        if layers:
            ws[i, layers] = torch.lerp(ws[i, layers], tw[i].expand(len(layers), -1), TEXT_BLEND)
    return ws, said


def optimise(model: TextModel, gen, prompt: str | list[str], ws0: torch.Tensor, steps: int = 40, lr: float = 0.05,
             image_weight: float = 0.0, w_weight: float = W_WEIGHT, keep_every: int = 0,
             progress: Callable[[int, int, float], None] | None = None,
             cancelled: Callable[[], bool] | None = None, said: list[dict] | None = None,
             views: int = VIEWS, target: float | str | None = "model", space: str = "w+") -> TextResult:
    """TediGAN's instance-level optimisation of W+ from ``ws0`` (N, num_ws, w_dim) towards ``prompt`` (one for
    all rows, or one per row; module docstring). ``lr`` is in units of σ_w. ``views``: shifted copies the
    similarity is averaged over (``view_similarity``). ``target``: the similarity beyond which an image is no
    longer pulled ("model": the model's ``target_similarity``; None: no limit). ``space``: "w+" changes each
    layer's style, "w" moves every layer by one offset. ``progress(step, steps, mean similarity)``."""
    body = style_body(gen)
    check_options(steps, lr, image_weight, w_weight)
    dev = body.mapping.w_avg.device
    model.to(dev)
    prompts = [prompt] if isinstance(prompt, str) else list(prompt)
    text = model.text_embedding(prompts).to(dev)
    ws0 = ws0.to(dev).float()
    if len(prompts) not in (1, len(ws0)):
        raise ConfigError(f"{len(prompts)} prompts for {len(ws0)} start styles")
    sigma = model.w_spread
    if target == "model":
        target = model.info.get("target_similarity")
    with torch.no_grad():
        start = body.render(ws0, "const")
    if space not in ("w", "w+"):
        raise ConfigError(f"the optimisation space must be w or w+, got {space!r}")
    # the change to the start styles: one offset for every layer (W), or one per layer (W+)
    delta = torch.zeros(len(ws0), 1 if space == "w" else ws0.shape[1], ws0.shape[2], device=dev, requires_grad=True)
    opt = torch.optim.Adam([delta], lr=lr * sigma) if steps else None
    g_views = torch.Generator(device=dev).manual_seed(0)
    sims: list[list[float]] = []
    trajectory = [(0, start.float().cpu())] if keep_every > 0 else []
    stopped = False
    with torch.enable_grad():
        for step in range(steps):
            if cancelled is not None and cancelled():
                stopped = True
                break
            ws = ws0 + delta
            img = body.render(ws, "const")
            sim = model.similarity(img, text)
            pulled = sim if not views else view_similarity(model, img, text, views, g_views)
            if target is not None:
                pulled = pulled.clamp(max=target)  # close enough: only the other terms act
            loss = -pulled.sum()
            if image_weight > 0:
                loss = loss + image_weight * (img - start).pow(2).flatten(1).mean(1).sum()
            if w_weight > 0:
                loss = loss + w_weight * delta.pow(2).flatten(1).mean(1).sum() / sigma ** 2
            sims.append([round(v, 4) for v in sim.detach().cpu().tolist()])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if keep_every > 0 and (step + 1) % keep_every == 0 and step + 1 < steps:
                with torch.no_grad():
                    trajectory.append((step + 1, body.render(ws0 + delta, "const").float().cpu()))
            if progress is not None:
                progress(step + 1, steps, float(np.mean(sims[-1])))
    with torch.no_grad():
        ws = ws0 + delta.detach()
        out = body.render(ws, "const")
        final = model.similarity(out, text)
    sims.append([round(v, 4) for v in final.cpu().tolist()])
    if keep_every > 0:
        trajectory.append((len(sims) - 1, out.float().cpu()))
    if said is None:
        said = [cap.parse(p) for p in prompts] * (len(ws0) if len(prompts) == 1 else 1)
    return TextResult(out.float().cpu(), ws.detach().cpu(), sims, trajectory, said, start.float().cpu(), stopped)


def view_similarity(model: TextModel, img: torch.Tensor, text: torch.Tensor, views: int,
                    g: torch.Generator, shift: int = 2) -> torch.Tensor:
    """The similarity averaged over ``views`` copies of each image shifted by up to ``shift`` px (background fill):
    what the optimisation climbs, so that it cannot win by a pixel pattern the image encoder over-reads."""
    n, c, h, w = img.shape
    pad = F.pad(img, (shift,) * 4, value=-1.0)
    off = torch.randint(0, 2 * shift + 1, (views, 2), generator=g, device=img.device).tolist()
    crops = torch.cat([pad[:, :, dy:dy + h, dx:dx + w] for dy, dx in off])
    return model.similarity(crops, text.repeat(views, 1) if len(text) > 1 else text).view(views, n).mean(0)


def check_options(steps: int, lr: float, image_weight: float, w_weight: float) -> None:
    if not (isinstance(steps, int) and 0 <= steps <= 10_000):
        raise ConfigError(f"optimisation steps must be 0 to 10000, got {steps}")
    for name, v, hi in (("step size", lr, 10.0), ("image weight", image_weight, 1e4), ("w weight", w_weight, 1e4)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and 0 <= v <= hi):
            raise ConfigError(f"the {name} must be a number in [0, {hi:g}], got {v}")
    if lr <= 0 and steps > 0:
        raise ConfigError("the step size must be positive")


def generate(model: TextModel, gen, prompt: str | list[str], n: int = 8, seed: int = 0, steps: int = 40,
             starts: int = STARTS, **kw) -> TextResult:
    """Text → image: ``n`` digits for ``prompt`` (one for all, or one per image; module docstring). ``starts`` k:
    each image is optimised from k start styles at once and the one closest to the text at the end is kept."""
    if not (isinstance(n, int) and 1 <= n <= 4096):
        raise ConfigError(f"the number of images must be 1 to 4096, got {n}")
    if not (isinstance(starts, int) and 1 <= starts <= 16):
        raise ConfigError(f"the start styles per image must be 1 to 16, got {starts}")
    model.tokens([prompt] if isinstance(prompt, str) else list(prompt))  # unknown words: an error before anything
    prompts = [prompt] * n if isinstance(prompt, str) else list(prompt)
    ws0, said = generation_start(model, gen, prompts * starts, n * starts, seed)  # rows 0..n−1: starts=1's
    r = optimise(model, gen, prompts * starts, ws0, steps=steps, said=said, **kw)
    if starts == 1:
        return r
    keep = torch.tensor(r.similarity[-1]).view(starts, n).argmax(0) * n + torch.arange(n)
    rows = keep.tolist()
    return TextResult(r.images[keep], r.ws[keep], [[sims[i] for i in rows] for sims in r.similarity],
                      [(k, im[keep]) for k, im in r.trajectory], [said[i] for i in rows], r.start[keep], r.cancelled)


def edit(model: TextModel, gen, prompt: str | list[str], ws0: torch.Tensor, steps: int = 40, image_weight: float = 2.0,
         **kw) -> TextResult:
    """Edit with words: from the styles ``ws0`` ((num_ws, w_dim) or (N, num_ws, w_dim)), change what ``prompt``
    asks for and keep the rest (the image term)."""
    model.tokens([prompt] if isinstance(prompt, str) else list(prompt))
    ws0 = torch.as_tensor(ws0, dtype=torch.float32)
    if ws0.ndim == 2:
        ws0 = ws0[None]
    body = style_body(gen)
    if tuple(ws0.shape[1:]) != (body.num_ws, body.mapping.w_avg.shape[0]):
        raise ConfigError(f"styles of shape {tuple(ws0.shape[1:])}; this generator takes ({body.num_ws}, "
                          f"{body.mapping.w_avg.shape[0]})")
    return optimise(model, gen, prompt, ws0, steps=steps, image_weight=image_weight, **kw)
