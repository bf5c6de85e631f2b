"""The Styles tool's settings, without Qt: what it holds beside the explorer's state (seed A), the layer groups of
its presets, the mixing grid's seeds and the current sample's caption."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Context

GROUPS = {"Coarse": (4, 8), "Middle": (16, 16), "Fine": (32, 10 ** 6)}  # the paper's split, by the side a layer acts at
ROWS, COLS = 3, 4  # the mixing grid's default sources and destinations


@dataclass(frozen=True)
class StyleSettings:
    """The tool's own settings (the explorer's state holds seed A): seed B, ψ, the pad, the layers that take B's
    style, each conv's noise ("const", "none" or a redraw's seed), a projection's W+ and where it came from, the
    grid's seeds (None: follow the two seeds) and the layer shown."""

    seed_b: int = 1
    psi: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    mix: tuple[bool, ...] = ()
    noise: tuple = ()
    projected: bytes = b""
    projected_from: str = ""
    projected_space: str = ""
    grid_rows: tuple[int, ...] | None = None
    grid_cols: tuple[int, ...] | None = None
    layer: int = 0


def sides_of(ctx: Context) -> list[int]:
    """The side each W+ layer acts at: the checkpoint's ``layer_sides`` (or worked out from its size)."""
    from trainers.checkpoints import read_meta

    try:
        sides = read_meta(ctx.checkpoint)[1]["model"].get("layer_sides")
    except Exception:  # noqa: BLE001 - a damaged sidecar: the render thread says what is wrong with it
        sides = None
    if sides:
        return [int(s) for s in sides]
    levels = max(1, int(np.log2(max(ctx.side, 4))) - 1)
    convs = [4] + [4 * 2 ** k for k in range(1, levels) for _ in range(2)]
    return convs + [convs[-1]]


def grid_seeds(s: StyleSettings, seed_a: int) -> tuple[list[int], list[int]]:
    """The mixing grid's (sources, destinations): the ones typed, else seed B and the next ones down the rows, seed
    A and the next ones across."""
    rows = list(s.grid_rows) if s.grid_rows else [s.seed_b + k for k in range(ROWS)]
    cols = list(s.grid_cols) if s.grid_cols else [seed_a + k for k in range(COLS)]
    return rows, cols


def describe(s: StyleSettings, seed_a: int) -> str:
    """The current sample in words: where its w comes from, the pad, ψ, the layers from seed B, the noise."""
    space = "W+" if s.projected_space == "w+" else "W"
    bits = [f"{s.projected_from} projected into {space}" if s.projected else f"seed {seed_a} in W"]
    if any(s.offset):
        bits.append(f"PC1 {s.offset[0]:+.1f} σ, PC2 {s.offset[1]:+.1f} σ")
    bits.append(f"ψ {s.psi:.2f}")
    ticked = [i for i, m in enumerate(s.mix) if m]
    if ticked:
        bits.append(f"w{', w'.join(map(str, ticked))} from seed {s.seed_b}")
    off = sum(1 for m in s.noise if m == "none")
    new = sum(1 for m in s.noise if not isinstance(m, str))
    if off or new:
        bits.append("noise: " + ", ".join(t for t in (f"{off} off" if off else "", f"{new} redrawn" if new else "")
                                          if t))
    return " · ".join(bits)
