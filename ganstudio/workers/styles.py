"""The Styles tool's thread (StyleGAN): the current sample drawn from its styles in W / W+, the two seeds it mixes,
the style-mixing grid and one layer's feature maps, off the GUI thread, latest request only (``latest.py``).

How a request becomes styles (``trainers.models.stylegan``: ``mapping``, ``truncate``, ``render``):

    w_A   = f(z_A) + a·σ₁·d₁ + b·σ₂·d₂      (or a projected W+ in place of f(z_A)); d₁, d₂: the top two
                                              principal directions of W over 2,000 sampled w's, σ their spread;
                                              (a, b) the pad
    W+    = w̄ + ψ·(w_A − w̄) at every layer  (truncation around the average style)
    mixed = W+ with layer l taken from w̄ + ψ·(f(z_B) − w̄) wherever layer l is ticked

and the grid's cell (r, c) is destination seed c with source seed r's styles at the ticked layers (the paper's
Figure 3). Noise per conv layer: "const" (the checkpoint's fixed noise), "none", or a seed: a fresh draw that
replaces the layer's fixed noise for this picture only (the buffer is put back right after, and the generator is
this thread's own copy anyway). Results carry only the parts whose inputs changed since the last request.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np

from .latest import LatestThread, pixels

PC_SAMPLES = 2000  # w's sampled for W's principal directions


@dataclass(frozen=True, eq=False)
class StyleRequest:
    """What to draw; z's are (z_dim,) float32, ``mix`` one flag per W+ layer (True: seed B's style), ``noise`` one
    mode per conv layer, ``projected`` a (num_ws, w_dim) W+ that replaces f(z_A), ``grid_rows`` / ``grid_cols`` the
    sources' and destinations' z's (R, z_dim) / (C, z_dim), ``layer`` the conv whose feature maps are wanted (-1:
    none)."""

    checkpoint: str
    stamp: float
    z_a: np.ndarray
    z_b: np.ndarray
    psi: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    mix: tuple[bool, ...] = ()
    noise: tuple = ()
    projected: np.ndarray | None = None
    grid_rows: np.ndarray | None = None
    grid_cols: np.ndarray | None = None
    layer: int = -1

    def keys(self) -> dict[str, tuple]:
        """What each part depends on: a part whose key is unchanged is not drawn again."""
        arr = lambda a: None if a is None else np.asarray(a, np.float32).tobytes()  # noqa: E731
        model = (self.checkpoint, self.stamp)
        a = (arr(self.z_a), arr(self.projected), tuple(self.offset), self.psi, tuple(self.noise))
        b = (arr(self.z_b), self.psi, tuple(self.noise))
        return {"a": model + a, "b": model + b, "main": model + a + b + (tuple(self.mix),),
                "grid": model + (arr(self.grid_rows), arr(self.grid_cols), self.psi, tuple(self.mix),
                                 tuple(self.noise)),
                "features": model + a + b + (tuple(self.mix), self.layer)}


@dataclass(frozen=True, eq=False)
class StyleResult:
    """``images``: "main" (the mixed result), "a", "b" → H×W×3 uint8 (only those drawn now); ``grid``: (R + 1,
    C + 1, H, W, 3) uint8 cells, row 0 the destinations, column 0 the sources, [0, 0] blank; ``features``: (C, s, s)
    float32 of conv ``layer`` for the main styles; ``ws``: the main W+ (num_ws, w_dim); ``explained``: the share
    of W's variance along each pad direction. A part is worth showing while its ``keys`` entry is what the
    newest request wants: results may come for a request that is no longer the newest, with parts the newest
    one does not draw again."""

    checkpoint: str
    images: dict = field(default_factory=dict)
    grid: np.ndarray | None = None
    features: np.ndarray | None = None
    layer: int = -1
    ws: np.ndarray | None = None
    explained: tuple[float, ...] = ()
    keys: dict = field(default_factory=dict)  # part → the inputs it was drawn for (``StyleRequest.keys``)


def w_directions(body, n: int = PC_SAMPLES, seed: int = 0) -> dict:
    """The top two principal directions of W: ``dirs`` (2, w_dim) unit vectors, ``sigma`` (2,) the spread of w
    along each, ``explained`` (2,) their share of W's variance."""
    import torch

    z_dim = body.mapping.layers[0].weight.shape[1]
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        w = body.mapping(torch.randn(n, z_dim, generator=g).to(body.mapping.w_avg.device)).float().cpu()
    w = w - w.mean(0)
    _, s, vt = torch.linalg.svd(w, full_matrices=False)
    var = s.pow(2) / max(1, n - 1)
    k = min(2, len(s))
    dirs = torch.zeros(2, w.shape[1])
    dirs[:k] = vt[:k]
    sigma = torch.zeros(2)
    sigma[:k] = var[:k].sqrt()
    explained = torch.zeros(2)
    explained[:k] = var[:k] / var.sum().clamp_min(1e-12)
    return {"dirs": dirs.numpy(), "sigma": sigma.numpy(), "explained": explained.numpy()}


def seed_ws(body, z: np.ndarray, psi: float):
    """W+ of z's (N, z_dim): w̄ + ψ·(f(z) − w̄) at every layer, (N, num_ws, w_dim)."""
    import torch

    x = torch.from_numpy(np.asarray(z, np.float32).reshape(-1, np.shape(z)[-1])).to(body.mapping.w_avg.device)
    return body.ws(x, float(psi))


