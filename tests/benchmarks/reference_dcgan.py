"""The loop everyone copies: pytorch/examples ``dcgan/main.py``, written the way it writes it.

Only what the comparison needs is changed: the networks are GAN Studio's own DCGAN G and D (same layers as
main.py's, built by ``trainers.models.build_networks``) so both loops train the same architecture, and the
data is a ``Dataset`` that hands out PIL images like ``torchvision.datasets.MNIST`` does, transformed per
image (Resize, ToTensor, Normalize) and batched by a ``DataLoader`` with main.py's 2 workers. The step is
main.py's: D on the real batch and backward, G(noise), D on fake.detach() and backward, D step; D on the same
fake and backward, G step; ``.item()`` for the printed stats every iteration; ``save_image`` of the real
batch and of G(fixed_noise) every 100 iterations; a checkpoint (``torch.save`` of both state dicts) per epoch.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from trainers.data import ArrayData


class PILImages(torch.utils.data.Dataset):
    """uint8 images served as PIL images with a transform, as torchvision's MNIST/CIFAR10 classes do."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, transform):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        from PIL import Image

        img = self.images[i]
        img = Image.fromarray(img[0], mode="L") if img.shape[0] == 1 else Image.fromarray(img.transpose(1, 2, 0))
        return self.transform(img), int(self.labels[i])


def make_loader(data: ArrayData, image_size: int, batch_size: int, workers: int = 2):
    from trainers.tvshim import import_torchvision

    tv = import_torchvision()
    c = data.x.shape[1]
    transform = tv.transforms.Compose([tv.transforms.Resize(image_size), tv.transforms.CenterCrop(image_size),
                                       tv.transforms.ToTensor(), tv.transforms.Normalize((0.5,) * c, (0.5,) * c)])
    labels = data.labels.numpy() if data.labels is not None else np.zeros(len(data), np.int64)
    ds = PILImages(data.x.numpy(), labels, transform)
    return torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=workers,
                                       drop_last=True)


def run(netG: nn.Module, netD: nn.Module, nz: int, data: ArrayData, image_size: int, batch_size: int,
        device: torch.device, out: Path, seconds: float = 0.0, max_steps: int = 0, warmup: int = 3,
        lr: float = 2e-4, beta1: float = 0.5, workers: int = 2, log=None, hook=None, hook_every: int = 0
        ) -> tuple[float, int]:
    """Train until ``seconds`` of steady state (after ``warmup`` iterations) or ``max_steps``; (img/s, steps).
    ``hook(steps, netG)`` every ``hook_every`` iterations lets a benchmark look at G (not part of main.py)."""
    from trainers.tvshim import import_torchvision

    vutils = import_torchvision().utils
    log = log or open(sys.platform == "win32" and "NUL" or "/dev/null", "w")
    dataloader = make_loader(data, image_size, batch_size, workers)
    criterion = nn.BCELoss()
    fixed_noise = torch.randn(batch_size, nz, device=device)
    real_label, fake_label = 1, 0
    optimizerD = torch.optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=lr, betas=(beta1, 0.999))
    out.mkdir(parents=True, exist_ok=True)
    steps, timed, t0 = 0, 0, None
    epoch = 0
    while True:
        for i, data_ in enumerate(dataloader, 0):
            ############################
            # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
            ###########################
            netD.zero_grad()
            real_cpu = data_[0].to(device)
            batch_size = real_cpu.size(0)
            label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)
            output = torch.sigmoid(netD(real_cpu))
            errD_real = criterion(output, label)
            errD_real.backward()
            D_x = output.mean().item()

            noise = torch.randn(batch_size, nz, device=device)
            fake = netG(noise)
            label.fill_(fake_label)
            output = torch.sigmoid(netD(fake.detach()))
            errD_fake = criterion(output, label)
            errD_fake.backward()
            D_G_z1 = output.mean().item()
            errD = errD_real + errD_fake
            optimizerD.step()

            ############################
            # (2) Update G network: maximize log(D(G(z)))
            ###########################
            netG.zero_grad()
            label.fill_(real_label)  # fake labels are real for generator cost
            output = torch.sigmoid(netD(fake))
            errG = criterion(output, label)
            errG.backward()
            D_G_z2 = output.mean().item()
            optimizerG.step()

            print('[%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f'
                  % (epoch, i, len(dataloader), errD.item(), errG.item(), D_x, D_G_z1, D_G_z2), file=log)
            if i % 100 == 0:
                vutils.save_image(real_cpu, out / 'real_samples.png', normalize=True)
                fake = netG(fixed_noise)
                vutils.save_image(fake.detach(), out / ('fake_samples_epoch_%03d.png' % epoch), normalize=True)
            steps += 1
            if hook is not None and hook_every and steps % hook_every == 0:
                hook(steps, netG)
            if steps == warmup:
                if device.type == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
            elif t0 is not None:
                timed += 1
                done = max_steps and steps >= max_steps
                if done or (seconds and time.perf_counter() - t0 >= seconds):
                    if device.type == "cuda":
                        torch.cuda.synchronize()
                    return timed * batch_size / (time.perf_counter() - t0), steps
        # do checkpointing
        torch.save(netG.state_dict(), out / ('netG_epoch_%d.pth' % epoch))
        torch.save(netD.state_dict(), out / ('netD_epoch_%d.pth' % epoch))
        epoch += 1
