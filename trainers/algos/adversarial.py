"""One generator against one discriminator (or critic): GAN, DCGAN, cGAN, InfoGAN, WGAN(-GP), LSGAN, hinge.

The families differ in their loss (``trainers.losses``), how many critic updates precede a G update
(``n_critic``), a Lipschitz device (weight clipping, gradient penalty, spectral norm in the nets), class
conditioning (in the nets) and InfoGAN's mutual-information term. All of that is configuration here; how the
step runs (DDP, compile, CUDA graph, autocast) is the runner's business (``runner.py``).

One iteration, as pytorch/examples' DCGAN does it:

    (1) Update D: minimise L_D(D(x), D(G(z))) [+ λ·GP] [+ λ_I·L_I]   — n_critic times, a fresh real batch each
    (2) Update G: minimise L_G(D(G(z))) [+ λ_I·L_I]                   — on the last critic step's fakes
"""

from __future__ import annotations

import torch
from torch import nn

from .. import distributed as ddp
from .. import remedies
from ..losses import LOSSES, gradient_penalty, info_loss
from ..registry import ALGORITHMS
from .base import AlgorithmBase, Batches, Stats

LATENT = "g/"  # prefix of the noise entries in a step's input dict


class Critic(nn.Module):
    """D and (InfoGAN) Q as one module: the unit DistributedDataParallel wraps and torch.compile compiles.

    ``forward(x, y, with_q)`` → (score, Q's categorical logits, Q's continuous means); Q runs on D's features
    only when asked (on fakes), as in InfoGAN.
    """

    def __init__(self, D: nn.Module, Q: nn.Module | None, augment=None, pack: int = 1):
        super().__init__()
        self.D, self.Q = D, Q
        self.augment = augment  # what D sees of every batch (``trainers/augment.py``), reals and fakes alike
        self.pack = pack  # PacGAN: D judges ``pack`` samples at once (``trainers/remedies.py``)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, with_q: bool = False):
        if self.augment is not None:
            x = self.augment(x)
        h = self.D.features(remedies.packed(x, self.pack), y)
        score = self.D.score(h, y)
        if with_q and self.Q is not None:
            logits, cont = self.Q(h)
            return score, logits, cont
        return score, None, None


