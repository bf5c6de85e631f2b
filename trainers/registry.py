"""The family registry, at the bottom of the engine (it imports no family, algorithm or config): what ``ganstudio
list``, the CLI, the New Run dialog and the trainer know of a family. ``trainers/models/__init__.py`` is the
composition root that imports every family file, each of which registers itself here.

A family is declared once, in its own file, with ``register(Family(...))``:

- ``algorithm``: how it trains — an ``Algorithm`` class (see ``trainers/algos/base.py``), or the name one registered
  under in ``ALGORITHMS`` ("adversarial": one G against one D);
- ``networks(cfg, sample_shape, inputs)`` → the named modules ("G", "D", ...) for a resolved config;
- ``inputs(cfg, class_names)`` → the generator-input descriptor (``trainers.inputs.InputSpec``);
- ``batches``: what each training step is fed (a kind of ``trainers.data.samplers.SAMPLERS``), or a
  ``sampler(cfg, load, device, dist)`` of its own;
- ``variants``: other network designs a user can pick with ``--arch`` (InfoGAN: the paper's nets or DCGAN's);
- ``defaults``: its published recipe (fields of ``TrainConfig``); ``recipes``: a recipe tuned on one dataset, on top
  of ``defaults`` (DCGAN on ``digits``: Quick start's); ``players``: the updates a user may step by hand while paused
  (the one named ``step_player`` counts as a training step); ``stats``: what it reports;
- ``data`` / ``data_b``: what it trains on when no dataset is named (and its second domain);
- ``capabilities``: what the explorer, evaluation and the app may ask of it ("classes", "codes", "styles", ...:
  ``Family.can``, ``CAPABILITIES``); the ones its batches and options imply are added by themselves;
- ``probes``: the functions its explorer tool and scorer call (SAGAN's attention maps, CycleGAN's way back);
- ``fields``: its own TrainConfig settings with their labels (New Run's row for it; refused for other families).

The command line and the New Run dialog both settle a run through the family (``recipe_for``, ``size_for``,
``fit_data``), so ``ganstudio train --model X`` and New Run with X chosen build the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

CONV_SIZES = (28, 32, 64)
MLP_SIZES = range(8, 65)

FAMILIES: dict[str, "Family"] = {}
ALGORITHMS: dict[str, type] = {}  # name → Algorithm class, filled by the algorithm modules (trainers/algos/)


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    algorithm: Any  # an Algorithm class, or its name in ALGORITHMS
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
    settle: Callable | None = None  # (config) fills what follows from its other settings, before validation
    # network variants chosen with --arch (default: ``defaults["arch"]``); ``legacy_arch`` is what a stored
    # config written before the family had variants was built with
    variants: dict = field(default_factory=dict)
    legacy_arch: str | None = None
    points_arch: str | None = None  # the variant 2D points get when --arch is not given (cgan: its MLPs)
    sampler: Callable | None = None  # (cfg, load, device, dist) -> a sampler, instead of ``batches``
    data: str = "digits"  # the dataset it trains on when none is named
    data_b: str | None = None  # its second domain when none is named (two-domain families)
    recipes: dict = field(default_factory=dict)  # dataset name → recipe tuned there, on top of ``defaults``
    capabilities: frozenset = frozenset()  # declared; ``can()`` adds the ones batches and options imply
    probes: dict = field(default_factory=dict)  # name → callable its tool and scorer use ("way_back": gen → B → A)
    fields: dict = field(default_factory=dict)  # its own TrainConfig fields → their labels (New Run's row for it)

    # -- what the front doors ask -------------------------------------------------------------------------
    def recipe_for(self, data: str | None, info=None) -> dict:
        """The recipe for ``data``: ``defaults`` with what was tuned on that dataset on top; a dataset with no recipe
        of its own (a folder) takes the one tuned on data of its look, when ``info`` (its ``DatasetInfo``) says it
        has one (``look``: "small-grey" for grey images of 32 px or less)."""
        own = self.recipes.get(data or self.data)
        if own is None and info is not None:
            own = self.recipes.get(look(info))
        return {**self.defaults, **(own or {})}

    def can(self, capability: str) -> bool:
        """Whether the family has ``capability`` (``CAPABILITIES`` lists the known ones)."""
        return capability in self.all_capabilities

    @property
    def all_capabilities(self) -> frozenset:
        implied = {"classes": self.batches == "labelled", "codes": self.info, "paired": self.batches == "pairs",
                   "two-domains": self.batches == "unpaired", "superres": bool(self.options.get("superres")),
                   "translation": bool(self.options.get("translation")),
                   "attention": bool(self.options.get("attention")), "points": "points" in self.data_kinds,
                   "truncation": "truncation" in self.options, "repeats-d": self.repeats_d,
                   "augment": bool(getattr(self.algorithm_class, "augments", False))}
        return frozenset(self.capabilities) | {k for k, v in implied.items() if v}

    def size_for(self, data: str | None, info=None) -> int | None:
        """The image side it makes for ``data``: the data's own when it can make that, else the smallest side it
        makes above it (else its largest); for a folder (``info``: its ``DatasetInfo`` from the survey) the nearest
        side to the images' own. None for 2D sets and for a folder not surveyed."""
        from .catalog import DATASETS

        named = DATASETS.get(data or "")
        info = named or info
        if info is None or info.kind != "image":
            return None
        sizes = self.image_sizes
        if info.size in sizes:
            return info.size
        if named is None:  # a folder: the nearest side (the larger one on a tie)
            return min(sizes, key=lambda s: (abs(s - info.size), -s))
        return min((s for s in sizes if s >= info.size), default=max(sizes))

    def fit_data(self, data: str | None, data_b: str | None = None) -> "DataSwitch | None":
        """The data to train on instead when this family cannot learn from ``data`` (and ``data_b``); None when
        they work. A name it cannot use becomes its own ``data`` (pairs for Pix2Pix, two domains for CycleGAN, a set
        of single images for SRGAN); a folder of images is left alone where the family can read folders."""
        import os

        from .catalog import DATASETS

        info = DATASETS.get(data or "")
        folder = bool(data) and info is None and os.path.isdir(os.path.expanduser(data))
        if self.batches == "pairs" and not (info and info.paired):
            return DataSwitch(self.data, None, f"{self.name} learns from image pairs")
        if self.can("superres") and info is not None and (info.kind != "image" or info.paired):
            return DataSwitch(self.data, None, f"{self.name} upscales single images")
        if "points" not in self.data_kinds and info is not None and info.kind != "image":
            return DataSwitch(self.data, None, f"{self.name} makes images")
        if self.batches != "unpaired":
            return None
        from .data.domains import DOMAINS

        if data not in DOMAINS and not folder:
            return DataSwitch(self.data, self.data_b, f"{self.name} learns between two domains")
        if data_b is None or data_b == data:
            other = self.data_b if self.data_b != data else next(d for d in DOMAINS if d != data)
            return DataSwitch(data, other, f"{self.name} needs one other than the Dataset")
        return None

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
        """The class that trains this family (``algorithm`` names one in ``ALGORITHMS`` or is one)."""
        return ALGORITHMS[self.algorithm] if isinstance(self.algorithm, str) else self.algorithm

    @property
    def repeats_d(self) -> bool:
        """Whether the family's algorithm updates D ``--n-critic`` times per G update (the others update it once)."""
        return bool(getattr(self.algorithm_class, "repeats_d", False))


