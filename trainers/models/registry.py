"""The family registry: what ``ganstudio list``, the CLI, the New Run dialog and the trainer know of a family.

A family is declared once, in its own file, with ``register(Family(...))``:

- ``algorithm``: how it trains — a key of ``trainers.algos.ALGORITHMS`` ("adversarial": one G against one D)
  or an ``Algorithm`` class (see ``trainers/algos/base.py``);
- ``networks(cfg, sample_shape, inputs)`` → the named modules ("G", "D", ...) for a resolved config;
- ``inputs(cfg, class_names)`` → the generator-input descriptor (``trainers.inputs.InputSpec``);
- ``batches``: what each training step is fed (a kind of ``trainers.data.samplers.SAMPLERS``), or a
  ``sampler(cfg, load, device, dist)`` of its own;
- ``variants``: other network designs a user can pick with ``--arch`` (InfoGAN: the paper's nets or DCGAN's);
- ``defaults``: its published recipe (fields of ``TrainConfig``); ``players``: the updates a user may step
  by hand while paused (the one named ``step_player`` counts as a training step); ``stats``: what it reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

CONV_SIZES = (28, 32, 64)
MLP_SIZES = range(8, 65)

FAMILIES: dict[str, "Family"] = {}


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    algorithm: Any  # str key of trainers.algos.ALGORITHMS, or an Algorithm class
    networks: Callable
    inputs: Callable
    batches: str = "images"
    defaults: dict = field(default_factory=dict)
    players: tuple[str, ...] = ("D", "G")
    step_player: str = "G"
    stats: tuple[str, ...] = ("loss_d", "loss_g", "d_real", "d_fake")
    data_kinds: tuple[str, ...] = ("image",)  # "image" and/or "points"
    image_sizes: Any = CONV_SIZES  # sides it can make
    options: dict = field(default_factory=dict)  # algorithm-specific settings (loss, conditioning, ...)
    check: Callable | None = None  # family-specific validation of a resolved config: raise ConfigError
    # network variants chosen with --arch (default: ``defaults["arch"]``); ``legacy_arch`` is what a stored
    # config written before the family had variants was built with
    variants: dict = field(default_factory=dict)
    legacy_arch: str | None = None
    points_arch: str | None = None  # the variant 2D points get when --arch is not given (cgan: its MLPs)
    sampler: Callable | None = None  # (cfg, load, device, dist) -> a sampler, instead of ``batches``

    # -- what the adversarial families' options say (kept as attributes for readers of the old spec) --------
    @property
    def needs_labels(self) -> bool:
        return self.batches == "labelled"

    @property
    def loss(self) -> str:
        return self.options.get("loss", "")

    @property
    def arch(self) -> str:
        return self.options.get("arch", "conv" if self.data_kinds == ("image",) else "auto")

    @property
    def conditioning(self) -> str:
        return self.options.get("conditioning", "none")

    @property
    def info(self) -> bool:
        return bool(self.options.get("info", False))

    @property
    def spectral(self) -> bool:
        return bool(self.options.get("spectral", False))

    @property
    def d_norm(self) -> str:
        return self.options.get("d_norm", "batch")

    @property
    def optimizer(self) -> str:
        return self.options.get("optimizer", "adam")

    @property
    def algorithm_class(self) -> type:
        """The class that trains this family (``algorithm`` names one in ``trainers.algos.ALGORITHMS`` or is one)."""
        from ..algos import ALGORITHMS

        return ALGORITHMS[self.algorithm] if isinstance(self.algorithm, str) else self.algorithm

    @property
    def repeats_d(self) -> bool:
        """Whether the family's algorithm updates D ``--n-critic`` times per G update (the others update it once)."""
        return bool(getattr(self.algorithm_class, "repeats_d", False))


def register(family: Family, replace: bool = False) -> Family:
    """Add ``family`` to the registry (a test or plug-in may register its own; ``replace`` to redefine one)."""
    if family.name in FAMILIES and not replace:
        raise ValueError(f"a family named {family.name!r} is already registered")
    FAMILIES[family.name] = family
    return family


def unregister(name: str) -> None:
    FAMILIES.pop(name, None)


def arch_for(spec: Family, is_image: bool, arch: str | None = None) -> str:
    """"conv" or "mlp": what the family builds for images or for 2D points (``arch``: the run's --arch, where
    that names one of the two)."""
    if arch in ("conv", "mlp"):
        return arch
    if spec.arch == "auto":
        return "conv" if is_image else "mlp"
    return spec.arch


# The classic recipe most single-G families start from (pytorch/examples' DCGAN, the papers' Adam settings).
ADAM = {"lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "beta2": 0.999, "batch_size": 64, "n_critic": 1, "z_dim": 100}
