"""What the explorer's Translate tool needs from a translating generator (Pix2Pix, CycleGAN, UNIT), made in the
render thread.

The render thread (workers/render.py) hands outputs of kind ``"translate"`` (G's output for the pad's input: the
current sample), ``"realness"`` (Pix2Pix: the same output plus how real the checkpoint's PatchGAN D finds each
patch of it), ``"cycle"`` (CycleGAN, UNIT: the output, the way back F(G(x)) and the cycle error) and ``"shared"``
(UNIT: reconstruction, translation and a walk through the shared latent space) to the functions here. The input
travels as a flat float32 vector in model range, like every explorer input, and the results are plain numpy data:
no tensor or module reaches the GUI thread. Like every output, the newest request wins (workers/render.py).

D and F are loaded once per generator (kept on the cached ``LoadedGenerator``, so a rewritten checkpoint brings
new ones) and are None when the file holds none (a generator-only export), which the results say instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("translate", "realness", "cycle", "shared")  # the render kinds whose input is an image, not a latent vector
BLENDS = 9  # codes along UNIT's walk from E_A(x) to E_B(b), both ends included


@dataclass(frozen=True, eq=False)
class RealnessResult:
    """G's output for one input (H×W×3 uint8, the pixels the explorer shows) and σ(D(x, G(x))) per patch,
    (h, w) float32 in [0, 1] (None when the checkpoint holds no D). Cell (i, j) scores the ``patch``-px square
    whose top-left image pixel is (``stride``·j + ``offset``, ``stride``·i + ``offset``) (x, y)."""

    output: np.ndarray
    realness: np.ndarray | None
    patch: int = 16
    stride: int = 2
    offset: int = -5


@dataclass(frozen=True, eq=False)
class CycleResult:
    """CycleGAN on one input x (domain A): x itself, G(x) (domain B) and F(G(x)) (back in A) as H×W×3 uint8, and
    the cycle error |x − F(G(x))| per pixel in [0, 1] image units (half the model-range difference, averaged over
    channels), (H, W) float32: its mean is what ``ganstudio eval``'s cycle L1 averages over held-out digits.
    ``back`` and ``error`` are None when the checkpoint holds no F."""

    source: np.ndarray
    output: np.ndarray
    back: np.ndarray | None
    error: np.ndarray | None


@dataclass(frozen=True, eq=False)
class SharedResult:
    """UNIT's shared latent space for one input x (domain A) and a partner b (domain B), as H×W×3 uint8 pictures:

    - ``source`` x; ``recon`` G_A(E_A(x)), x encoded and decoded in its own domain; ``translation`` G_B(E_A(x)), the
      same code decoded in B (the current sample). ``recon_error`` |x − G_A(E_A(x))| per pixel in [0, 1] image units
      (half the model-range difference, averaged over channels), (H, W) float32, like ``CycleResult.error``.
    - the walk: codes h_t = (1 − t)·E_A(x) + t·E_B(b) for t in ``ts``, each decoded by both decoders: ``strip_a``
      G_A(h_t) and ``strip_b`` G_B(h_t), (N, H, W, 3). Its ends are the two images' own codes: t = 0 gives
      ``recon`` and ``translation``, t = 1 gives b's way into A and b's reconstruction.
    - ``partner`` b; ``own`` True when b is the translation itself (the walk from x's code to the code E_B reads
      back out of G_B(E_A(x))). ``code_gap``: mean |E_A(x) − E_B(b)| over mean |E_A(x)|, how far apart the codes sit.
    """

    source: np.ndarray
    recon: np.ndarray
    translation: np.ndarray
    recon_error: np.ndarray
    partner: np.ndarray
    own: bool
    ts: np.ndarray
    strip_a: np.ndarray
    strip_b: np.ndarray
    code_gap: float


def image_shape(gen) -> tuple[int, ...]:
    """(C, H, W) of the generator's image input (empty when it takes none)."""
    parts = gen.layout.of_kind("image")
    return tuple(parts[0].shape) if parts else ()


def fits(gen, dim: int) -> bool:
    """Whether a flat input of ``dim`` values is an image this generator translates (an output built for the
    previous model is skipped; the view rebuilds when the new one is announced)."""
    shape = image_shape(gen)
    return bool(shape) and dim == int(np.prod(shape))


def _images(gen, inputs: np.ndarray):
    import torch

    x = np.asarray(inputs, dtype=np.float32).reshape((-1,) + image_shape(gen))
    return torch.from_numpy(np.array(x, dtype=np.float32, copy=True))


def _pixels(y) -> np.ndarray:
    from trainers.images import to_uint8_grid

    return to_uint8_grid(y[:1], 1, padding=0)


