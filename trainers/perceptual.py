"""Content losses (Ledig et al. 2017, SRGAN): squared distances between the feature maps of a frozen network,
scaled by the real image's feature energy so they sit near the pixel MSE:

    l_content = E‖φ(G(x)) − φ(y)‖² / E‖φ(y)‖²

φ is either the deepest conv features of the small classifier GAN Studio trains on the data
(``FeatureContent``, filled from ``trainers/metrics/features.py``), or torchvision's VGG19 up to conv5_4 from a
weights file the user has (``VGGContent``, read with ``torch.load(weights_only=True)``: nothing is unpickled).
Used by SRGAN (``trainers/models/srgan.py``); kept apart so any family with a content term can use them."""

from __future__ import annotations

import os

import torch
from torch import nn

from .errors import ConfigError

VGG_LAYERS = 36  # torchvision vgg19().features[:36]: up to conv5_4's ReLU ("VGG54")


class FeatureContent(nn.Module):
    """φ: a frozen feature network and the energy E‖φ(x_HR)‖² its distances are divided by.

    ``features`` holds the conv layers of a ``FeatureNet`` trunk up to its deepest ReLU (grey: conv 32 → pool →
    conv 64 → ReLU; RGB: three conv pairs to 128 channels); ``filled`` says whether the weights and the energy are
    set (a fresh run copies them from the data's classifier on its first step; a resumed one loads them)."""

    def __init__(self, channels: int):
        super().__init__()
        from .metrics.features import FeatureNet

        trunk = FeatureNet(channels, 1).trunk
        self.features = trunk[:5] if channels == 1 else trunk[:20]
        self.register_buffer("energy", torch.ones(()))
        self.register_buffer("filled", torch.zeros(()))
        self.requires_grad_(False).eval()

    def train(self, mode: bool = True) -> "FeatureContent":
        return super().train(False)  # BatchNorm of the RGB trunk stays in eval mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)

    @torch.no_grad()
    def fill(self, trunk: nn.Sequential, real: torch.Tensor) -> None:
        """Copy the classifier trunk's weights and measure the energy on the real images ``real``."""
        self.features.load_state_dict(trunk[:len(self.features)].state_dict())
        self.set_energy(real)
        self.filled.fill_(1.0)

    @torch.no_grad()
    def set_energy(self, real: torch.Tensor) -> None:
        self.energy.copy_(self(real.float()).pow(2).mean().clamp_min(1e-8))


class VGGContent(FeatureContent):
    """φ = VGG19 up to conv5_4's ReLU, from a torchvision weights file the user gives (never downloaded). Grey images
    are repeated to three channels; images go from [-1, 1] to ImageNet's normalisation."""

    def __init__(self, path: str):  # noqa: D107 (no FeatureNet trunk here)
        nn.Module.__init__(self)
        from .tvshim import import_torchvision

        state = read_vgg19(path)
        net = import_torchvision().models.vgg19(weights=None)
        try:
            net.load_state_dict(state)
        except RuntimeError as exc:
            raise ConfigError(f"--content {path}: not torchvision's VGG19 weights ({str(exc).splitlines()[0]})") from None
        self.features = net.features[:VGG_LAYERS]
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.register_buffer("energy", torch.ones(()))
        self.register_buffer("filled", torch.ones(()))
        self.requires_grad_(False).eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        return self.features(((x + 1) / 2 - self.mean) / self.std)


def read_vgg19(path: str) -> dict[str, torch.Tensor]:
    """A VGG19 state dict from ``path`` (``torch.load(weights_only=True)``: nothing is unpickled), or a ConfigError."""
    p = os.path.expanduser(path)
    if not os.path.isfile(p):
        raise ConfigError(f"--content {path}: no such file. Give features, mse, or the path of a torchvision VGG19 "
                          "weights file (vgg19-dcbb9e9d.pth)")
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 (a pickle that needs code, a zip that is not one, ...)
        raise ConfigError(f"--content {path}: not a weights file torch can read safely ({type(exc).__name__}); give a "
                          "torchvision VGG19 state dict") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ConfigError(f"--content {path}: holds no state dict of tensors; give a torchvision VGG19 weights file")
    return state


def content_kind(cfg) -> str:
    """"features", "mse" or "vgg19" (a path)."""
    return cfg.content if cfg.content in ("features", "mse") else "vgg19"


def content_distance(phi: nn.Module | None, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """l_content: E‖φ(fake) − φ(real)‖² / E‖φ(real)‖² (``phi`` None: the pixel MSE E‖fake − real‖²)."""
    if phi is None:
        return (fake.float() - real.float()).pow(2).mean()
    with torch.no_grad():
        target = phi(real.float())
    return (phi(fake.float()) - target).pow(2).mean() / phi.energy