class AdversarialGAN(AlgorithmBase):
    players = ("D", "G")
    step_player = "G"
    repeats_d = True
    augments = True
    remedies = True  # takes --pack, --mbstd, --mbdisc, --r1, --r2, --loss, --feature-matching (``remedies.py``)
    penalty_scale = 1.0  # a factor on γ of --r1/--r2, set before each step by --lr-decay anneal (``schedule.Anneal``)

    def __init__(self, cfg, family, nets: dict[str, nn.Module], inputs, device: torch.device, class_names=(),
                 dist: ddp.DistInfo | None = None, speed=None):
        super().__init__(cfg, family, inputs, device, class_names, dist, speed and remedies.eager(speed, cfg))
        nets = remedies.apply(cfg, family, nets, class_names)  # --pack, --mbstd, --mbdisc: built into D
        run = self.runner
        self.G = run.prepare(nets["G"])
        self.D = run.prepare(nets["D"])
        self.Q = run.prepare(nets["Q"], channels_last=False) if "Q" in nets else None
        self.critic = Critic(self.D, self.Q, self.aug, remedies.pack_of(cfg))
        self.batches_per_step = cfg.n_critic
        loss = remedies.loss_of(cfg, family)  # the family's, or --loss
        loss_key = "bce-minimax" if loss == "bce" and cfg.g_loss == "minimax" else loss
        self.loss = LOSSES[loss_key]
        d_params = list(self.D.parameters()) + (list(self.Q.parameters()) if self.Q is not None else [])
        if self.Q is not None and cfg.lr_q != cfg.lr_d:  # InfoGAN's Q at its own rate (G's by default)
            d_params = [{"params": list(self.D.parameters())},
                        {"params": list(self.Q.parameters()), "lr": cfg.lr_q}]
        opt_kw = run.optimizer_options(family.optimizer)
        if family.optimizer == "rmsprop":
            self.opt_g = torch.optim.RMSprop(self.G.parameters(), lr=cfg.lr_g, **opt_kw)
            self.opt_d = torch.optim.RMSprop(d_params, lr=cfg.lr_d, **opt_kw)
        else:
            self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2), **opt_kw)
            self.opt_d = torch.optim.Adam(d_params, lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2), **opt_kw)
        # what the step calls: DDP wrappers (gradients averaged over ranks), compiled when asked; the plain
        # modules above are what checkpoints, rendering and the gradient penalty use
        self._g_train = run.wrap(self.G)
        self._c_train = run.wrap(self.critic)
        self._c_frozen = run.wrap(self.critic, distributed=False)  # D in G's update: frozen, nothing to average
        self.keep_ema(self.G, cfg.ema)

    # -- what the loop and checkpoints see ---------------------------------------------------------------
    @property
    def modules(self) -> dict[str, nn.Module]:
        mods = {"G": self.G, "D": self.D}
        if self.Q is not None:
            mods["Q"] = self.Q
        return {**mods, **self.ema_modules()}

    @property
    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"G": self.opt_g, "D": self.opt_d}

    @property
    def images_per_step(self) -> int:
        return self.cfg.batch_size * self.cfg.n_critic

    def describe(self) -> dict:
        lay = self.inputs
        return {
            "family": self.family.name,
            "title": self.family.title,
            "z_dim": lay.z_dim,
            "classes": list(self.class_names) if lay.num_classes else [],
            "codes": lay.code_names(),
            "inputs": lay.describe(),
            "loss": self.loss.name,
            **({"ema": self.cfg.ema} if self.ema is not None else {}),
            # how the explorer truncates z: "normal" (BigGAN: truncated to ±ψ); absent: ψ·z
            **({"truncation": self.family.options["truncation"]} if "truncation" in self.family.options else {}),
        }

    # -- one iteration -----------------------------------------------------------------------------------
    def train_step(self, batches: Batches, step: int) -> Stats:
        """n_critic D updates on fresh real batches (``batches`` holds them one after another), then one G
        update on the last D update's fakes.

        G runs once per iteration: its output on the last critic batch is what D learns to reject (detached)
        and then, through the updated D, what G learns from (as pytorch/examples' DCGAN does).
        """
        k = self.cfg.n_critic
        reals = batches["x"].chunk(k)
        labels = batches["label"].chunk(k) if "label" in batches else [None] * k
        latents = [self._latent_for(real.shape[0], y) for real, y in zip(reals, labels)]
        inputs = {"x": batches["x"], **({"label": batches["label"]} if "label" in batches else {})}
        for name in latents[0]:
            inputs[LATENT + name] = torch.cat([lat[name] for lat in latents])
        stats = self.runner.run(self._iteration, inputs)
        self.after_step(step)
        return stats

    def _iteration(self, inputs: dict[str, torch.Tensor]) -> Stats:
        """One iteration on given real batches and latents (what a CUDA graph captures)."""
        k = self.cfg.n_critic
        reals = inputs["x"].chunk(k)
        labels = inputs["label"].chunk(k) if "label" in inputs else [None] * k
        names = [key[len(LATENT):] for key in inputs if key.startswith(LATENT)]
        parts = [inputs[LATENT + name].chunk(k) for name in names]
        for i, (real, y) in enumerate(zip(reals, labels)):
            latent = {name: p[i] for name, p in zip(names, parts)}
            if i < k - 1:
                with torch.no_grad(), self._autocast():
                    fake = self.G.generate(latent)
                stats = self._d_update(real, latent, fake)
            else:
                with self._autocast():
                    fake = self._g_train(**latent)
                stats = self._d_update(real, latent, fake.detach())
        stats.update(self._g_update(latent, fake, real))
        return stats

    def manual_step(self, player: str, batches: Batches) -> Stats:
        """One update of one player while paused (the app's Step D / Step G): D on fresh fakes, or G alone."""
        if player == "D":
            return self.d_step(batches["x"], batches.get("label"))
        if player == "G":
            # a real batch only for a G loss that reads D on reals (RpGAN, feature matching): else none is drawn
            reads_reals = self.loss.pairs or remedies.g_reads_reals(self.cfg)
            return self.g_step(self.cfg.batch_size, batches["x"] if reads_reals else None)
        raise ValueError(f"unknown player {player!r}: this algorithm has {', '.join(self.players)}")

    def d_step(self, real: torch.Tensor, labels: torch.Tensor | None) -> Stats:
        """One D update on its own: fresh fakes, no G update."""
        latent = self._latent_for(real.shape[0], labels)
        with torch.no_grad(), self._autocast():
            fake = self.G.generate(latent)
        return self._d_update(real, latent, fake)

    def g_step(self, n: int, real: torch.Tensor | None = None) -> Stats:
        """One G update on its own (``real``: a real batch, for a loss or term that reads D on reals too)."""
        latent = self._latent_for(n, None)
        with self._autocast():
            fake = self._g_train(**latent)
        stats = self._g_update(latent, fake, real)
        self.after_step(-1)
        return stats

    # -- the two updates -----------------------------------------------------------------------------------
    def _d_update(self, real: torch.Tensor, latent: dict[str, torch.Tensor], fake: torch.Tensor) -> Stats:
        """(1) Update D: minimise L_D(D(x), D(G(z))) [+ λ·GP] [+ λ_I·L_I on the fakes]; ``fake`` is detached.
        The fakes carry the real batch's labels (``latent["label"]``)."""
        y = latent.get("label")
        if real.dim() == 4:
            real = real.contiguous(memory_format=self.speed.memory_format)
        real, fake = remedies.watch(self.cfg, self.dist, real, fake)  # --r1/--r2 read ∇D from this very pass
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
        penalties = remedies.d_penalties(self.cfg, self.critic, real, fake, y, stats, r, f,  # --r1, --r2
                                         self.penalty_scale)
        if penalties is not None:
            loss = loss + penalties
        if self.Q is not None:
            li = self._info(cat_logits, cont_mean, latent)
            loss = loss + self.cfg.info_weight * li
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        if self.cfg.clip > 0:  # WGAN: keep the critic's weights in [−c, c]
            with torch.no_grad():
                torch._foreach_clamp_min_(list(self.D.parameters()), -self.cfg.clip)
                torch._foreach_clamp_max_(list(self.D.parameters()), self.cfg.clip)
        r, f = r.detach(), f.detach()
        stats.update(self.aug.seen(r))
        stats["loss_d"] = loss.detach()
        if self.loss.probabilistic:
            stats["d_real"], stats["d_fake"] = torch.sigmoid(r).mean(), torch.sigmoid(f).mean()
            stats["d_acc"] = ((r > 0).float().mean() + (f < 0).float().mean()) / 2
        else:
            stats["d_real"], stats["d_fake"] = r.mean(), f.mean()
        if self.loss.wasserstein:
            stats["wdist"] = r.mean() - f.mean()
        return stats

    def _g_update(self, latent: dict[str, torch.Tensor], fake: torch.Tensor, real: torch.Tensor | None = None) -> Stats:
        """(2) Update G: minimise L_G(D(G(z))) [+ λ_I·L_I], D and Q frozen (a relativistic L_G reads D(x) too)."""
        self._freeze_d(True)
        try:
            y = latent.get("label")
            with self._autocast():
                f, cat_logits, cont_mean = self._c_frozen(fake, y, self.Q is not None)
                r = self._c_frozen(real, y)[0].float() if self.loss.pairs else None
            loss = self.loss.g_loss(f.float(), r) if self.loss.pairs else self.loss.g_loss(f.float())
            stats: Stats = {}
            extra = remedies.g_terms(self.cfg, self.D, real, fake, y, stats)  # --feature-matching
            if extra is not None:
                loss = loss + extra
            if self.Q is not None:
                li = self._info(cat_logits, cont_mean, latent, stats)
                loss = loss + self.cfg.info_weight * li
                stats["loss_info"] = li.detach()
            extra = self.g_regularizer(stats)
            if extra is not None:
                loss = loss + extra
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
        finally:
            self._freeze_d(False)
        stats["loss_g"] = loss.detach()
        return stats

    def g_regularizer(self, stats: Stats) -> torch.Tensor | None:
        """A family's extra term for G's loss (BigGAN: orthogonal regularisation), logging into ``stats``."""
        return None

    # -- internals -----------------------------------------------------------------------------------------
    def _latent_for(self, n: int, labels: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """This rank's share of a global latent batch (all of it in one process); fakes share the real labels."""
        world = self.dist.world if self.dist is not None else 1
        part = ddp.shard(n * world, self.dist)
        latent = {k: v[part] for k, v in self.sample_latent(n * world).items()}
        if self.inputs.num_classes and labels is not None:
            latent["label"] = labels  # fakes of the same classes as the real batch
        return latent

    def _uniform(self, shape: tuple[int, ...]) -> torch.Tensor:
        """U[0, 1) for this rank's share of a global batch, from the run's noise generator."""
        world = self.dist.world if self.dist is not None else 1
        full = torch.rand((shape[0] * world,) + shape[1:], device=self.device, generator=self.noise)
        return full[ddp.shard(shape[0] * world, self.dist)]

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


ALGORITHMS["adversarial"] = AdversarialGAN  # the name the classic families train with
