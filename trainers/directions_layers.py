"""Which W+ layers a direction in W moves (issue 41): the layers that carry its factor, chosen by measurement.

A StyleGAN's layers split the digit's factors (``metrics/styles.py``): the coarse ones (4–8 px) carry the class,
slant and size, the middle and fine ones the stroke width. A direction fitted in W and added at every layer also
moves what the other layers carry; added only at the layers that carry its factor, it leaves the rest (the class
above all) where it was. Which layers is measured, not assumed: each run of neighbouring groups (coarse, middle,
fine, coarse + middle, middle + fine, all) is measured with ``directions_measure.measure`` from ``n`` starts of a
seed of its own (3: neither the fit's 0 nor the reported measure's 1), and the run kept is the one with the most
(digit kept − leakage) among those whose ρ is within ``RHO_SLACK`` of the best run's: the layers that keep the digit
and the other factors best while still moving this one as steadily.

The step is the same a·σ·vector (σ: W's spread along the vector), added at those layers only.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from .directions import Direction, LatentWalk, Progress

RHO_SLACK = 0.05  # a run of layers may give up this much ρ for a better (kept − leakage)
SEED = 3
STARTS = 100


def candidate_layers(groups: dict[str, list[int]]) -> dict[str, tuple[int, ...]]:
    """Runs of neighbouring groups, in the groups' order (coarse → fine), by name: "coarse", "coarse+middle", ...;
    the run of all of them is "all" (the empty tuple: every layer)."""
    names = list(groups)
    out: dict[str, tuple[int, ...]] = {}
    for i in range(len(names)):
        for j in range(i + 1, len(names) + 1):
            run = names[i:j]
            out["all" if len(run) == len(names) else "+".join(run)] = (
                () if len(run) == len(names) else tuple(sorted(x for g in run for x in groups[g])))
    return out


def pick(results: dict[str, dict]) -> str:
    """The run kept from each run's measures (``rho``, ``kept``, ``leakage``): the most kept − leakage among those
    with ρ within ``RHO_SLACK`` of the best."""
    best_rho = max(r.get("rho", 0.0) for r in results.values())
    able = {k: r for k, r in results.items() if r.get("rho", 0.0) >= best_rho - RHO_SLACK}
    return max(able, key=lambda k: (able[k]["kept"] - able[k].get("leakage", 0.0), k == "all"))


def choose_layers(walk: LatentWalk, dirs: list[Direction], extractor, calib: dict, n: int = STARTS,
                  seed: int = SEED, progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None) -> list[Direction]:
    """``dirs`` with each W direction's ``layers`` set to the run of layer groups that measures best (module
    docstring); directions in z, or without a factor the ink measures, are returned as they are."""
    from .directions_measure import measure

    groups = walk.layer_groups()
    runs = candidate_layers(groups)
    if len(runs) < 2:
        return list(dirs)
    out = []
    for i, d in enumerate(dirs):
        if progress is not None:
            progress("choosing W+ layers", i, len(dirs))
        if d.space != walk.space or d.factor not in calib:
            out.append(d)
            continue
        results = {name: measure(walk, replace(d, layers=layers), extractor, calib, n=n, seed=seed,
                                 cancelled=cancelled) for name, layers in runs.items()}
        won = pick(results)
        tried = ", ".join(f"{k} {v.get('rho', 0):.2f}·{v['kept']:.2f}·{v.get('leakage', 0):.2f}"
                          for k, v in results.items())
        note = (f"moved in the {won} W+ layers ({', '.join(map(str, runs[won])) or 'every one'}): measured best of "
                f"ρ·kept·leakage {tried} ({n} starts, seed {seed})")
        out.append(replace(d, layers=runs[won], note=f"{d.note}; {note}" if d.note else note))
    if progress is not None:
        progress("choosing W+ layers", len(dirs), len(dirs))
    return out
