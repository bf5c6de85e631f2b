"""Unsupervised directions, named afterwards: SeFa's (Shen & Zhou 2021, closed form from the weights) and GANSpace's
(Härkönen et al. 2020, ``generator.principal_directions``), each labelled with the factor it moves most, measured
with the dataset's classifier (``directions_measure.effects``).

SeFa: the first layer that reads the latent is y = A·x + b; a step n moves y by A·n, so the k directions that
change y the most are the top eigenvectors of AᵀA,  n* = argmax_{‖n‖=1} ‖A n‖².  As the paper's code, each row of A
(one output unit's weights) is scaled to unit length first. A is what the family's ``sefa_weight`` probe returns
(its first layer's weight, as (outputs, inputs)); for a family with styles, every style affine of the synthesis
network stacked (W → styles), in W.
"""

from __future__ import annotations

import numpy as np
import torch

from .directions import Direction, LatentWalk, factors_of, z_steps
from .directions_measure import effects
from .errors import ConfigError
from .registry import probe_of

K = 8  # directions kept per method


def sefa_matrix(walk: LatentWalk) -> np.ndarray | None:
    """A (outputs, dim) in the walk's space, or None when the family says nothing of its first layer."""
    if walk.space == "w":
        affines = [m.affine for m in walk.body.synthesis.modules() if hasattr(m, "affine")]
        return torch.cat([(a.weight * a.scale).detach().float().cpu() for a in affines]).double().numpy()
    fn = probe_of(walk.gen.meta["model"].get("family"), "sefa_weight")
    if fn is None:
        return None
    A = fn(walk.gen.G).detach().float().cpu().double().numpy()
    return A[:, walk._z]  # only the z columns: a class or code input is not a direction


def sefa_vectors(A: np.ndarray, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """(k, d) unit eigenvectors of AᵀA (rows of A normalised) and their eigenvalues, largest first."""
    A = A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)
    vals, vecs = np.linalg.eigh(A.T @ A)
    order = np.argsort(vals)[::-1][:k]
    return vecs[:, order].T.copy(), vals[order]


def has_sefa(gen) -> bool:
    """Whether SeFa applies to this generator (a first layer the family names, or style affines)."""
    walk = LatentWalk(gen)
    return walk.space == "w" or probe_of(gen.meta["model"].get("family"), "sefa_weight") is not None


def _spread(walk: LatentWalk, vecs: np.ndarray, n: int = 2000, seed: int = 0):
    points, flat = walk.sample(n, seed)
    X = points.double().numpy()
    return (X - X.mean(0)) @ vecs.T, points, flat


def label(dirs: list[Direction], walk: LatentWalk, extractor, title: str) -> list[Direction]:
    """Name each direction after the factor it moves most per σ (signed so that + increases it), "<factor> (<title>
    i)"; without a classifier that reads factors, "<title> i"."""
    names = factors_of(extractor) if extractor is not None else []
    if not names or not dirs:
        for i, d in enumerate(dirs):
            d.name = f"{title} {i + 1}"
        return dirs
    eff = effects(walk, np.stack([d.vector for d in dirs]), np.array([d.sigma for d in dirs]), extractor)
    cols = [list(extractor.factor_names).index(f) for f in names]
    for i, d in enumerate(dirs):
        row = eff[i, cols]
        j = int(np.argmax(np.abs(row)))
        if row[j] < 0:
            d.vector, d.z_step = -d.vector, -d.z_step
        d.factor = names[j]
        d.name = f"{names[j]} ({title} {i + 1})"
        d.note = "moves per σ: " + ", ".join(f"{f} {abs(row[c]) if c == j else row[c] * np.sign(row[j]):+.2f}"
                                              for c, f in enumerate(names))
    return dirs


def find_sefa(gen, extractor=None, k: int = K) -> list[Direction]:
    """SeFa's top ``k`` directions, labelled (module docstring)."""
    walk = LatentWalk(gen)
    A = sefa_matrix(walk)
    if A is None:
        raise ConfigError(f"{gen.path.name}: a {gen.meta['model'].get('family')} model does not say which layer "
                          "reads its latent first, so SeFa does not apply")
    vecs, vals = sefa_vectors(A, min(k, A.shape[1]))
    scores, points, flat = _spread(walk, vecs)
    steps = z_steps(walk, points, flat, vecs)
    dirs = [Direction(f"SeFa {i + 1}", "sefa", vecs[i].astype(np.float32), float(scores[:, i].std()), steps[i],
                      note=f"eigenvalue {vals[i]:.3g}", space=walk.space) for i in range(len(vecs))]
    return label(dirs, walk, extractor, "SeFa")


def find_ganspace(gen, extractor=None, k: int = K) -> list[Direction]:
    """GANSpace's principal directions in z (the ones the explorer's Latent tool has), labelled."""
    walk = LatentWalk(gen, space="z")
    pcs = gen.directions
    vecs = np.asarray(pcs["dirs"][:k], dtype=np.float64)
    vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    dirs = [Direction(f"PC {i + 1}", "ganspace", vecs[i].astype(np.float32), float(pcs["sigma"][i]),
                      (vecs[i] * float(pcs["sigma"][i])).astype(np.float32),
                      note=f"{float(pcs['explained'][i]) * 100:.1f}% of the first layer's variance")
            for i in range(len(vecs))]
    return label(dirs, walk, extractor, "PC")
