"""The Styles tool's settings, without Qt: those that make the sample live in the explorer's state
(``latent.Styles``: undo, redo and latent files cover them), the view's stay here (``StyleView``); the layer groups
of its presets, the mixing grid's seeds and the current sample's caption."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ..latent import Styles
from ..model import Context

GROUPS = {"Coarse": (4, 8), "Middle": (16, 16), "Fine": (32, 10 ** 6)}  # the paper's split, by the side a layer acts at
ROWS, COLS = 3, 4  # the mixing grid's default sources and destinations


@dataclass(frozen=True)
class StyleView:
    """What the tool looks at without changing the sample, so outside undo and latent files: the mixing grid's typed
    seeds (None: follow the two seeds) and the conv whose feature maps the layer page shows (the channel is the
    tool's too)."""

    grid_rows: tuple[int, ...] | None = None
    grid_cols: tuple[int, ...] | None = None
    layer: int = 0


VIEW_FIELDS = frozenset(f.name for f in fields(StyleView))


@dataclass(frozen=True)
class StyleSettings(Styles):
    """Everything the tool shows and draws from, read together (``of``): the state's ``Styles`` for seed A (seed B,
    ψ, the pad, the layers that take B's style, each conv's noise: "const", "none" or a redraw's seed, a
    projection's W+ and where it came from) and its ``StyleView`` (the grid's seeds, the layer shown)."""

    grid_rows: tuple[int, ...] | None = None
    grid_cols: tuple[int, ...] | None = None
    layer: int = 0

    @classmethod
    def of(cls, styles: Styles, view: StyleView) -> "StyleSettings":
        return cls(**{f.name: getattr(styles, f.name) for f in fields(Styles)},
                   **{f.name: getattr(view, f.name) for f in fields(StyleView)})


def defaults(sides: list[int], w_dim: int, seed_b: int = 1) -> Styles:
    """A model's styles before any edit: seed A's own w, ψ 1, no layer from seed B, every conv's fixed noise."""
    return Styles(seed_b=seed_b, mix=(False,) * len(sides), noise=("const",) * (len(sides) - 1), w_dim=w_dim)


def fitted(styles: Styles | None, model: Styles, seed: int) -> Styles:
    """The state's styles as they apply to seed A = ``seed``: ``model`` (this model's ``defaults``) where the state
    has none or another layout's (a state from before the tool saw this model), and no projection once seed A moved
    on."""
    if styles is None or (len(styles.mix), len(styles.noise), styles.w_dim) != (len(model.mix), len(model.noise),
                                                                                 model.w_dim):
        return model
    return styles.at(seed)


def layout_of(ctx: Context) -> tuple[list[int], int]:
    """(the side each W+ layer acts at, w_dim) of the open StyleGAN: the checkpoint's ``layer_sides`` and ``w_dim``
    (else worked out from its size, and z_dim, as the family makes them)."""
    from trainers.checkpoints import read_meta

    try:
        meta = read_meta(ctx.checkpoint)[1]["model"]
    except Exception:  # noqa: BLE001 - a damaged sidecar: the render thread says what is wrong with it
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    w_dim = int(meta.get("w_dim") or ctx.info.get("z_dim") or 0)
    if meta.get("layer_sides"):
        return [int(s) for s in meta["layer_sides"]], w_dim
    levels = max(1, int(np.log2(max(ctx.side, 4))) - 1)
    convs = [4] + [4 * 2 ** k for k in range(1, levels) for _ in range(2)]
    return convs + [convs[-1]], w_dim


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
