"""One generator against one discriminator (or critic): GAN, DCGAN, cGAN, InfoGAN, WGAN(-GP), LSGAN, hinge.

The families differ in their loss (``trainers.losses``), how many critic updates precede a G update
(``n_critic``), a Lipschitz device (weight clipping, gradient penalty, spectral norm in the nets), class
conditioning (in the nets) and InfoGAN's mutual-information term. All of that is configuration here.
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn

from .. import distributed as ddp
from ..config import TrainConfig
from ..data import ArrayData, BatchSampler
from ..losses import LOSSES, gradient_penalty, info_loss
from ..models import MODELS, arch_for, build_networks
from ..runtime import Speed

Stats = dict[str, torch.Tensor]
GRAPH_WARMUP_STEPS = 3  # eager steps before the capture


class Critic(nn.Module):
    """D and (InfoGAN) Q as one module: the unit DistributedDataParallel wraps and torch.compile compiles.

    ``forward(x, y, with_q)`` → (score, Q's categorical logits, Q's continuous means); Q runs on D's features
    only when asked (on fakes), as in InfoGAN.
    """

    def __init__(self, D: nn.Module, Q: nn.Module | None):
        super().__init__()
        self.D, self.Q = D, Q

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, with_q: bool = False):
        h = self.D.features(x, y)
        score = self.D.score(h, y)
        if with_q and self.Q is not None:
            logits, cont = self.Q(h)
            return score, logits, cont
        return score, None, None


class AdversarialGAN:
    def __init__(self, cfg: TrainConfig, nets: dict[str, nn.Module], device: torch.device, class_names=(),
                 dist: ddp.DistInfo | None = None, speed: Speed | None = None):
        spec = MODELS[cfg.model]
        self.cfg, self.spec, self.device, self.dist = cfg, spec, device, dist
        self.speed = speed or Speed()
        self.class_names = tuple(class_names)
        if dist is not None:
            nets = {k: ddp.sync_batchnorm(v, dist) for k, v in nets.items()}
        fmt = self.speed.memory_format
        self.G = nets["G"].to(device, memory_format=fmt)
        self.D = nets["D"].to(device, memory_format=fmt)
        self.Q = nets["Q"].to(device) if "Q" in nets else None
        self.critic = Critic(self.D, self.Q)
        self.layout = self.G.layout
        loss_key = "bce-minimax" if spec.loss == "bce" and cfg.g_loss == "minimax" else spec.loss
        self.loss = LOSSES[loss_key]
        d_params = list(self.D.parameters()) + (list(self.Q.parameters()) if self.Q is not None else [])
        opt_kw = self.speed.optimizer_options(device, spec.optimizer)
        if spec.optimizer == "rmsprop":
            self.opt_g = torch.optim.RMSprop(self.G.parameters(), lr=cfg.lr_g, **opt_kw)
            self.opt_d = torch.optim.RMSprop(d_params, lr=cfg.lr_d, **opt_kw)
        else:
            self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2), **opt_kw)
            self.opt_d = torch.optim.Adam(d_params, lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2), **opt_kw)
        self.noise = torch.Generator(device=device).manual_seed(cfg.seed + 1)
        # what the training step calls: DDP wrappers (gradients averaged over ranks), compiled when asked;
        # the plain modules above are what checkpoints, rendering and single D/G updates use
        self._g_train: nn.Module = ddp.wrap(self.G, dist)
        self._c_train: nn.Module = ddp.wrap(self.critic, dist)
        self._c_frozen: nn.Module = self.critic  # D in G's update: frozen, so no gradient to average
        self.speed_note: str | None = None  # a fallback to say once (the loop emits it as a warning)
        if self.speed.graph and dist is not None:  # Speed.choose(distributed=True) leaves it off already
            self.speed = self.speed.without_graph()
        self._graph: StepGraph | None = None
        self._graph_warmup = GRAPH_WARMUP_STEPS
        if self.speed.compile:
            self._compile()

    def _compile(self) -> None:
        self._eager = (self._g_train, self._c_train, self._c_frozen)
        self._g_train = torch.compile(self._g_train)
        self._c_train = torch.compile(self._c_train)
        self._c_frozen = torch.compile(self._c_frozen)
        self._compiled_ok = False

    def _uncompile(self, exc: BaseException) -> None:
        self._g_train, self._c_train, self._c_frozen = self._eager
        self.speed = self.speed.without_compile()
        self.speed_note = (f"torch.compile failed ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                           "training goes on without it")

    def _ungraph(self, exc: BaseException) -> None:
        self._graph = None
        self.speed = self.speed.without_graph()
        self.speed_note = (f"CUDA graph capture failed ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                           "training goes on without it")

    def forget_graph(self) -> None:
        """Weights and optimizer state were replaced (a checkpoint reloaded): capture again at the next step."""
        self._graph = None

    def _autocast(self):
        dtype = self.speed.amp_dtype
        if dtype is None:
            return contextlib.nullcontext()
        # a captured graph must not hold autocast's cast-weight cache (its casts would be stale on replay)
        return torch.autocast(self.device.type, dtype=dtype, cache_enabled=not self.speed.graph)

    # -- what the loop and checkpoints see ---------------------------------------------------------------
    @property
    def modules(self) -> dict[str, nn.Module]:
        mods = {"G": self.G, "D": self.D}
        if self.Q is not None:
            mods["Q"] = self.Q
        return mods

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"G": self.opt_g, "D": self.opt_d}

    def rng_state(self) -> dict[str, torch.Tensor]:
        return {"noise": self.noise.get_state()}

    def load_rng_state(self, tensors: dict[str, torch.Tensor]) -> None:
        self.noise.set_state(tensors["noise"])

    def describe(self) -> dict:
        lay = self.layout
        return {
            "family": self.spec.name,
            "title": self.spec.title,
            "z_dim": lay.z_dim,
            "classes": list(self.class_names) if lay.num_classes else [],
            "codes": lay.code_names(),
            "loss": self.loss.name,
        }

    # -- one iteration -----------------------------------------------------------------------------------
    def train_step(self, sampler: BatchSampler) -> Stats:
        """n_critic D updates on fresh real batches, then one G update on the last D update's fakes.

        G runs once per iteration: its output on the last critic batch is what D learns to reject (detached)
        and then, through the updated D, what G learns from (as pytorch/examples' DCGAN does).
        """
        batches = [sampler.next() for _ in range(self.cfg.n_critic)]
        latents = [self._latent_for(real.shape[0], labels) for real, labels in batches]
        if self.speed.graph:
            return self._graphed_step(batches, latents)
        return self._eager_step(batches, latents)

    def _eager_step(self, batches, latents) -> Stats:
        if self.speed.compile and not self._compiled_ok:
            try:
                stats = self._iteration(batches, latents)
            except Exception as exc:  # noqa: BLE001 - any compiler failure: fall back to eager, say so once
                self._uncompile(exc)
                return self._iteration(batches, latents)
            self._compiled_ok = True
            return stats
        return self._iteration(batches, latents)

    def _graphed_step(self, batches, latents) -> Stats:
        """The first steps run eagerly on a side stream (optimizer state, cuDNN plans, compilation); then the
        iteration is captured once and every later step is: copy the batch and noise in, replay."""
        if self._graph is not None:
            return self._graph.run(batches, latents)
        if self._graph_warmup > 0:
            self._graph_warmup -= 1
            side = torch.cuda.Stream(self.device)
            side.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(side):
                stats = self._eager_step(batches, latents)
            torch.cuda.current_stream(self.device).wait_stream(side)
            return stats
        try:
            self._graph = StepGraph(self, batches, latents)
        except Exception as exc:  # noqa: BLE001 - a capture that breaks costs one warning, not the run
            self._ungraph(exc)
            return self._eager_step(batches, latents)
        return self._graph.run(batches, latents)

    def _iteration(self, batches: list[tuple[torch.Tensor, torch.Tensor | None]],
                   latents: list[dict[str, torch.Tensor]]) -> Stats:
        """One iteration on given real batches and latents (what a CUDA graph captures)."""
        n_critic = len(batches)
        for k, ((real, labels), latent) in enumerate(zip(batches, latents)):
            if k < n_critic - 1:
                with torch.no_grad(), self._autocast():
                    fake = self.G.generate(latent)
                stats = self._d_update(real, labels, latent, fake)
            else:
                with self._autocast():
                    fake = self._g_train(latent["z"], latent.get("label"), latent.get("cat"), latent.get("cont"))
                stats = self._d_update(real, labels, latent, fake.detach())
        stats.update(self._g_update(latent, fake))
        return stats

    def d_step(self, real: torch.Tensor, labels: torch.Tensor | None) -> Stats:
        """One D update on its own (the app's "step D" while paused): fresh fakes, no G update."""
        latent = self._latent_for(real.shape[0], labels)
        with torch.no_grad(), self._autocast():
            fake = self.G.generate(latent)
        return self._d_update(real, labels, latent, fake)

    def g_step(self, n: int) -> Stats:
        """One G update on its own (the app's "step G" while paused)."""
        latent = self._latent_for(n, None)
        with self._autocast():
            fake = self._g_train(latent["z"], latent.get("label"), latent.get("cat"), latent.get("cont"))
        return self._g_update(latent, fake)

    def _d_update(self, real: torch.Tensor, labels: torch.Tensor | None, latent: dict[str, torch.Tensor],
                  fake: torch.Tensor) -> Stats:
        """(1) Update D: minimise L_D(D(x), D(G(z))) [+ λ·GP] [+ λ_I·L_I on the fakes]; ``fake`` is detached."""
        y = latent.get("label")
        if real.dim() == 4:
            real = real.contiguous(memory_format=self.speed.memory_format)
        with self._autocast():
            r, _, _ = self._c_train(real, y)
            f, cat_logits, cont_mean = self._c_train(fake, y, self.Q is not None)
        r, f = r.float(), f.float()
        loss = self.loss.d_loss(r, f)
        stats: Stats = {}
        if self.cfg.gp_weight > 0:  # double backward: eager and in full precision, on the plain module
            eps = self._uniform((real.shape[0],) + (1,) * (real.dim() - 1))
            gp = gradient_penalty(lambda x: self.critic(x, y)[0], real, fake.float(), eps=eps)
            loss = loss + self.cfg.gp_weight * gp
            stats["gp"] = gp.detach()
        if self.Q is not None:
            li = self._info(cat_logits, cont_mean, latent)
            loss = loss + self.cfg.info_weight * li
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        if self.cfg.clip > 0:
            with torch.no_grad():
                torch._foreach_clamp_min_(list(self.D.parameters()), -self.cfg.clip)
                torch._foreach_clamp_max_(list(self.D.parameters()), self.cfg.clip)
        r, f = r.detach(), f.detach()
        stats["loss_d"] = loss.detach()
        if self.loss.probabilistic:
            stats["d_real"], stats["d_fake"] = torch.sigmoid(r).mean(), torch.sigmoid(f).mean()
            stats["d_acc"] = ((r > 0).float().mean() + (f < 0).float().mean()) / 2
        else:
            stats["d_real"], stats["d_fake"] = r.mean(), f.mean()
        if self.loss.wasserstein:
            stats["wdist"] = r.mean() - f.mean()
        return stats

    def _g_update(self, latent: dict[str, torch.Tensor], fake: torch.Tensor) -> Stats:
        """(2) Update G: minimise L_G(D(G(z))) [+ λ_I·L_I], D and Q frozen."""
        self._freeze_d(True)
        try:
            y = latent.get("label")
            with self._autocast():
                f, cat_logits, cont_mean = self._c_frozen(fake, y, self.Q is not None)
            loss = self.loss.g_loss(f.float())
            stats: Stats = {}
            if self.Q is not None:
                li = self._info(cat_logits, cont_mean, latent, stats)
                loss = loss + self.cfg.info_weight * li
                stats["loss_info"] = li.detach()
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
        finally:
            self._freeze_d(False)
        stats["loss_g"] = loss.detach()
        return stats

    def _latent_for(self, n: int, labels: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """This rank's share of a global latent batch (all of it in one process); fakes share the real labels."""
        world = self.dist.world if self.dist is not None else 1
        part = ddp.shard(n * world, self.dist)
        latent = {k: v[part] for k, v in self.sample_latent(n * world).items()}
        if self.layout.num_classes and labels is not None:
            latent["label"] = labels  # fakes of the same classes as the real batch
        return latent

    def _uniform(self, shape: tuple[int, ...]) -> torch.Tensor:
        """U[0, 1) for this rank's share of a global batch, from the run's noise generator."""
        world = self.dist.world if self.dist is not None else 1
        full = torch.rand((shape[0] * world,) + shape[1:], device=self.device, generator=self.noise)
        return full[ddp.shard(shape[0] * world, self.dist)]

    # -- sampling ------------------------------------------------------------------------------------------
    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        return self.layout.sample(n, generator or self.noise, self.device)

    def grid_latent(self, n: int, seed: int) -> tuple[dict[str, torch.Tensor], int]:
        """A fixed latent for sample grids and the images-per-row to show it with.

        Conditional models: each column is one class. InfoGAN: each column one value of the categorical code.
        """
        g = torch.Generator(device=self.device).manual_seed(seed)
        k = self.layout.num_classes or (self.layout.cat_dims[0] if self.layout.cat_dims else 0)
        if k:
            rows = max(1, n // k)
            latent = self.sample_latent(rows * k, g)
            col = torch.arange(rows * k, device=self.device) % k
            if self.layout.num_classes:
                latent["label"] = col
            else:
                latent["cat"][:, 0] = col
            return latent, k
        return self.sample_latent(n, g), max(1, int(round(n ** 0.5)))

    @torch.no_grad()
    def render(self, latent: dict[str, torch.Tensor], batch: int = 256) -> torch.Tensor:
        """G's output in eval mode (BatchNorm running statistics), on CPU."""
        was = self.G.training
        self.G.eval()
        try:
            n = latent["z"].shape[0]
            outs = [self.G.generate({k: v[s:s + batch] for k, v in latent.items()}).float().cpu()
                    for s in range(0, n, batch)]
        finally:
            self.G.train(was)
        return torch.cat(outs)

    # -- internals -----------------------------------------------------------------------------------------
    def _info(self, cat_logits: list[torch.Tensor] | None, cont_mean: torch.Tensor | None,
              latent: dict[str, torch.Tensor], stats: Stats | None = None) -> torch.Tensor:
        cat_logits = [c.float() for c in cat_logits or []]
        cont_mean = cont_mean.float() if cont_mean is not None else None
        if stats is not None and cat_logits:
            stats["info_acc"] = (cat_logits[0].argmax(1) == latent["cat"][:, 0]).float().mean().detach()
        return info_loss(cat_logits, latent.get("cat"), cont_mean, latent.get("cont"), self.cfg.cont_weight)

    def _freeze_d(self, frozen: bool) -> None:
        for m in (self.D, self.Q):
            if m is not None:
                m.requires_grad_(not frozen)


class StepGraph:
    """One training iteration captured as a CUDA graph, with the buffers it reads its batch and noise from.

    Everything the iteration does on the GPU (G and D forward and backward, the losses, both fused optimizer
    steps, WGAN's clipping, the stats) is recorded once and replayed; per step the host only copies the new
    real batch and latent into the static buffers, replays, and copies the stats out. Draws stay outside the
    graph (the sampler and the run's noise generator), so a graphed run consumes randomness exactly as an
    eager one and checkpoints resume either way. Parameters and optimizer state must keep their storage:
    reloading a checkpoint calls ``forget_graph``.
    """

    def __init__(self, algo: AdversarialGAN, batches, latents):
        self.reals = [real.clone() for real, _ in batches]
        # labels reach the nets through the latent (the fakes take the real batch's labels): one buffer each
        self.latents = [{name: v.clone() for name, v in latent.items()} for latent in latents]
        self.labels = [lat.get("label") for lat in self.latents]
        torch.cuda.synchronize(algo.device)
        self.graph = torch.cuda.CUDAGraph()
        # thread-local: the app's evaluation thread may use the GPU while this thread captures
        with torch.cuda.graph(self.graph, capture_error_mode="thread_local"):
            stats = algo._iteration(list(zip(self.reals, self.labels)), self.latents)
            self.keys = list(stats)
            self.packed = torch.stack([stats[k].float() for k in self.keys])

    def run(self, batches, latents) -> Stats:
        for k, ((real, _), latent) in enumerate(zip(batches, latents)):
            self.reals[k].copy_(real)
            for name, v in latent.items():
                self.latents[k][name].copy_(v)
        self.graph.replay()
        return dict(zip(self.keys, self.packed.clone().unbind()))


def build_algorithm(cfg: TrainConfig, data: ArrayData, device: torch.device, dist: ddp.DistInfo | None = None
                    ) -> AdversarialGAN:
    """Networks for the resolved ``cfg`` on ``data``'s sample shape, wrapped in the training algorithm."""
    spec = MODELS[cfg.model]
    nets = build_networks(spec, sample_shape=data.sample_shape, num_classes=data.num_classes, z_dim=cfg.z_dim,
                          width=cfg.width, cat_codes=cfg.cat_codes, cont_codes=cfg.cont_codes)
    speed = Speed.choose(cfg, device, conv=arch_for(spec, data.is_image) == "conv", distributed=dist is not None)
    return AdversarialGAN(cfg, nets, device, data.class_names, dist, speed)