def translation(gen, inputs: np.ndarray) -> np.ndarray:
    """G's output for the first input, as H×W×3 uint8 (the current sample)."""
    return _pixels(gen.translate(_images(gen, inputs)[:1]))


def _kept(gen, attr: str, load):
    """``load(gen.path)`` (a module of the checkpoint, or None when it holds none), loaded once and kept on the
    generator: the render thread caches generators per file and version, so a rewritten checkpoint brings new ones."""
    if not hasattr(gen, attr):
        setattr(gen, attr, load(gen.path))
    return getattr(gen, attr)


def critic(gen):
    """The checkpoint's PatchGAN D (eval, CPU), or None for a generator-only export (the family's ``critic``
    probe)."""
    return _kept(gen, "_patch_critic", lambda _path: gen.probe("critic")(gen))


def inverse(gen):
    """The way back B → A (eval, CPU): the family's ``way_back`` probe (CycleGAN's F, None when the checkpoint holds
    none; UNIT's own b2a), asked once per generator."""
    from trainers.registry import probe_of

    way_back = probe_of(gen.meta.get("model", {}).get("family"), "way_back")
    return _kept(gen, "_inverse", lambda _path: way_back(gen) if way_back is not None else None)


def realness_result(gen, inputs: np.ndarray) -> RealnessResult:
    """G's output for the first input and how real D finds each of its patches (``pix2pix.realness``)."""
    realness, receptive_field = gen.probe("realness"), gen.probe("receptive_field")
    x = _images(gen, inputs)[:1]
    y = gen.translate(x)
    D = critic(gen)
    score = None if D is None else np.ascontiguousarray(realness(D, x, y)[0].numpy(), dtype=np.float32)
    return RealnessResult(_pixels(y), score, patch=receptive_field())


def cycle_result(gen, inputs: np.ndarray) -> CycleResult:
    """G's output for the first input, F's way back and the cycle error (``CycleResult``)."""
    import torch

    x = _images(gen, inputs)[:1]
    y = gen.translate(x)
    F = inverse(gen)
    if F is None:
        return CycleResult(_pixels(x), _pixels(y), None, None)
    with torch.no_grad():
        back = F(y).float()
    error = np.ascontiguousarray(((x - back).abs() / 2).mean(1)[0].numpy(), dtype=np.float32)
    return CycleResult(_pixels(x), _pixels(y), _pixels(back), error)


def _frames(y) -> np.ndarray:
    """(N, C, H, W) in model range → (N, H, W, 3) uint8, each picture as ``_pixels`` makes one."""
    return np.stack([_pixels(y[i:i + 1]) for i in range(len(y))])


def shared_result(gen, inputs: np.ndarray, steps: int = BLENDS) -> SharedResult:
    """UNIT's reconstruction, translation and walk between two codes (``SharedResult``). ``inputs``: x (domain A),
    then optionally b (domain B); without b the walk goes to the code of x's own translation, E_B(G_B(E_A(x)))."""
    import torch

    G = gen.G  # UNITGenerator: encode(x, domain) → μ in the shared space, decode(h, domain); 0 = A, 1 = B
    images = _images(gen, inputs)
    x = images[:1]
    with torch.no_grad():
        mu_a = G.encode(x, 0)
        recon, translation = G.decode(mu_a, 0).float(), G.decode(mu_a, 1).float()
        own = len(images) < 2
        b = translation if own else images[1:2]
        mu_b = G.encode(b, 1)
        ts = np.linspace(0.0, 1.0, steps, dtype=np.float32)
        t = torch.from_numpy(ts).view(-1, 1, 1, 1)
        codes = (1 - t) * mu_a + t * mu_b  # (N, 4w, S/4, S/4): one code per blend
        strip_a, strip_b = G.decode(codes, 0).float(), G.decode(codes, 1).float()
        gap = float((mu_a - mu_b).abs().mean() / mu_a.abs().mean().clamp_min(1e-12))
    error = np.ascontiguousarray(((x - recon).abs() / 2).mean(1)[0].numpy(), dtype=np.float32)
    return SharedResult(_pixels(x), _pixels(recon), _pixels(translation), error, _pixels(b), own, ts,
                        _frames(strip_a), _frames(strip_b), gap)


def render(gen, kind: str, inputs: np.ndarray):
    """The render thread's entry point for the kinds in ``KINDS``."""
    if kind == "translate":
        return translation(gen, inputs)
    if kind == "shared":
        return shared_result(gen, inputs)
    return cycle_result(gen, inputs) if kind == "cycle" else realness_result(gen, inputs)
