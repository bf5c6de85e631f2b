"""The playground's settings and presets, without torch: the app builds its controls from these at start-up
and imports the game (``trainers.playground``, which needs torch) only when the tab is first shown."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from .errors import ConfigError

# user-facing loss name → (engine loss, gradient penalty)
LOSS_CHOICES: dict[str, tuple[str, bool]] = {
    "minimax": ("bce-minimax", False),
    "non-saturating": ("bce", False),
    "wgan-gp": ("wasserstein", True),
    "lsgan": ("ls", False),
    "hinge": ("hinge", False),
}
DISTS_2D = ("ring", "grid", "spiral", "moons", "drawn")
DISTS_1D = ("gaussian", "two-gaussians")
OPTIMIZERS = ("adam", "rmsprop", "sgd")
EXTENT_2D = 2.5  # the plane shown: [-2.5, 2.5]²
EXTENT_1D = (-4.0, 4.0)
DRAWN_SPREAD = 0.05  # each drawn point stands for a small Gaussian blob of this σ
HISTORY = 20000  # loss-curve points kept (older ones are thinned, not dropped)
GP_WEIGHT = 0.1  # Gulrajani et al.'s toy experiments use λ = 0.1 ("smaller lambda helps for toy tasks")


@dataclass
class PlayConfig:
    """What the playground's controls set. ``points``: the drawn distribution (dist ``drawn``)."""

    dist: str = "ring"
    loss: str = "non-saturating"
    g_hidden: int = 64
    d_hidden: int = 64
    layers: int = 2
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    optimizer: str = "adam"
    d_steps: int = 1
    z_dim: int = 2
    batch: int = 256
    seed: int = 0
    points: list[tuple[float, float]] = field(default_factory=list)

    @property
    def dim(self) -> int:
        return 1 if self.dist in DISTS_1D else 2

    def validate(self) -> None:
        """Raise ConfigError naming the first value out of range and what to use instead."""
        if self.dist not in DISTS_2D + DISTS_1D:
            raise ConfigError(f"distribution {self.dist!r}: choose one of {', '.join(DISTS_2D + DISTS_1D)}")
        if self.loss not in LOSS_CHOICES:
            raise ConfigError(f"loss {self.loss!r}: choose one of {', '.join(LOSS_CHOICES)}")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}")
        for name, lo, hi in (("g_hidden", 2, 1024), ("d_hidden", 2, 1024), ("layers", 1, 6), ("d_steps", 1, 50),
                             ("z_dim", 1, 64), ("batch", 8, 8192)):
            v = getattr(self, name)
            if not lo <= v <= hi:
                raise ConfigError(f"{name} = {v}: use a value from {lo} to {hi}")
        for name in ("lr_g", "lr_d"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0 < v <= 1):
                raise ConfigError(f"{name} = {v}: a learning rate must be above 0 and at most 1 (try 1e-3)")
        if self.dist == "drawn" and len(self.points) < 3:
            raise ConfigError("draw at least 3 points on the plane first (drag with the left mouse button)")
        if self.dist in DISTS_1D and self.z_dim != 1:
            raise ConfigError("the 1D mode maps a 1D noise to the line: set the noise dimension to 1")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "PlayConfig":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "points" in known:
            known["points"] = [tuple(map(float, p))[:2] for p in known["points"]]
        return cls(**known)


@dataclass(frozen=True)
class Preset:
    title: str
    about: str
    config: PlayConfig
    steps: int  # how many steps it takes to show what it shows (the tests and benchmarks run this many)


PRESETS: dict[str, Preset] = {p.title: p for p in (
    Preset("Mode collapse: minimax on the ring",
           "The original minimax loss against a discriminator that learns 10× faster: G's points pile onto one "
           "to three of the 8 modes and stay there (seeds 0-4, measured every 250 steps to step 4,000: 3, 1, 1, "
           "1 and 2 modes throughout; this preset is seed 3). Changing a setting or stepping one player by hand "
           "changes the course of the game.",
           PlayConfig(dist="ring", loss="minimax", lr_g=2e-4, lr_d=2e-3, g_hidden=64, d_hidden=128, layers=3,
                      batch=128, seed=3),
           1500),
    Preset("WGAN-GP covers the ring",
           "The same ring and networks with the Wasserstein loss, a gradient penalty and 5 critic steps per G "
           "step: all 8 modes are covered within a few hundred steps.",
           PlayConfig(dist="ring", loss="wgan-gp", lr_g=1e-3, lr_d=1e-3, g_hidden=64, d_hidden=128, layers=3,
                      batch=128, d_steps=5, seed=3),
           600),
    Preset("The paper's figure (1D)",
           "Figure 1 of Goodfellow et al. (2014): the data's density (dotted), G's density (green) and D(x) "
           "(blue, dashed); the lines below map z to x = G(z). At the equilibrium D(x) = 1/2 everywhere.",
           PlayConfig(dist="gaussian", loss="non-saturating", z_dim=1, g_hidden=32, d_hidden=32, lr_g=1e-3,
                      lr_d=1e-3, seed=0),
           1500),
    Preset("Spiral with non-saturating loss",
           "A harder shape: G has to bend a Gaussian into two turns of a spiral.",
           PlayConfig(dist="spiral", loss="non-saturating", g_hidden=128, d_hidden=128, layers=3, seed=0),
           4000),
)}
