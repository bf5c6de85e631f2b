"""Named directions in a generator's latent space: "thicker", "more slanted", "bigger" as sliders (issue 41).

Two ways to find them, both measured the same way (``directions_measure.py``):

- **InterFaceGAN** (Shen et al. 2020), from the data's own factors. Draw n latents (z; W = f(z) for a family with
  styles, where the paper finds StyleGAN's attributes better separated), render them, read each image's class and
  factors with the dataset's classifier (``metrics/features.py``), and fit one linear direction per factor: the
  ridge-regression normal  n_f = (XᵀX + λI)⁻¹ Xᵀ y_f  over the centred latents X and the standardised factor y_f
  (the paper fits a linear SVM on the extremes; a regression on all samples is the same hyperplane's normal for a
  continuous factor). Then *conditional* (the paper's projection, §2.2): n_f is projected onto the orthogonal
  complement of the other factors' normals and of the class normals (one-vs-rest regressions on the class read),
  n_f ← (I − B(BᵀB)⁻¹Bᵀ) n_f, so that moving along it leaves their linear read unchanged ("as far as the data
  allows": when the projection would leave less than a quarter of n_f, the classifier reads another factor
  together with this one, and that condition is left out, or the projection would remove the factor itself); unit length, signed so that + increases the factor.
- **SeFa** (Shen & Zhou 2021), from the weights alone: for the first layer that reads the latent, y = A·z + b, the
  directions that change y the most are the top eigenvectors of AᵀA (rows of A normalised, as the paper's code);
  for a family with styles, A stacks every style affine (W → styles). The family says what A is (its
  ``sefa_weight`` probe) or, with styles, the affines are read from the style body. Each SeFa direction is then
  labelled with the factor it moves most (measured with the classifier), so unsupervised directions get names.

A step of 1 along a direction is one σ: the standard deviation of the latents' projection on it (1 in z; W's own
spread in W). In W, a direction may move only some W+ layers (``layers``: those that carry its factor, chosen by
measurement in ``directions_layers.py``; the step is the same a·σ·vector, added at those layers only). Kept beside
the checkpoint (``directions_file.py``) and bound to the generator's weights hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from .errors import ConfigError

Progress = Callable[[str, int, int], None]
MIN_FACTOR_R = 0.7  # a factor the classifier reads worse than this on held-out data (jitter: 0.11) gets no direction
RIDGE = 1e-2  # λ of the regressions, relative to the latents' mean variance
KEEP = 0.25  # the share of a factor's normal its conditioning must leave, else a condition is left out (a guard:
# on the bundled models the full projection measures best, 0.5 and up gave more leakage for little ρ)


@dataclass
class Direction:
    """One direction: ``vector`` a unit vector in ``space``; ``sigma`` the latents' spread along it (a step of a
    moves a latent by a·σ·vector); ``z_step`` the same step carried back to z (what the explorer adds to z; equal to
    σ·vector in z; for a direction on some W+ layers only, no z step gives it: the explorer moves W+ instead);
    ``factor`` the factor it moves (fitted for, or measured most); ``measures`` from ``directions_measure.measure``;
    ``layers`` the W+ layers the step is added at (empty: all, the same w at every layer)."""

    name: str
    method: str  # "interfacegan" | "sefa" | "ganspace"
    vector: np.ndarray
    sigma: float
    z_step: np.ndarray
    factor: str | None = None
    measures: dict = field(default_factory=dict)
    note: str = ""
    space: str = "z"
    layers: tuple[int, ...] = ()

    def describe(self) -> str:
        """One line on its measured effect (the explorer's tooltip)."""
        m = self.measures
        how = {"interfacegan": "InterFaceGAN (fitted on the classifier's reading)", "sefa": "SeFa (from the weights)",
               "ganspace": "GANSpace (principal direction)"}.get(self.method, self.method)
        if not m:
            return f"{self.name}: {how}; not measured yet"
        bits = [f"{self.name}: {how}"]
        if "per_sigma" in m:
            bits.append(f"moves {m.get('factor', self.factor)} by {m['per_sigma']:+.2f} data σ per step")
        if "rho" in m:
            bits.append(f"ρ {m['rho']:+.2f} with the measured {m.get('measured_as', 'factor')} over −2…+2")
        if "kept" in m:
            bits.append(f"digit kept {m['kept'] * 100:.0f}%")
        if "leakage" in m:
            bits.append(f"leakage {m['leakage']:.2f} ({m.get('leaks_most', '')})")
        if self.layers:
            bits.append(f"moves W+ layers {', '.join(map(str, self.layers))} only")
        return "; ".join(bits)


# -- the space directions move in ----------------------------------------------------------------------------
class LatentWalk:
    """Where directions live and how a point there becomes an image: z (every input part but z held at the
    starting latent's), or W = f(z) for a family with styles (rendered as W+ with the same w at every layer,
    the checkpoint's fixed noise; a point moved at some layers only is a W+ point, (num_ws, w_dim))."""

    def __init__(self, gen, space: str | None = None):
        self.gen = gen
        self.space = space or ("w" if gen.can("styles") else "z")
        if not gen.layout.z_dim:
            raise ConfigError(f"{gen.path.name}: this generator takes no z (it translates images): it has no latent "
                              "directions")
        self._z = gen.layout.slices().get("z", slice(0, gen.layout.z_dim))
        self.body = None
        if self.space == "w":
            from .projection import style_body

            self.body = style_body(gen)

    @property
    def dim(self) -> int:
        return int(self.body.mapping.w_avg.shape[0]) if self.body is not None else self.gen.layout.z_dim

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """(points (n, dim) in this space, the flat inputs (n, in_dim) they came from), as ``latent(n, seed)``."""
        flat = torch.from_numpy(self.gen.inputs(self.gen.latent(n, seed=seed)))
        return self.points(flat), flat

    @torch.no_grad()
    def points(self, flat: torch.Tensor) -> torch.Tensor:
        """Flat generator inputs (N, in_dim) as points in this space: their z, or w = f(z)."""
        z = flat[:, self._z]
        if self.body is None:
            return z.clone()
        return torch.cat([self.body.mapping(z[s:s + 1000].to(self.gen.device)).float().cpu()
                          for s in range(0, len(z), 1000)])

    def z_of(self, flat: torch.Tensor) -> torch.Tensor:
        return flat[:, self._z]

    def layer_groups(self) -> dict[str, list[int]]:
        """The W+ layers of each group (coarse, middle, fine: ``metrics/styles.py``); none in z."""
        from .metrics.styles import layer_groups

        return layer_groups(self.body.synthesis.layer_sides()) if self.body is not None else {}

    def moved(self, points: torch.Tensor, step: torch.Tensor, layers=()) -> torch.Tensor:
        """``points`` (N, dim), or W+ points (N, num_ws, dim), moved by ``step`` ((dim,) or (N, dim)): everywhere,
        or at the W+ ``layers`` only (the points become W+ points)."""
        step = torch.as_tensor(step, dtype=torch.float32)
        if not len(layers):
            return points + (step[:, None] if points.dim() == 3 and step.dim() == 2 else step)
        ws = points if points.dim() == 3 else points[:, None].expand(-1, self.body.num_ws, -1)
        ws = ws.clone()
        ws[:, list(layers)] += step[:, None] if step.dim() == 2 else step
        return ws

    def draw(self, points: torch.Tensor, flat: torch.Tensor) -> torch.Tensor:
        """``render`` for one batch with gradients (what ``directions_refine`` steps through), on G's device."""
        dev = self.gen.device
        if self.body is None:
            h = flat.to(dev).float().clone()
            h[:, self._z] = points.to(dev).float()
            return self.gen.G.from_flat(h).float()
        ws = points.to(dev).float()
        return self.body.render(ws if ws.dim() == 3 else ws[:, None].expand(-1, self.body.num_ws, -1), "const").float()

    @torch.no_grad()
    def render(self, points: torch.Tensor, flat: torch.Tensor, batch: int = 500) -> torch.Tensor:
        """Images (N, C, S, S) in [-1, 1] for ``points`` in this space, (N, dim) or W+ (N, num_ws, dim) (``flat``:
        the inputs they started from)."""
        out = []
        for s in range(0, len(points), batch):
            p = points[s:s + batch].float()
            if self.body is None:
                h = flat[s:s + batch].clone().float()
                h[:, self._z] = p
                out.append(self.gen.render_inputs(h.numpy()))
            else:
                ws = p.to(self.gen.device)
                ws = ws if ws.dim() == 3 else ws[:, None].expand(-1, self.body.num_ws, -1)
                out.append(self.body.render(ws, "const").float().cpu())
        return torch.cat(out) if out else torch.zeros(0)


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float64)