LOOKS = ("small-grey",)  # the looks of data a recipe may be tuned on (``look``)


def look(info) -> str | None:
    """What kind of data a ``DatasetInfo`` describes, for recipes tuned on a look rather than one dataset."""
    if info.kind == "image" and info.channels == 1 and info.size <= 32:
        return "small-grey"
    return None


@dataclass(frozen=True)
class DataSwitch:
    """What to train on instead (``data_b`` None: leave the second domain as it is) and why."""

    data: str
    data_b: str | None
    reason: str


CAPABILITIES = {
    "classes": "draws the class it is asked for (labelled batches)",
    "codes": "latent codes learned to mean something (InfoGAN)",
    "paired": "learns from image pairs: input → target",
    "two-domains": "learns between two unpaired domains",
    "translation": "turns an input image into another",
    "way-back": "translates back as well (B → A)",
    "shared-code": "encodes both domains into one latent code",
    "pair-samples": "each z draws a corresponding pair of images",
    "superres": "upscales images",
    "attention": "self-attention layers whose maps can be shown",
    "growth": "grows its resolution while training",
    "styles": "per-layer styles from a mapping network (W space)",
    "text": "can be driven by words (a text model trained on it)",
    "truncation": "a truncation trick of its own",
    "z-chunks": "a hierarchical z: one chunk per generator block, and classes (BigGAN)",
    "swd": "scored with the sliced Wasserstein distance at each scale",
    "points": "learns 2D point sets as well as images",
    "repeats-d": "updates D several times per G update",
    "augment": "can augment what D sees (--augment diffaugment or ada) for small sets",
}
"""What a family can declare it can do (``Family.capabilities``), with what each means to the rest of the project."""


def capabilities_of(family: str | None) -> frozenset:
    """What a family can do, by its name in a checkpoint (nothing for one this version does not know)."""
    spec = FAMILIES.get(family) if isinstance(family, str) else None
    return spec.all_capabilities if spec is not None else frozenset()


def probe_of(family: str | None, name: str) -> Callable | None:
    """A family's probe ``name`` (``Family.probes``: what its explorer tool and scorer call), None without one."""
    spec = FAMILIES.get(family) if isinstance(family, str) else None
    return spec.probes.get(name) if spec is not None else None


def family_networks(family: Family, cfg, sample_shape: tuple[int, ...], class_names=()) -> tuple[dict, Any]:
    """A family's networks and generator-input descriptor for a resolved config and a sample shape."""
    inputs = family.inputs(cfg, tuple(class_names))
    build = family.variants.get(getattr(cfg, "arch", None), family.networks)
    return build(cfg, tuple(sample_shape), inputs), inputs


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
