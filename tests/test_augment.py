"""Issue 39: DiffAugment and ADA (``trainers/augment.py``) as switches the noise-drawing image families take."""

from __future__ import annotations

import json

import pytest
import torch

from trainers import checkpoints as ck
from trainers.augment import ADA, ADA_INTERVAL, ADA_KIMG, DiffAugment
from trainers.config import TrainConfig, resolve
from trainers.errors import ConfigError
from trainers.loop import train


def _images(n=8, c=3, side=16, seed=0):
    return torch.rand(n, c, side, side, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_diffaugment_changes_every_image_is_differentiable_and_follows_its_generator():
    x = _images().requires_grad_(True)
    y = DiffAugment(torch.Generator().manual_seed(1), 8)(x)
    assert y.shape == x.shape
    assert all(not torch.allclose(y[i], x[i]) for i in range(8))
    # cutout: a square of half the side (8 × 8 of 16, clipped at the edges) is 0 in every channel, as are the up to
    # 2 rows and 2 columns a translation shifts in
    zeros = (y.detach() == 0).all(1).flatten(1).sum(1)
    assert (zeros >= 16).all() and (zeros <= 64 + 60).all()
    y.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # G learns through it
    again = DiffAugment(torch.Generator().manual_seed(1), 8)(x.detach())
    assert torch.equal(again, y.detach())


def test_translation_moves_pixels_whole():
    aug = DiffAugment(torch.Generator().manual_seed(3), 4)
    x = torch.zeros(4, 1, 16, 16)
    x[:, :, 8, 8] = 1.0
    moved = aug._translate(x)
    for i in range(4):
        (r, c), = torch.nonzero(moved[i, 0] == 1.0).tolist()
        assert abs(r - 8) <= 2 and abs(c - 8) <= 2  # at most 1/8 of 16


def test_ada_p_rises_while_d_is_sure_of_the_reals_and_falls_otherwise():
    ada = ADA(torch.Generator().manual_seed(0), batch_size=64, target=0.6)
    x = _images()
    assert torch.equal(ada(x), x)  # p = 0: the identity
    for _ in range(40):
        ada.observe(torch.ones(64))  # r_t = 1 > 0.6: overfitting
    step = 64 * ADA_INTERVAL / (ADA_KIMG * 1000)
    assert ada.r_t == 1.0 and ada.p == pytest.approx(10 * step)
    for _ in range(8):
        ada.observe(-torch.ones(64))
    assert ada.r_t == -1.0 and ada.p == pytest.approx(8 * step)
    ada.p = 0.8
    y = ada(x)
    assert y.shape == x.shape and not torch.allclose(y, x)
    state = ada.state()
    twin = ADA(torch.Generator(), 64)
    twin.load(state)
    assert (twin.p, twin.r_t, twin._updates) == (ada.p, ada.r_t, ada._updates)


def test_augment_is_refused_where_a_family_cannot_take_it():
    with pytest.raises(ConfigError, match="pix2pix takes no augmentation"):
        resolve(TrainConfig(model="pix2pix", augment="ada"))
    with pytest.raises(ConfigError, match="augmentation is for images"):
        resolve(TrainConfig(model="gan", data="ring", augment="diffaugment"))
    with pytest.raises(ConfigError, match="--ada-target is ADA's"):
        resolve(TrainConfig(model="dcgan", augment="diffaugment", ada_target=0.5))
    assert resolve(TrainConfig(model="dcgan", augment="ada")).ada_target == 0.6
    for model in ("dcgan", "stylegan", "progan", "sagan", "cgan"):
        assert resolve(TrainConfig(model=model, augment="diffaugment")).augment == "diffaugment"


@pytest.mark.parametrize("model", ["dcgan", "stylegan"])
def test_an_ada_run_logs_p_and_resumes_bit_exact(tmp_path, model):
    from tests.conftest import assert_same_last_checkpoint, tiny_config

    opts = dict(model=model, augment="ada", ada_target=0.1, steps=12, checkpoint_every=6, sample_every=1000,
                image_size=16 if model == "stylegan" else None, width=8, batch_size=16)
    list(train(tiny_config(tmp_path / "a", **opts)))
    list(train(tiny_config(tmp_path / "b", **{**opts, "steps": 6})))
    list(train(tiny_config(tmp_path / "b", **opts), resume=True))
    assert_same_last_checkpoint(tmp_path / "a" / "run", tmp_path / "b" / "run", 12)
    a = ck.read_checkpoint(tmp_path / "a" / "run" / "checkpoints" / "last.safetensors")
    assert a.tensors["rng/ada"][0] > 0  # p rose (D is sure of the reals from the start: r_t > 0.1)
    rows = [json.loads(line) for line in (tmp_path / "a" / "run" / "metrics.jsonl").read_text().splitlines()]
    ps = [r["ada_p"] for r in rows if "ada_p" in r]
    assert ps and ps[-1] > 0 and all(0 <= p <= 1 for p in ps)
