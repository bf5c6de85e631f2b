"""InterFaceGAN's directions refined through the generator and the classifier (issue 41), after Zhuang et al. 2021
("Enjoy your editing": a linear direction learnt with attribute regressors, the other attributes and the content
held): the conditional normal (``directions.py``) is linear in the latent, but the class regions it must stay inside
are not, so a step of 2σ still turns a fair share of digits into another digit.

Starting from the normal v₀ (on its W+ layers, ``directions_layers.py``), v is moved by Adam on batches of the fit's
own latents (seed 0; the measure's starts are seed 1's) to lower

    L(v) = CE(class(G(x − 2σv)), c) + CE(class(G(x + 2σv)), c)     c: the start's class, read at the start
         + HOLD · ((m_f − t) / t)²                                   m_f: mean Δf / 4, the factor's move per σ
         + Σ_{g≠f} (mean |Δg| / 4t)²                                 the other factors' moves, relative to f's

with Δ = factors(G(x + 2σv)) − factors(G(x − 2σv)) in units of their spread over the data (the classifier's
regression head), σ the latents' spread along v (the same definition as everywhere), and t the factor's move per σ
along v₀ on the same latents: the move is held where the normal had it, so the digit is not kept by moving the
factor less. The refined direction is kept only where it measures better (``directions_measure.measure``, 100 starts
of seed 3: more kept − leakage, ρ no more than ``RHO_SLACK`` lower); otherwise v₀ stays, and the note says which.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .directions import Direction, LatentWalk, Progress, z_steps
from .directions_layers import RHO_SLACK, SEED, STARTS

STEPS = 150
BATCH = 48
LR = 0.01
HOLD = 30.0  # the weight that holds the factor's move per σ at the normal's
POOL = 2000  # fit latents the batches are drawn from


def _moves(walk: LatentWalk, net, d: Direction, v: torch.Tensor, sigma: torch.Tensor, p: torch.Tensor,
           flat: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """(class logits at −2σ and +2σ, the standardised factors' change from −2σ to +2σ) of the starts ``p``."""
    outs = []
    dev = next(net.parameters()).device  # the classifier's (G may sit on another device)
    for a in (-2.0, 2.0):
        _, logits, factors = net(walk.draw(walk.moved(p, a * sigma * v, d.layers), flat).to(dev))
        outs.append((logits, factors))
    return [o[0] for o in outs], outs[1][1] - outs[0][1]


def refine_one(walk: LatentWalk, d: Direction, net, names: list[str], points: torch.Tensor, flat: torch.Tensor,
               start: torch.Tensor, steps: int = STEPS, seed: int = 0,
               cancelled: Callable[[], bool] | None = None, tick: Callable[[int], None] | None = None
               ) -> tuple[np.ndarray, float] | None:
    """The refined unit vector and its σ (module docstring), or None where the normal does not move its factor."""
    X = points.float()
    Xc = X - X.mean(0)  # the latent side stays on the CPU; ``walk.draw`` carries the moved points to G's device
    j = names.index(d.factor)
    others = [i for i, g in enumerate(names) if g != d.factor]
    v = torch.nn.Parameter(torch.as_tensor(d.vector, dtype=torch.float32, device=Xc.device).clone())
    with torch.no_grad():  # t: the normal's move per σ on these latents
        sig = (Xc @ (v / v.norm())).std()
        t = float(torch.cat([_moves(walk, net, d, v / v.norm(), sig, points[s:s + 250], flat[s:s + 250])[1][:, j]
                             for s in range(0, min(len(points), 500), 250)]).mean() / 4)
    if not t > 1e-3:
        return None
    opt = torch.optim.Adam([v], lr=LR)
    g = torch.Generator().manual_seed(seed)
    for it in range(steps):
        if cancelled is not None and cancelled():
            raise InterruptedError("cancelled")
        idx = torch.randint(0, len(points), (BATCH,), generator=g)
        u = v / v.norm()
        logits, delta = _moves(walk, net, d, u, (Xc @ u).std(), points[idx], flat[idx])
        c = start[idx].to(delta.device)
        keep = sum(F.cross_entropy(lg, c) for lg in logits) / 2
        hold = ((delta[:, j].mean() / 4 - t) / t) ** 2
        leak = (delta[:, others].abs().mean(0) / (4 * t)).pow(2).sum()
        (grad,) = torch.autograd.grad(keep + HOLD * hold + leak, [v])
        v.grad = grad
        opt.step()
        if tick is not None:
            tick(it + 1)
    u = (v / v.norm()).detach()
    return u.cpu().numpy().astype(np.float32), float((Xc @ u).std())


def refine(walk: LatentWalk, dirs: list[Direction], extractor, calib: dict, steps: int = STEPS, seed: int = 0,
           progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> list[Direction]:
    """``dirs`` with each InterFaceGAN direction refined where that measures better (module docstring)."""
    from .directions_measure import measure

    todo = [i for i, d in enumerate(dirs)
            if d.method == "interfacegan" and d.factor in calib and d.space == walk.space]
    if not todo or steps <= 0 or extractor.net.regress is None:
        return list(dirs)
    names = list(extractor.factor_names)
    net = extractor.net.eval()
    points, flat = walk.sample(POOL, seed)
    start = torch.from_numpy(np.concatenate([extractor.embed(walk.render(points[s:s + 500], flat[s:s + 500])).pred
                                             for s in range(0, len(points), 500)])).long()
    out = []
    total = len(todo) * steps
    for i, d in enumerate(dirs):
        if i not in todo:
            out.append(d)
            continue
        k = todo.index(i)
        tick = (lambda it, k=k: progress("refining", k * steps + it, total)) if progress is not None else None
        got = refine_one(walk, d, net, names, points, flat, start, steps, seed, cancelled, tick)
        if got is None:
            out.append(d)
            continue
        new = replace(d, vector=got[0], sigma=got[1],
                      z_step=z_steps(walk, points, flat, got[0][None].astype(np.float64))[0])
        before, after = (measure(walk, x, extractor, calib, n=STARTS, seed=SEED, cancelled=cancelled)
                         for x in (d, new))
        better = (after["kept"] - after.get("leakage", 0.0) > before["kept"] - before.get("leakage", 0.0)
                  and after.get("rho", 0.0) >= before.get("rho", 0.0) - RHO_SLACK)
        cell = lambda m: f"{m.get('rho', 0):.2f}·{m['kept']:.2f}·{m.get('leakage', 0):.2f}"  # noqa: E731
        said = f"ρ·kept·leakage {cell(before)} as fitted, {cell(after)} refined ({STARTS} starts, seed {SEED})"
        note = f"refined through G and the classifier ({steps} steps): {said}" if better else \
            f"not refined: {said}"
        out.append(replace(new if better else d, note=f"{d.note}; {note}" if d.note else note))
    return out
