"""`ganstudio directions`: find a generator's named directions (InterFaceGAN's from the data's factors, SeFa's from
its weights, GANSpace's), measure them, store them beside the checkpoint and print the table (``trainers/directions*``)."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "directions"
HELP = "find, measure and store named directions (thicker, more slanted, bigger ...) for a checkpoint"
METHOD_TITLES = {"interfacegan": "InterFaceGAN", "sefa": "SeFa", "ganspace": "GANSpace"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ckpt", help="a .safetensors checkpoint or a run folder")
    p.add_argument("--out", help="where to store them (default: beside the checkpoint, <name>.directions.safetensors "
                                 "+ .json; the user cache when that folder is not writable)")
    p.add_argument("--n", type=int, default=6000, help="samples the InterFaceGAN directions are fitted on (default "
                                                       "6000)")
    p.add_argument("--starts", type=int, default=200, help="starting latents each direction is measured from "
                                                           "(default 200)")
    p.add_argument("--show", action="store_true", help="print the stored directions' table; find nothing")
    p.add_argument("--all", action="store_true", help="list every direction, not only the best per factor")
    p.add_argument("--json", action="store_true", help="the directions and their measures as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    from ..directions_file import find_directions, load_directions, stored_directions, store_directions
    from ..errors import ConfigError
    from ..generator import load_generator

    if not 100 <= args.n <= 1_000_000:
        raise ConfigError(f"--n must be in 100..1000000, got {args.n}")
    if not 10 <= args.starts <= 100_000:
        raise ConfigError(f"--starts must be in 10..100000, got {args.starts}")
    gen = load_generator(args.ckpt)
    if args.show:
        ds = load_directions(args.out, gen) if args.out else stored_directions(gen)
        if ds is None:
            raise ConfigError(f"{gen.path.name}: no directions stored yet; find them with `ganstudio directions "
                              f"{args.ckpt}`")
        path = None
    else:
        bar = None

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal bar
            if args.quiet:
                return
            from tqdm import tqdm

            if bar is None or bar.desc != stage:
                if bar is not None:
                    bar.close()
                bar = tqdm(total=total, desc=stage, file=sys.stderr, dynamic_ncols=True, leave=False)
            bar.total = total
            bar.update(done - bar.n)

        try:
            ds = find_directions(gen, n=args.n, n_measure=args.starts, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        try:
            path = store_directions(ds, gen, args.out)
        except OSError as exc:
            raise ConfigError(f"cannot write {args.out} ({exc.strerror or exc}); choose another --out") from None
    if args.json:
        print(json.dumps({"path": str(path) if path else None, "generator_hash": ds.generator_hash, **ds.info,
                          "directions": [{"name": d.name, "method": d.method, "factor": d.factor, "sigma": d.sigma,
                                          "space": d.space, "measures": d.measures} for d in ds.directions]},
                         indent=1))
        return 0
    print("\n".join(table(ds, every=args.all)))
    if path is not None:
        print(f"stored {len(ds.directions)} directions in {path} ({ds.info.get('seconds', 0):.0f} s); draw along one "
              f"with `ganstudio sample {args.ckpt} --direction {_example(ds)}=2`")
    return 0


def _example(ds) -> str:
    return ds.directions[0].name.split(" (")[0] if ds.directions else "NAME"


def best_per_factor(ds, method: str) -> dict:
    """Factor → the direction of ``method`` that moves it most per σ (InterFaceGAN's: the one fitted for it)."""
    out: dict = {}
    for d in ds.of(method):
        if d.factor is None:
            continue
        if d.factor not in out or abs(d.measures.get("per_sigma", 0)) > abs(out[d.factor].measures.get("per_sigma", 0)):
            out[d.factor] = d
    return out


def _cell(d, label: bool) -> str:
    if d is None:
        return f"{'—':<30}" if label else f"{'—':<21}"
    m = d.measures
    f = lambda k: f"{m[k]:5.2f}" if k in m else "    —"  # noqa: E731
    name = d.name.split("(")[-1].rstrip(")") if label else ""
    return (f"{name:<9}" if label else "") + f"{f('rho')} {f('kept')} {f('leakage')}      "[:21]


def table(ds, every: bool = False) -> list[str]:
    """Lines: per factor, InterFaceGAN's direction next to SeFa's and GANSpace's that move it most; ρ (Spearman of
    step and the factor measured from the ink, −2σ … +2σ), kept (same class at ±2σ), leakage (the other factors'
    largest move relative to this one's, in data σ)."""
    methods = [m for m in ("interfacegan", "sefa", "ganspace") if ds.of(m)]
    factors = []
    for m in methods:
        for f in best_per_factor(ds, m):
            if f not in factors:
                factors.append(f)
    head = f"{'factor':<10}" + "".join(
        f"{METHOD_TITLES[m] + (' (' + ds.of(m)[0].space.upper() + ')'):<{21 if m == 'interfacegan' else 30}}"
        for m in methods)
    sub = f"{'':<10}" + "".join((f"{'':<9}" if m != "interfacegan" else "") + f"{'ρ':>5} {'kept':>5} {'leak':>5}"
                                + " " * 4 for m in methods)
    lines = [head, sub]
    best = {m: best_per_factor(ds, m) for m in methods}
    for f in factors:
        lines.append(f"{f:<10}" + "".join(_cell(best[m].get(f), m != "interfacegan") for m in methods))
    layered = [d for d in ds.of("interfacegan") if d.layers]
    if layered:
        lines.append("InterFaceGAN's directions move only the W+ layers that measured best: "
                     + "; ".join(f"{d.name} {','.join(map(str, d.layers))}" for d in layered))
    cal = ds.info.get("calibration") or {}
    if cal:
        lines.append("ρ: against the factor measured from the ink (r with the true factor on real images, within a "
                     "class):")
        lines.append("  " + "; ".join(f"{f} {c['measured_as']} {c['r']:+.2f}" for f, c in cal.items()))
    for note in ds.info.get("notes") or ():
        lines.append(note)
    if every:
        lines.append("")
        for d in ds.directions:
            lines.append(f"  {METHOD_TITLES.get(d.method, d.method):<12} {d.describe()}"
                         + (f" [{d.note}]" if d.note else ""))
    return lines