def main_ws(body, req: StyleRequest, dirs: dict):
    """The current sample's W+ before mixing: seed A's w (or the projection), moved on the pad, truncated by ψ."""
    import torch

    dev = body.mapping.w_avg.device
    if req.projected is not None:
        ws = torch.from_numpy(np.array(req.projected, np.float32)).to(dev)[None]
    else:
        ws = body.ws(torch.from_numpy(np.asarray(req.z_a, np.float32))[None].to(dev))
    a, b = req.offset
    if a or b:
        step = a * dirs["sigma"][0] * dirs["dirs"][0] + b * dirs["sigma"][1] * dirs["dirs"][1]
        ws = ws + torch.from_numpy(step.astype(np.float32)).to(dev)
    return body.mapping.truncate(ws, float(req.psi))


def mixed(ws_dest, ws_src, mix: tuple[bool, ...]):
    """``ws_dest`` with the layers ticked in ``mix`` taken from ``ws_src`` (both (N, num_ws, w_dim))."""
    import torch

    flags = torch.tensor(list(mix) + [False] * (ws_dest.shape[1] - len(mix)), device=ws_dest.device)
    return torch.where(flags[None, :, None], ws_src, ws_dest)


def resampled_noise(side: int, seed: int, layer: int):
    """A fresh noise image (1, 1, side, side) for conv ``layer``, drawn from ``seed``."""
    import torch

    return torch.randn(1, 1, side, side, generator=torch.Generator().manual_seed(int(seed) * 1009 + layer))


@contextlib.contextmanager
def noise_modes(body, noise: tuple):
    """The per-conv modes ``synthesis`` takes for ``noise`` ("const", "none", or a seed: a fresh draw put in the
    layer's fixed-noise buffer while the block runs, and the checkpoint's put back after)."""
    convs = body.synthesis.convs
    modes, saved = [], {}
    try:
        for i, conv in enumerate(convs):
            m = noise[i] if i < len(noise) else "const"
            if isinstance(m, (int, np.integer)) and not isinstance(m, bool):
                saved[i] = conv.noise_const
                conv.noise_const = resampled_noise(conv.side, int(m), i).to(saved[i])
                m = "const"
            modes.append(m if m in ("const", "none", "random") else "const")
        yield modes
    finally:
        for i, buf in saved.items():
            convs[i].noise_const = buf


def draw(gen, req: StyleRequest, parts: set[str], dirs: dict) -> StyleResult:
    """The parts of ``req`` asked for (module docstring)."""
    import torch

    from trainers import GanStudioError

    body = gen.G.body
    if not hasattr(body, "mapping") or not hasattr(body, "synthesis"):
        raise GanStudioError("the Styles tool needs a StyleGAN generator (family stylegan)")
    images, grid, feats = {}, None, None
    with torch.no_grad(), noise_modes(body, req.noise) as modes:
        ws_a = main_ws(body, req, dirs)
        ws_b = seed_ws(body, req.z_b, req.psi)
        ws = mixed(ws_a, ws_b, req.mix)
        for name, w in (("main", ws), ("a", ws_a), ("b", ws_b)):
            if name in parts:
                images[name] = pixels(body.render(w, modes))
        if "features" in parts and 0 <= req.layer < len(body.synthesis.convs):
            feats = np.ascontiguousarray(body.synthesis(ws, modes, features_of=req.layer)[0].float().cpu().numpy())
        if "grid" in parts and req.grid_rows is not None and req.grid_cols is not None:
            grid = mixing_grid(body, seed_ws(body, req.grid_rows, req.psi), seed_ws(body, req.grid_cols, req.psi),
                               req.mix, modes)
    return StyleResult(str(gen.path), images, grid, feats, req.layer,
                       np.ascontiguousarray(ws[0].float().cpu().numpy()), tuple(float(v) for v in dirs["explained"]))


def mixing_grid(body, src, dest, mix: tuple[bool, ...], modes) -> np.ndarray:
    """(R + 1, C + 1, H, W, 3) uint8: row 0 the destinations ``dest`` (C, num_ws, w_dim), column 0 the sources
    ``src`` (R, …), cell (r + 1, c + 1) destination c with source r's styles at the ticked layers."""
    import torch

    r, c = len(src), len(dest)
    cells = mixed(dest[None].expand(r, -1, -1, -1).reshape(r * c, *dest.shape[1:]),
                  src[:, None].expand(-1, c, -1, -1).reshape(r * c, *src.shape[1:]), mix)
    out = [body.render(x, modes) for x in (dest, src, cells)]
    u8 = [x.clamp(-1, 1).add(1).div(2).mul(255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
          for x in out]
    if u8[0].shape[-1] == 1:
        u8 = [np.repeat(x, 3, axis=-1) for x in u8]
    h, w = u8[0].shape[1:3]
    grid = np.zeros((r + 1, c + 1, h, w, 3), np.uint8)
    grid[0, 1:] = u8[0]
    grid[1:, 0] = u8[1]
    grid[1:, 1:] = u8[2].reshape(r, c, h, w, 3)
    return grid


class StylesThread(LatestThread):
    """Draws what changed in the latest ``StyleRequest``; keeps W's directions per checkpoint."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._dirs: dict[tuple[str, float], dict] = {}
        self._done: dict[str, tuple] = {}

    def forget(self) -> None:
        """Draw every part again with the next request (the view was reset)."""
        self._done = {}

    def compute(self, req: StyleRequest) -> StyleResult:
        gen = self.generator(req.checkpoint, req.stamp)
        key = (req.checkpoint, req.stamp)
        if key not in self._dirs:
            self._dirs[key] = w_directions(gen.G.body)
        keys = req.keys()
        parts = {p for p, k in keys.items() if self._done.get(p) != k}
        result = draw(gen, req, parts, self._dirs[key])
        self._done.update({p: keys[p] for p in parts})
        result.keys.update({p: keys[p] for p in parts})
        return result
