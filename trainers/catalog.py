"""What GAN Studio offers, by name, without importing torch: the model families (their titles, in the
order `ganstudio list` and the New Run dialog show them) and the datasets. Each family's file registers it
under its title from here (``trainers/models/``); ``trainers.data`` loads the datasets named here."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# the classic lineage first
FAMILY_TITLES: dict[str, str] = {
    "gan": "Vanilla GAN, MLP (Goodfellow et al. 2014)",
    "dcgan": "DCGAN (Radford et al. 2015)",
    "cgan": "Conditional GAN, label concatenated (Mirza & Osindero 2014); conv nets on images, --arch mlp: MLPs",
    "cdcgan": "Conditional DCGAN, label concatenated to z and as image channels",
    "cgan-proj": "Conditional GAN with a projection discriminator (Miyato & Koyama 2018)",
    "infogan": "InfoGAN: categorical + continuous codes, Q shares D's trunk (Chen et al. 2016)",
    "wgan": "WGAN: weight clipping + RMSProp, n_critic=5 (Arjovsky et al. 2017)",
    "wgan-gp": "WGAN-GP: gradient penalty λ=10, critic without BatchNorm (Gulrajani et al. 2017)",
    "lsgan": "LSGAN: least-squares loss (Mao et al. 2017)",
    "hinge": "Hinge loss with a spectrally normalised D (SNGAN, Miyato et al. 2018)",
    "sagan": "SAGAN: self-attention in G and D, spectral norm, hinge loss, TTUR (Zhang et al. 2018)",
    "biggan": "BigGAN, small: class-conditional BN, hierarchical z, projection D, truncation (Brock et al. 2018)",
    "progan": "ProGAN: G and D grown 4 → 8 → 16 → 32 px with fade-ins, pixel norm, equalised lr, minibatch stddev, "
              "WGAN-GP (Karras et al. 2017)",
    "stylegan": "StyleGAN: mapping network, modulated convs (StyleGAN2), noise, style mixing, lazy R1, EMA "
                "(Karras et al. 2019/2020)",
    "r3gan": "R3GAN: RpGAN loss + R1 + R2, a modern ResNet (grouped convs, inverted bottlenecks, no normalisation, "
             "fix-up init), scaled down (Huang et al. 2025)",
    # image to image
    "pix2pix": "Pix2Pix: U-Net G, conditional PatchGAN D, GAN + λ·L1 on paired images (Isola et al. 2017)",
    "cyclegan": "CycleGAN: two ResNet generators, two PatchGAN Ds, LSGAN + cycle + identity, unpaired (Zhu et al. 2017)",
    "cogan": "CoGAN: two GANs sharing all but the outer layers draw corresponding pairs, unpaired (Liu & Tuzel 2016)",
    "unit": "UNIT: two VAE-GANs sharing a latent space (the inner encoder and decoder blocks), unpaired (Liu et al. 2017)",
    # super-resolution
    "srgan": "SRGAN: SRResNet ×4/×2 with a feature content loss + 10⁻³ adversarial, after MSE pre-training (Ledig et al. "
             "2017)",
}


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    kind: str  # "image" | "points"
    channels: int
    size: int  # native image side (0 for points)
    classes: int
    embedded: bool
    about: str
    paired: bool = False  # each image comes with its translation (``target``): what Pix2Pix trains on


DATASETS: dict[str, DatasetInfo] = {d.name: d for d in (
    DatasetInfo("digits", "image", 1, 28, 10, True,
                "60k procedural handwriting-like digits 0-9 with known factors (slant, width, ...)"),
    DatasetInfo("digits-rgb", "image", 3, 32, 10, True, "30k coloured digits on gradient backgrounds, 32 px RGB"),
    DatasetInfo("digits-edges", "image", 1, 32, 10, True, "paired: a digit's outline → the digit (32 px)", True),
    DatasetInfo("digits-thick", "image", 1, 32, 10, True, "paired: a digit → the same digit, thicker (32 px)", True),
    DatasetInfo("digits-hole", "image", 1, 32, 10, True, "paired: a digit with a square hole → the whole digit "
                "(32 px)", True),
    DatasetInfo("digits-plain", "image", 1, 32, 10, True, "a domain: half of the digits, as drawn (32 px)"),
    DatasetInfo("digits-bold", "image", 1, 32, 10, True, "a domain: the other half, thick strokes (32 px)"),
    DatasetInfo("digits-negative", "image", 1, 32, 10, True, "a domain: the other half, dark on light (32 px)"),
    DatasetInfo("digits-stacked", "image", 3, 28, 1000, True, "three procedural digits as R, G and B (28 px): "
                "1,000 modes (000-999) to count mode collapse on"),
    DatasetInfo("ring", "points", 0, 0, 0, True, "2D: ring of 8 Gaussians"),
    DatasetInfo("grid", "points", 0, 0, 0, True, "2D: 5x5 grid of Gaussians"),
    DatasetInfo("spiral", "points", 0, 0, 0, True, "2D: noisy spiral"),
    DatasetInfo("moons", "points", 0, 0, 0, True, "2D: two interleaved half moons"),
    DatasetInfo("mnist", "image", 1, 28, 10, False, "MNIST from --data-root (torchvision layout)"),
    DatasetInfo("fashion-mnist", "image", 1, 28, 10, False, "Fashion-MNIST from --data-root (torchvision layout)"),
    DatasetInfo("mnist-stacked", "image", 3, 28, 1000, False, "Stacked MNIST: three MNIST digits from --data-root as "
                "R, G and B, 1,000 modes"),
    DatasetInfo("cifar10", "image", 3, 32, 10, False, "CIFAR-10 binary version from --data-root"),
)}


def default_data_root() -> str:
    """Where torchvision datasets live when --data-root is not given: $GANSTUDIO_DATA or ~/.cache/ganstudio/data."""
    env = os.environ.get("GANSTUDIO_DATA")
    if env:
        return env
    return str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ganstudio" / "data")
