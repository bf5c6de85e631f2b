"""R3GAN (issue 40): the RpGAN loss with R1 and R2 and a modernised ResNet, scaled down; trains on digits-stacked,
resumes bit-exactly, samples, and `ganstudio eval` counts its modes."""

from __future__ import annotations

import pytest
import torch

from tests.conftest import assert_same_last_checkpoint, run_cli, stop_at, tiny_config
from trainers import train
from trainers.config import resolve
from trainers.data import stacked
from trainers.metrics import modes
from trainers.models import MODELS, build_networks
from trainers.models.r3gan import ResidualBlock

OPTS = dict(model="r3gan", data="digits-stacked", data_limit=512, batch_size=16, width=8, steps=6,
            checkpoint_every=1000, sample_every=1000, eval_every=0)


@pytest.fixture(autouse=True)
def _small(monkeypatch):
    monkeypatch.setattr(stacked, "DIGITS_SOURCE", 3000)  # channels from 3,000 procedural digits
    monkeypatch.setattr(modes, "SAMPLES", 400)  # `ganstudio eval` counts over 400 fakes, not 26,000


def test_the_recipe_is_rpgan_with_both_penalties_on_stacked_digits(tmp_path):
    cfg = resolve(tiny_config(tmp_path, model="r3gan", data="digits-stacked"))
    assert cfg.channels == 3 and cfg.image_size == 28 and cfg.r1 == cfg.r2 == 10.0 and cfg.beta1 == 0.0
    assert cfg.lr_g == cfg.lr_d == 2e-3  # the CPU-scale recipe of the bundled r3gan-stacked (tiny_config: width 8)
    assert MODELS["r3gan"].loss == "rpgan"


@pytest.mark.parametrize("size", [28, 32])
def test_networks_start_with_every_residual_block_as_the_identity(size):
    nets = build_networks(MODELS["r3gan"], sample_shape=(3, size, size), num_classes=0, z_dim=64, width=8)
    x = nets["G"](torch.randn(4, 64))
    assert x.shape == (4, 3, size, size) and nets["D"](x).shape == (4,)
    blocks = [m for m in nets["D"].modules() if isinstance(m, ResidualBlock)]
    h = torch.randn(2, blocks[0].branch[0].in_channels, 5, 5)
    assert blocks and torch.equal(blocks[0](h), h)  # the branch's last conv is zero (fix-up)
    assert not any(isinstance(m, (torch.nn.BatchNorm2d, torch.nn.GroupNorm)) for m in nets["D"].modules())
    assert any(getattr(m, "groups", 1) > 1 for m in nets["G"].modules())  # grouped convolutions


def test_trains_resumes_bit_exactly_samples_and_eval_counts_modes(tmp_path):
    list(train(tiny_config(tmp_path / "a", **OPTS)))
    ev = stop_at(train(tiny_config(tmp_path / "b", **OPTS)), 3)
    assert ev.reason == "stopped" and ev.step < 6
    list(train(tiny_config(tmp_path / "b", **OPTS), resume=True))
    assert_same_last_checkpoint(tmp_path / "a" / "run", tmp_path / "b" / "run", 6)
    ckpt = tmp_path / "a" / "run" / "checkpoints" / "last.safetensors"
    assert run_cli("sample", ckpt, "--n", 16, "--out", tmp_path / "grid.png").returncode == 0
    assert (tmp_path / "grid.png").stat().st_size > 0
    proc = run_cli("eval", ckpt, "--n", 200)
    assert proc.returncode == 0, proc.stderr
    assert "modes covered" in proc.stdout and "KL to uniform" in proc.stdout and "400 samples" in proc.stdout


@pytest.mark.parametrize("arch,channels,rank_one", [("basis", 16, True), ("dense", 16, False), ("wide", 32, True),
                                                    ("wide-dense", 32, False)])
def test_the_start_is_the_basis_or_a_full_map_per_channel(arch, channels, rank_one):
    nets = build_networks(MODELS["r3gan"], sample_shape=(3, 28, 28), num_classes=0, z_dim=64, width=8, arch=arch)
    assert nets["G"](torch.randn(4, 64)).shape == (4, 3, 28, 28)
    start = nets["G"].body.start(torch.randn(12, 64))
    assert start.shape == (12, channels, 7, 7)
    # the official basis: each channel is one learnt 7×7 map scaled by one number of z (rank 1 over samples), which
    # at these widths ties the stacked channels together; --arch dense: a full map per channel from z
    ranks = [int(torch.linalg.matrix_rank(start[:, c].reshape(12, -1))) for c in range(channels)]
    assert (max(ranks) == 1) == rank_one and (min(ranks) > 1) == (not rank_one)
    assert nets["D"](torch.randn(2, 3, 28, 28)).shape == (2,)
