"""The explorer's model, without Qt or torch: what is being looked at (seed, truncation, edits, class, codes,
bookmarks, keyframes), how it becomes generator input vectors, and its undo history (latent files: ``latent_files``).

A generator input is one flat vector, its parts in the order of the model's input descriptor
(``trainers.inputs``: z, a class as a one-hot or a blend of two, categorical codes one-hot, continuous codes),
the layout ``ganstudio info`` describes. Everything here works on those vectors, so interpolating between two
keyframes also blends their classes and codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from trainers.inputs import InputSpec, latent_layout, truncate

DEFAULT_GROUPS = (("A", ()), ("B", ()), ("C", ()))
PSI_MAX = 2.0  # the explorer's ψ range for those models: 0 (every z at 0) to 2 (≈ 5 % of values clipped)


def _truncation_kind(info: dict) -> str:
    """"normal": the model's description says its z is truncated to ±ψ (BigGAN: ``trainers.inputs.truncate``, as
    ``ganstudio sample --truncation`` and ``eval --truncation-sweep`` do); "scale": the ψ·z the others use."""
    return "normal" if info.get("truncation") == "normal" else "scale"


@dataclass(frozen=True)
class Space:
    """The generator's input layout as the explorer edits it, read from the engine's generator-input
    descriptor (``trainers.inputs.InputSpec``, stored in every checkpoint's description).

    The fields are what the tools build their controls from: a z part gives the seed and z sliders, a class
    part the class buttons and blend, categorical and continuous parts the InfoGAN code controls."""

    z_dim: int
    classes: tuple[str, ...] = ()
    cat_dims: tuple[int, ...] = ()
    cont_dim: int = 0
    code_names: tuple[str, ...] = ()
    inputs: InputSpec | None = field(default=None, compare=False, repr=False)
    truncation: str = "scale"  # "scale": ψ·z (the state's ``truncation``); "normal": BigGAN's ±ψ (``psi``)
    image_shape: tuple[int, ...] = ()  # (C, H, W) of an image input (Pix2Pix: the image G translates)

    def __post_init__(self) -> None:
        if self.inputs is None:  # built from the fields: the classic z ‖ class ‖ codes layout
            object.__setattr__(self, "inputs", latent_layout(self.z_dim, len(self.classes), self.cat_dims,
                                                             self.cont_dim, class_names=self.classes))
        unsupported = [p.name for p in self.inputs.parts if p.kind == "styles"]
        if unsupported:
            raise ValueError(f"the explorer's latent tools do not take {', '.join(unsupported)} inputs yet")
        images = self.inputs.of_kind("image")
        if images and not self.image_shape:  # the Translate tool draws this input; the latent tools are off
            object.__setattr__(self, "image_shape", tuple(images[0].shape))

    @classmethod
    def from_info(cls, info: dict) -> "Space":
        spec = InputSpec.from_model_info(info)
        classes = tuple(str(c) for c in (info.get("classes") or spec.class_names))
        return cls(spec.z_dim, classes, spec.cat_dims, spec.cont_dim, tuple(c["name"] for c in spec.code_names()),
                   inputs=spec, truncation=_truncation_kind(info))

    @property
    def in_dim(self) -> int:
        return self.inputs.in_dim

    @property
    def translates(self) -> bool:
        """G is given an image to translate (Pix2Pix), not drawn from noise: only the Translate tool applies."""
        return bool(self.image_shape)

    def vector(self, z, label: int = 0, label_b: int | None = None, blend: float = 0.0, cat=(), cont=()) -> np.ndarray:
        """One input vector, part by part in the descriptor's order. ``label_b``/``blend``: the class input is
        (1 − blend)·onehot(label) + blend·onehot(label_b)."""
        parts, cat_at, cont_at = [], 0, 0
        for p in self.inputs.parts:
            if p.kind == "normal":
                parts.append(np.asarray(z, dtype=np.float32).reshape(self.z_dim))
            elif p.kind == "class":
                y = np.zeros(p.size, np.float32)
                y[int(label) % p.size] += 1.0 - (blend if label_b is not None else 0.0)
                if label_b is not None:
                    y[int(label_b) % p.size] += blend
                parts.append(y)
            elif p.kind == "categorical":
                for n in p.categories:
                    one = np.zeros(n, np.float32)
                    one[int(cat[cat_at]) if cat_at < len(cat) else 0] = 1.0
                    parts.append(one)
                    cat_at += 1
            elif p.kind == "continuous":
                c = np.zeros(p.size, np.float32)
                given = np.asarray(cont, dtype=np.float32)[cont_at:cont_at + p.size]
                c[: len(given)] = given
                parts.append(c)
                cont_at += p.size
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)  # an image input is not a vector

    def _z(self) -> slice:
        return self.inputs.slices().get("z", slice(0, self.z_dim))

    def z_of(self, vec: np.ndarray) -> np.ndarray:
        return np.asarray(vec, dtype=np.float32)[..., self._z()]

    def with_z(self, vec: np.ndarray, z: np.ndarray) -> np.ndarray:
        out = np.array(vec, dtype=np.float32, copy=True)
        out[..., self._z()] = z
        return out


@dataclass(frozen=True)
class Styles:
    """The Styles tool's settings that make the current sample (StyleGAN), kept in the state so that undo and latent
    files cover them like seed A: seed B, ψ in W, the pad (σ along W's top two principal directions), the W+ layers
    that take seed B's style, each conv's noise ("const", "none" or a redraw's seed), and a projection's W+ (float32
    (num_ws, w_dim) bytes) with where it came from, its space ("w", "w+") and the seed A it replaced: it is the
    current w only while seed A is that seed. ``w_dim``: the model's, to check a loaded projection against."""

    seed_b: int = 1
    psi: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    mix: tuple[bool, ...] = ()
    noise: tuple = ()
    projected: bytes = b""
    projected_from: str = ""
    projected_space: str = ""
    projected_seed: int = 0
    w_dim: int = 0

    def at(self, seed: int) -> "Styles":
        """These settings for seed A = ``seed``: without the projection once seed A moved on (R, a typed seed)."""
        if self.projected and self.projected_seed != seed:
            return replace(self, projected=b"", projected_from="", projected_space="", projected_seed=0)
        return self

    def document(self, seed: int) -> dict:
        """The latent file's ``styles`` field (``trainers.latentfile``) for seed A = ``seed``."""
        s = self.at(seed)
        ws = np.frombuffer(s.projected, np.float32).reshape(max(1, len(s.mix)), -1) if s.projected else None
        return {"seed_b": int(s.seed_b), "psi": float(s.psi), "offset": [float(v) for v in s.offset],
                "mix": [bool(m) for m in s.mix], "noise": [m if isinstance(m, str) else int(m) for m in s.noise],
                "projection": None if ws is None else {"ws": ws.tolist(), "source": s.projected_from,
                                                       "space": s.projected_space}}


@dataclass(frozen=True)
class ExplorerState:
    """Everything the user edits; immutable so the history can keep snapshots cheaply."""

    seed: int = 0
    base_z: tuple[float, ...] = ()  # drawn from the seed, then edited by the z sliders
    truncation: float = 1.0  # ψ: z ← ψ·z pulls samples toward the mean (StyleGAN's trick, in z)
    psi: float | None = None  # BigGAN's ψ (a Space whose truncation is "normal"): z truncated to ±ψ; None: off
    offsets: tuple[float, ...] = ()  # along the principal directions, in units of their σ
    # how far the named-direction sliders moved z from the seed's (name, σ); the moves are already in base_z, except
    # a direction's on some W+ layers only, which is drawn from this value (the Latent tool's ``ws_offset``)
    named: tuple[tuple[str, float], ...] = ()
    label: int = 0
    label_b: int | None = None
    blend: float = 0.0
    cat: tuple[int, ...] = ()
    cont: tuple[float, ...] = ()
    groups: tuple[tuple[str, tuple[tuple[float, ...], ...]], ...] = DEFAULT_GROUPS
    keyframes: tuple[tuple[float, ...], ...] = ()  # whole input vectors
    # a translating model's input (the Translate tool's sketch pad): uint8 (C, H, W) bytes, row-major, so that
    # strokes are undo steps like any other edit; b"" until the tool sets one
    image: bytes = b""
    pair: tuple = ()  # (dataset, index, label) while ``image`` is an unedited held-out input: its target is known
    source: str = ""  # where the input came from, in words (the caption)
    styles: Styles | None = None  # the Styles tool's (StyleGAN; None elsewhere, and until the tool sees the model)

    def truncate(self, z) -> np.ndarray:
        """Raw z drawn from N(0, I) (a seed's, a grid row's) as this state's truncation makes it: ψ·z, then, for
        a model with BigGAN's truncation (``psi`` set), mapped into ±ψ by the inverse CDF. Tools apply this to
        every z they draw, so the current sample and their grids agree."""
        z = np.asarray(np.asarray(z, dtype=np.float32) * np.float32(self.truncation), dtype=np.float32)
        return z if self.psi is None else truncate(z, float(self.psi))

    def z(self, directions: dict | None = None) -> np.ndarray:
        z = self.truncate(self.base_z)
        if directions is not None and self.offsets:
            dirs, sigma = directions["dirs"], directions["sigma"]
            k = min(len(self.offsets), len(dirs))
            a = np.asarray(self.offsets[:k], dtype=np.float32) * sigma[:k]
            z = z + a @ dirs[:k]
        return z.astype(np.float32)

    def vector(self, space: Space, directions: dict | None = None) -> np.ndarray:
        return space.vector(self.z(directions), self.label, self.label_b, self.blend, self.cat, self.cont)

    def group(self, name: str) -> tuple[tuple[float, ...], ...]:
        return dict(self.groups).get(name, ())

    def with_group(self, name: str, members: tuple[tuple[float, ...], ...]) -> "ExplorerState":
        groups = [(n, members if n == name else m) for n, m in self.groups]
        if name not in dict(self.groups):
            groups.append((name, members))
        return replace(self, groups=tuple(groups))


def fresh_state(space: Space, seed: int, z: np.ndarray, keep: ExplorerState | None = None) -> ExplorerState:
    """The state for a newly opened model. ``keep`` (the previous model's state) carries over when the
    layouts agree, so scrubbing the checkpoints of one run keeps the latent."""
    if keep is not None and len(keep.base_z) == space.z_dim and len(keep.cat) == len(space.cat_dims) \
            and len(keep.cont) == space.cont_dim and (not space.classes or keep.label < len(space.classes)):
        return keep
    return ExplorerState(seed=seed, base_z=tuple(float(v) for v in z), cat=(0,) * len(space.cat_dims),
                         cont=(0.0,) * space.cont_dim)


# -- undo / redo ---------------------------------------------------------------------------------------------
@dataclass
class History:
    """Snapshots of the state. Consecutive edits with the same ``key`` (one slider being dragged) merge into
    one undo step, so a drag undoes in one go."""

    limit: int = 200
    _undo: list[ExplorerState] = field(default_factory=list)
    _redo: list[ExplorerState] = field(default_factory=list)
    _last_key: str | None = None

    def record(self, before: ExplorerState, key: str | None = None) -> None:
        """Call before applying an edit: ``before`` is what undo returns to."""
        if key is not None and key == self._last_key and self._undo:
            self._redo.clear()
            return
        self._undo.append(before)
        del self._undo[: -self.limit]
        self._redo.clear()
        self._last_key = key

    def undo(self, current: ExplorerState) -> ExplorerState | None:
        if not self._undo:
            return None
        self._redo.append(current)
        self._last_key = None
        return self._undo.pop()

    def redo(self, current: ExplorerState) -> ExplorerState | None:
        if not self._redo:
            return None
        self._undo.append(current)
        self._last_key = None
        return self._redo.pop()

    def break_merge(self) -> None:
        """End a drag: the next edit of the same control is a new undo step."""
        self._last_key = None

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._last_key = None

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)


# -- interpolation and arithmetic ----------------------------------------------------------------------------
def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation (Shoemake; White 2016 for GANs): keeps ‖z‖ typical of a Gaussian, where lerp's
    midpoints fall inside the shell that z ~ N(0, I) concentrates on."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < 1e-8 or nb < 1e-8:
        return ((1 - t) * a + t * b).astype(np.float32)
    cos = np.clip(np.dot(a / na, b / nb), -1.0, 1.0)
    omega = math.acos(cos)
    if omega < 1e-6:
        return ((1 - t) * a + t * b).astype(np.float32)
    so = math.sin(omega)
    return (math.sin((1 - t) * omega) / so * a + math.sin(t * omega) / so * b).astype(np.float32)


def interpolation_path(space: Space, keyframes, frames_per_segment: int, mode: str = "slerp",
                       loop: bool = False) -> np.ndarray:
    """(frames, in_dim) through the keyframes. z moves by lerp or slerp; class and codes always by lerp
    (soft one-hots). Each segment has ``frames_per_segment`` frames; the last keyframe ends the path."""
    keys = [np.asarray(k, dtype=np.float32) for k in keyframes]
    if len(keys) < 2:
        raise ValueError("an interpolation needs at least two keyframes")
    if loop:
        keys.append(keys[0])
    n = max(2, int(frames_per_segment))
    out = []
    for a, b in zip(keys[:-1], keys[1:]):
        for i in range(n):
            t = i / n
            v = (1 - t) * a + t * b
            if mode == "slerp":
                v = space.with_z(v, slerp(space.z_of(a), space.z_of(b), t))
            out.append(v)
    if not loop:
        out.append(keys[-1])
    return np.stack(out).astype(np.float32)


def group_mean(members) -> np.ndarray | None:
    """The average z of a group's bookmarks (the DCGAN paper averages 3 exemplars per concept)."""
    if not members:
        return None
    return np.mean(np.asarray(members, dtype=np.float32), axis=0)


def arithmetic(a, b, c) -> np.ndarray:
    """A − B + C on z vectors."""
    return (np.asarray(a, np.float32) - np.asarray(b, np.float32) + np.asarray(c, np.float32)).astype(np.float32)


def neighbourhood(z: np.ndarray, n: int, sigma: float = 0.25, seed: int = 0) -> np.ndarray:
    """``n`` z's around ``z``: the first is ``z`` itself, the others add N(0, σ²) noise (σ=0.25 as in DCGAN's
    Figure 7)."""
    rng = np.random.default_rng(seed)
    out = np.repeat(np.asarray(z, np.float32)[None], n, 0)
    out[1:] += rng.normal(0.0, sigma, size=out[1:].shape).astype(np.float32)
    return out