def ridge_normals(X: np.ndarray, Y: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    """Regression normals (k, d) of the standardised targets ``Y`` (n, k) on the centred latents ``X`` (n, d):
    (XᵀX + λ·tr(XᵀX)/d·I)⁻¹ XᵀY, one column per target."""
    Xc = X - X.mean(0)
    Yc = (Y - Y.mean(0)) / np.maximum(Y.std(0), 1e-12)
    G = Xc.T @ Xc
    lam = ridge * np.trace(G) / G.shape[0]
    return np.linalg.solve(G + lam * np.eye(G.shape[0]), Xc.T @ Yc).T


def condition(n: np.ndarray, others: np.ndarray) -> np.ndarray:
    """InterFaceGAN's conditional direction: ``n`` with its component in the span of ``others`` (m, d) removed."""
    if not len(others):
        return n
    Q, _ = np.linalg.qr(others.T)  # an orthonormal basis of their span (d, m)
    return n - Q @ (Q.T @ n)


def conditioned(n: np.ndarray, others: list[tuple[str, np.ndarray]]) -> tuple[np.ndarray, list[str]]:
    """``n`` made independent of the ``others`` (name, normal): InterFaceGAN's projection onto the orthogonal
    complement of their span, class normals ("class ...") always, the other factors "as far as the data allows":
    while the projection would leave less than ``KEEP`` of ``n`` (the classifier reads another factor together with
    this one, and projecting it out would take the factor itself away), the factor whose removal gives back the most
    is left out. Returns (the direction, the names left out)."""
    d = len(n)
    classes = [c for name, c in others if name.startswith("class ")][:max(0, d - 1)]
    factors = [(name, c) for name, c in others if not name.startswith("class ")]

    def project(keep: list[tuple[str, np.ndarray]]) -> np.ndarray:
        rows = (classes + [c for _, c in keep])[:max(0, d - 1)]
        return condition(n, np.stack(rows)) if rows else n

    apart: list[str] = []
    v = project(factors)
    while factors and np.linalg.norm(v) < KEEP * np.linalg.norm(n):
        best = max(range(len(factors)), key=lambda i: np.linalg.norm(project(factors[:i] + factors[i + 1:])))
        apart.append(factors.pop(best)[0])
        v = project(factors)
    return v, apart


def factors_of(extractor) -> list[str]:
    """The factors a direction is fitted for: those the classifier reads well on held-out data."""
    names = list(extractor.factor_names or ())
    rs = list(extractor.factor_r or ()) + [1.0] * len(names)
    return [f for f, r in zip(names, rs) if r >= MIN_FACTOR_R]


def z_steps(walk: LatentWalk, points: torch.Tensor, flat: torch.Tensor, vectors: np.ndarray) -> np.ndarray:
    """Each direction's one-σ step carried back to z: σ·v in z; in W, the least-squares z step that goes with one
    σ of the projection (GANSpace's way back: regress z on the standardised scores)."""
    X = points.double().numpy()
    scores = (X - X.mean(0)) @ vectors.T  # (n, k)
    sig = scores.std(0)
    if walk.space == "z":
        return (vectors * sig[:, None]).astype(np.float32)
    z = walk.z_of(flat).double().numpy()
    s = scores / np.maximum(sig, 1e-12)
    return np.linalg.lstsq(s, z - z.mean(0), rcond=None)[0].astype(np.float32)  # (k, z_dim)


def read_samples(walk: LatentWalk, extractor, n: int, seed: int, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None, stage: str = "reading samples"):
    """n latents in the walk's space, their flat inputs, and the classifier's reading of their images (class
    probabilities (n, classes), factors (n, F))."""
    points, flat = walk.sample(n, seed)
    preds, facs = [], []
    step = 250
    for s in range(0, n, step):
        if cancelled is not None and cancelled():
            raise InterruptedError("cancelled")
        emb = extractor.embed(walk.render(points[s:s + step], flat[s:s + step]))
        preds.append(emb.probs)
        facs.append(emb.factors if emb.factors is not None else np.zeros((len(emb.pred), 0)))
        if progress is not None:
            progress(stage, min(n, s + step), n)
    return points, flat, np.concatenate(preds), np.concatenate(facs)


def find_interfacegan(walk: LatentWalk, extractor, n: int = 3000, seed: int = 0,
                      progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
                      factors: tuple[str, ...] | None = None) -> list[Direction]:
    """One conditional direction per factor the classifier reads (module docstring); ``factors``: only these."""
    names = [f for f in factors_of(extractor) if factors is None or f in factors]
    if not names:
        raise ConfigError("this dataset's classifier reads no factors, so directions cannot be named from the data; "
                          "use SeFa's (from the weights)")
    points, flat, probs, facs = read_samples(walk, extractor, n, seed, progress, cancelled)
    pred = probs.argmax(1)
    X = points.double().numpy()
    cols = [list(extractor.factor_names).index(f) for f in names]
    normals = ridge_normals(X, facs[:, cols])
    classes = [k for k in range(len(extractor.class_names)) if 20 <= (pred == k).sum() <= len(pred) - 20]
    # each class's boundary normal: the regression of its 0/1 read (a log-probability would also follow how clearly a
    # digit is drawn, which stroke width changes, and take that away from the width direction)
    cls_normals = (ridge_normals(X, np.stack([(pred == k).astype(float) for k in classes], 1))
                   if len(classes) >= 2 else np.zeros((0, X.shape[1])))
    vecs, kept_apart = [], []
    for i, f in enumerate(names):
        others = [(f"class {extractor.class_names[k]}", c) for k, c in zip(classes, cls_normals)]
        others += [(g, normals[j]) for j, g in enumerate(names) if g != f]
        v, apart = conditioned(normals[i], others)
        kept_apart.append([g for g in apart if not g.startswith("class ")])
        v = _unit(v)
        if np.corrcoef((X - X.mean(0)) @ v, facs[:, cols[i]])[0, 1] < 0:
            v = -v
        vecs.append(v)
    vecs = np.stack(vecs)
    sig = ((X - X.mean(0)) @ vecs.T).std(0)
    steps = z_steps(walk, points, flat, vecs)
    return [Direction(f, "interfacegan", vecs[i].astype(np.float32), float(sig[i]), steps[i], f, space=walk.space,
                      note=f"conditioned on {len(names) - 1 - len(kept_apart[i])} other factors and {len(classes)} "
                           "classes" + (f"; not on {', '.join(kept_apart[i])} (read together with it)"
                                        if kept_apart[i] else ""))
            for i, f in enumerate(names)]
