"""The interface between the training loop and a family's algorithm, and the registry of algorithms.

The loop (``trainers/loop.py``) knows only ``Algorithm``: it draws ``batches`` from the family's sampler,
calls ``train_step(batches, step)`` and averages the stats it returns, steps single ``players`` by hand while
paused, renders sample grids with ``render``, evaluates ``sampling_generator()``, and checkpoints ``modules``
and ``optimizers`` (plus ``rng_state``). ``AlgorithmBase`` supplies the parts every algorithm shares: the
speed runner, the noise generator, the EMA copy of a generator, rendering and sample-grid latents.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from .. import augment
from .. import distributed as ddp
from ..ema import EMA
from ..inputs import InputSpec
from ..runtime import Speed
from .runner import StepRunner

Stats = dict[str, torch.Tensor]
Batches = dict[str, torch.Tensor]


@runtime_checkable
class Algorithm(Protocol):
    """What a training algorithm offers the loop, the checkpoints and the app."""

    inputs: InputSpec  # what its generator takes (trainers/inputs.py)
    players: tuple[str, ...]  # updates a user can step by hand while paused ("D", "G", ...)
    step_player: str  # the player whose manual update counts as one training step
    batches_per_step: int  # sampler draws concatenated into one step's batches (n_critic for WGAN)

    @property
    def modules(self) -> dict[str, nn.Module]: ...  # everything a checkpoint holds, by name

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]: ...

    @property
    def images_per_step(self) -> int: ...  # real samples one step consumes (for img/s)

    def train_step(self, batches: Batches, step: int) -> Stats: ...  # one full iteration → 0-dim tensors

    def manual_step(self, player: str, batches: Batches) -> Stats: ...  # one update of one player

    def sampling_generator(self) -> nn.Module: ...  # what rendering and evaluation use (the EMA copy if kept)

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]: ...

    def grid_latent(self, n: int, seed: int) -> tuple[dict[str, torch.Tensor], int]: ...

    def render(self, latent: dict[str, torch.Tensor], batch: int = 256) -> torch.Tensor: ...

    def describe(self) -> dict: ...  # the checkpoint sidecar's "model" entry

    def rng_state(self) -> dict[str, torch.Tensor]: ...

    def load_rng_state(self, tensors: dict[str, torch.Tensor]) -> None: ...

    def forget_graph(self) -> None: ...  # weights were replaced under a captured CUDA graph


class AlgorithmBase:
    """Shared plumbing; a subclass sets ``self.G`` (the generator) and implements the step.

    A family whose generator translates inputs (an image, a sample of another domain) instead of drawing noise
    sets ``needs_reference``: the loop then hands ``use_reference`` a fixed batch for its sample grids."""

    players: tuple[str, ...] = ("D", "G")
    step_player: str = "G"
    batches_per_step: int = 1
    repeats_d: bool = False  # whether D is updated ``--n-critic`` times per G update (else once: the option is refused)
    needs_reference: bool = False

    def use_reference(self, batch: Batches) -> None:
        self.reference = batch

    def __init__(self, cfg, family, inputs: InputSpec, device: torch.device, class_names=(),
                 dist: ddp.DistInfo | None = None, speed: Speed | None = None):
        self.cfg, self.family, self.inputs, self.device, self.dist = cfg, family, inputs, device, dist
        self.class_names = tuple(class_names)
        self.runner = StepRunner(speed or Speed(), device, dist)
        self.noise = torch.Generator(device=device).manual_seed(cfg.seed + 1)
        self.ema: EMA | None = None
        # what D sees (``--augment``; the identity by default): algorithms that declare ``augments`` call it
        self.aug = augment.build(cfg, self.noise)

    # -- the speed runner's state, as the loop and tests read it -------------------------------------------
    @property
    def speed(self) -> Speed:
        return self.runner.speed

    @property
    def speed_note(self) -> str | None:
        return self.runner.note

    @speed_note.setter
    def speed_note(self, value: str | None) -> None:
        self.runner.note = value

    @property
    def _graph(self):
        return self.runner._graph

    def forget_graph(self) -> None:
        self.runner.forget_graph()

    def _autocast(self):
        return self.runner.autocast()

    # -- EMA of the generator (an engine feature: ``--ema DECAY``) --------------------------------------------
    def keep_ema(self, module: nn.Module, decay: float) -> None:
        """Keep θ_ema ← β·θ_ema + (1 − β)·θ of ``module`` after every step; ``sampling_generator`` returns it."""
        if decay > 0:
            self.ema = EMA(module, decay)

    def after_step(self, step: int) -> None:
        if self.ema is not None:
            self.ema.update(step if step >= 0 else None)

    def sampling_generator(self) -> nn.Module:
        return self.ema.module if self.ema is not None else self.G

    def ema_modules(self) -> dict[str, nn.Module]:
        return {"G_ema": self.ema.module} if self.ema is not None else {}

    # -- randomness ----------------------------------------------------------------------------------------
    def rng_state(self) -> dict[str, torch.Tensor]:
        return {"noise": self.noise.get_state(), **self.aug.state()}

    def load_rng_state(self, tensors: dict[str, torch.Tensor]) -> None:
        self.noise.set_state(tensors["noise"])
        self.aug.load(tensors)

    @property
    def layout(self) -> InputSpec:  # the name earlier code uses
        return self.inputs

    # -- sampling ------------------------------------------------------------------------------------------
    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        return self.inputs.sample(n, generator or self.noise, self.device)

    def grid_latent(self, n: int, seed: int) -> tuple[dict[str, torch.Tensor], int]:
        """A fixed latent for sample grids and the images-per-row to show it with.

        With a class or categorical input, each column is one class (or one value of the first code).
        """
        g = torch.Generator(device=self.device).manual_seed(seed)
        k = self.inputs.num_classes or (self.inputs.cat_dims[0] if self.inputs.cat_dims else 0)
        if k:
            rows = max(1, n // k)
            latent = self.sample_latent(rows * k, g)
            col = torch.arange(rows * k, device=self.device) % k
            if self.inputs.num_classes:
                latent["label"] = col
            else:
                latent[self.inputs.of_kind("categorical")[0].name][:, 0] = col
            return latent, k
        return self.sample_latent(n, g), max(1, int(round(n ** 0.5)))

    @torch.no_grad()
    def render(self, latent: dict[str, torch.Tensor], batch: int = 256) -> torch.Tensor:
        """The sampling generator's output in eval mode (BatchNorm running statistics), on CPU."""
        G = self.sampling_generator()
        was = G.training
        G.eval()
        try:
            n = next(iter(latent.values())).shape[0]
            outs = [G.generate({k: v[s:s + batch] for k, v in latent.items()}).float().cpu()
                    for s in range(0, n, batch)]
        finally:
            G.train(was)
        return torch.cat(outs)

    def grid(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        """The images of a sample grid for ``latent`` (a translating family adds its inputs and targets)."""
        return self.render(latent)

    def frozen_generator(self) -> nn.Module:
        """A detached copy of the sampling generator for a background evaluation."""
        return copy.deepcopy(self.sampling_generator()).eval().requires_grad_(False)


class GDAlgorithm(AlgorithmBase):
    """The plumbing of an algorithm with one optimizer for its generator(s) (``opt_g``) and one for its
    discriminator(s) (``opt_d``), and networks named in ``module_names`` (Pix2Pix, CycleGAN, CoGAN, UNIT): what
    checkpoints hold, what a step consumes, and the description every checkpoint carries."""

    module_names: tuple[str, ...] = ("G", "D")
    domains = 1  # real batches per step: two for the two-domain families
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer

    def adam(self, params, lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
        """Adam with the config's betas and the speed runner's options (fused on CUDA, ...)."""
        return torch.optim.Adam(list(params), lr=lr, betas=(self.cfg.beta1, self.cfg.beta2), weight_decay=weight_decay,
                                **self.runner.optimizer_options("adam"))

    @property
    def modules(self) -> dict[str, nn.Module]:
        return {**{name: getattr(self, name) for name in self.module_names}, **self.ema_modules()}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"G": self.opt_g, "D": self.opt_d}

    @property
    def images_per_step(self) -> int:
        return self.domains * self.cfg.batch_size

    def describe(self) -> dict:
        lay = self.inputs
        return {"family": self.family.name, "title": self.family.title, "z_dim": lay.z_dim, "classes": [],
                "codes": [], "inputs": lay.describe(), "loss": self.family.loss, "task": self.cfg.data,
                **({"task_b": self.cfg.data_b} if self.cfg.data_b else {}), **self.describe_more(),
                **({"ema": self.cfg.ema} if self.ema is not None else {})}

    def describe_more(self) -> dict:
        """What the family adds to its description (its loss weights, ...)."""
        return {}

    @staticmethod
    @contextlib.contextmanager
    def frozen(*modules: nn.Module):
        """The modules take no gradient inside the block (the Ds during G's update)."""
        for m in modules:
            m.requires_grad_(False)
        try:
            yield
        finally:
            for m in modules:
                m.requires_grad_(True)

    @staticmethod
    def update(opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
        """One optimizer step on ``loss``."""
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


def build_algorithm(cfg, data, device: torch.device, dist: ddp.DistInfo | None = None):
    """The family's networks for the resolved ``cfg`` on ``data``'s sample shape, in its training algorithm."""
    from ..registry import FAMILIES, arch_for, family_networks

    family = FAMILIES[cfg.model]
    nets, inputs = family_networks(family, cfg, data.sample_shape, data.class_names)
    speed = Speed.choose(cfg, device, conv=data.is_image and arch_for(family, data.is_image, cfg.arch) == "conv",
                         distributed=dist is not None)
    algo = family.algorithm_class(cfg, family, nets, inputs, device, data.class_names, dist, speed)
    if hasattr(algo, "prepare"):  # an algorithm that needs the training set itself (SRGAN: its content network)
        algo.prepare(data)
    return algo
