"""One generator against one discriminator (or critic): GAN, DCGAN, cGAN, InfoGAN, WGAN(-GP), LSGAN, hinge.

The families differ in their loss (``trainers.losses``), how many critic updates precede a G update
(``n_critic``), a Lipschitz device (weight clipping, gradient penalty, spectral norm in the nets), class
conditioning (in the nets) and InfoGAN's mutual-information term. All of that is configuration here.
"""

from __future__ import annotations

import torch
from torch import nn

from ..config import TrainConfig
from ..data import ArrayData, BatchSampler
from ..losses import LOSSES, gradient_penalty, info_loss
from ..models import MODELS, build_networks

Stats = dict[str, torch.Tensor]


class AdversarialGAN:
    def __init__(self, cfg: TrainConfig, nets: dict[str, nn.Module], device: torch.device, class_names=()):
        spec = MODELS[cfg.model]
        self.cfg, self.spec, self.device = cfg, spec, device
        self.class_names = tuple(class_names)
        self.G = nets["G"].to(device)
        self.D = nets["D"].to(device)
        self.Q = nets["Q"].to(device) if "Q" in nets else None
        self.layout = self.G.layout
        loss_key = "bce-minimax" if spec.loss == "bce" and cfg.g_loss == "minimax" else spec.loss
        self.loss = LOSSES[loss_key]
        d_params = list(self.D.parameters()) + (list(self.Q.parameters()) if self.Q is not None else [])
        if spec.optimizer == "rmsprop":
            self.opt_g = torch.optim.RMSprop(self.G.parameters(), lr=cfg.lr_g)
            self.opt_d = torch.optim.RMSprop(d_params, lr=cfg.lr_d)
        else:
            self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=(cfg.beta1, cfg.beta2))
            self.opt_d = torch.optim.Adam(d_params, lr=cfg.lr_d, betas=(cfg.beta1, cfg.beta2))
        self.noise = torch.Generator(device=device).manual_seed(cfg.seed + 1)

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
        """n_critic D updates on fresh real batches, then one G update."""
        for _ in range(self.cfg.n_critic):
            real, labels = sampler.next()
            stats = self.d_step(real, labels)
        stats.update(self.g_step(real.shape[0]))
        return stats

    def d_step(self, real: torch.Tensor, labels: torch.Tensor | None) -> Stats:
        """(1) Update D: minimise L_D(D(x), D(G(z))) [+ λ·GP] [+ λ_I·L_I on the fakes]."""
        n = real.shape[0]
        latent = self.sample_latent(n)
        if self.layout.num_classes:
            latent["label"] = labels  # fakes of the same classes as the real batch
        with torch.no_grad():
            fake = self.G.generate(latent)
        y = latent.get("label")
        h_fake = self.D.features(fake, y)
        r = self.D(real, y)
        f = self.D.score(h_fake, y)
        loss = self.loss.d_loss(r, f)
        stats: Stats = {}
        if self.cfg.gp_weight > 0:
            gp = gradient_penalty(lambda x: self.D(x, y), real, fake, self.noise)
            loss = loss + self.cfg.gp_weight * gp
            stats["gp"] = gp.detach()
        if self.Q is not None:
            li = self._info(h_fake, latent)
            loss = loss + self.cfg.info_weight * li
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        if self.cfg.clip > 0:
            with torch.no_grad():
                for p in self.D.parameters():
                    p.clamp_(-self.cfg.clip, self.cfg.clip)
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

    def g_step(self, n: int) -> Stats:
        """(2) Update G: minimise L_G(D(G(z))) [+ λ_I·L_I], D and Q frozen."""
        latent = self.sample_latent(n)
        self._freeze_d(True)
        try:
            fake = self.G.generate(latent)
            y = latent.get("label")
            h = self.D.features(fake, y)
            loss = self.loss.g_loss(self.D.score(h, y))
            stats: Stats = {}
            if self.Q is not None:
                li = self._info(h, latent, stats)
                loss = loss + self.cfg.info_weight * li
                stats["loss_info"] = li.detach()
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
            self.opt_g.step()
        finally:
            self._freeze_d(False)
        stats["loss_g"] = loss.detach()
        return stats

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
    def _info(self, h: torch.Tensor, latent: dict[str, torch.Tensor], stats: Stats | None = None) -> torch.Tensor:
        cat_logits, cont_mean = self.Q(h)
        if stats is not None and cat_logits:
            stats["info_acc"] = (cat_logits[0].argmax(1) == latent["cat"][:, 0]).float().mean().detach()
        return info_loss(cat_logits, latent.get("cat"), cont_mean, latent.get("cont"), self.cfg.cont_weight)

    def _freeze_d(self, frozen: bool) -> None:
        for m in (self.D, self.Q):
            if m is not None:
                m.requires_grad_(not frozen)


def build_algorithm(cfg: TrainConfig, data: ArrayData, device: torch.device) -> AdversarialGAN:
    """Networks for the resolved ``cfg`` on ``data``'s sample shape, wrapped in the training algorithm."""
    spec = MODELS[cfg.model]
    nets = build_networks(spec, sample_shape=data.sample_shape, num_classes=data.num_classes, z_dim=cfg.z_dim,
                          width=cfg.width, cat_codes=cfg.cat_codes, cont_codes=cfg.cont_codes)
    return AdversarialGAN(cfg, nets, device, data.class_names)
