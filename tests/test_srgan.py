"""SRGAN: PixelShuffle stages give the sizes the docstring promises, the content loss is the normalised feature
distance on hand-computed features, the two phases switch where --pretrain-steps says (SRResNet kept, the learning
rates dropped halfway through the adversarial phase), resume is bit-exact across the switch, the scores are right
on constructed cases, and the command line says what is wrong."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from trainers import checkpoints as ck
from trainers.config import TrainConfig, resolve
from trainers.errors import ConfigError
from trainers.generator import load_generator
from trainers.loop import train
from trainers.metrics.superres import bar_values, evaluate_superres
from trainers.models.srgan import (SRGAN, FeatureContent, SRDiscriminator, SRResNet, bicubic, content_distance,
                                   downsample, srresnet)
from trainers.runfolder import read_metrics

from .conftest import resumed_like_straight, run_cli, tiny_config

SR = dict(model="srgan", data="digits", width=8, batch_size=8, content="mse", data_limit=256)


@pytest.mark.parametrize("channels,scale,low,high", [(1, 4, 7, 28), (1, 2, 14, 28), (1, 4, 8, 32), (3, 2, 16, 32)])
def test_pixelshuffle_stages_upscale_by_the_factor(channels, scale, low, high):
    G = SRResNet(channels, scale, width=8)
    assert len(G.up) == int(math.log2(scale))  # one PixelShuffle(2) stage per factor 2
    assert sum(isinstance(m, nn.PixelShuffle) for m in G.modules()) == len(G.up)
    out = G(torch.randn(3, channels, low, low))
    assert out.shape == (3, channels, high, high)
    assert out.abs().max() <= 1  # tanh: model range
    D = SRDiscriminator(channels, width=8)
    assert D(out).shape == (3, 1)


def test_pixelshuffle_moves_channels_into_space():
    ps = nn.PixelShuffle(2)
    x = torch.arange(4.0).view(1, 4, 1, 1)  # four channels of one pixel → one channel of a 2×2 block
    assert torch.equal(ps(x)[0, 0], torch.tensor([[0.0, 1.0], [2.0, 3.0]]))


def test_downsample_is_the_block_mean_and_bicubic_keeps_flat_images():
    hr = torch.zeros(1, 1, 4, 4)
    hr[0, 0, :2, :2] = 1.0  # one bright 2×2 block
    assert torch.equal(downsample(hr, 2)[0, 0], torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
    flat = torch.full((1, 1, 7, 7), 0.25)
    assert torch.allclose(bicubic(flat, 4), torch.full((1, 1, 28, 28), 0.25), atol=1e-6)


def test_content_loss_on_hand_computed_features():
    phi = FeatureContent(1)
    phi.features = nn.Conv2d(1, 1, 1, bias=False).requires_grad_(False)  # φ(x) = 2x: the features are known
    nn.init.constant_(phi.features.weight, 2.0)
    real, fake = torch.full((2, 1, 4, 4), 0.5), torch.full((2, 1, 4, 4), 0.25)
    phi.set_energy(real)  # E‖φ(real)‖² = 1
    assert float(phi.energy) == pytest.approx(1.0)
    # ‖φ(fake) − φ(real)‖² = (0.5 − 1)² = 0.25, divided by the energy 1
    assert float(content_distance(phi, fake, real)) == pytest.approx(0.25)
    real2 = torch.full((2, 1, 4, 4), 1.0)
    phi.set_energy(real2)  # φ = 2 → energy 4; (0.5 − 2)² / 4 = 0.5625
    assert float(content_distance(phi, fake, real2)) == pytest.approx(0.5625)
    assert float(content_distance(None, fake, real)) == pytest.approx(0.0625)  # --content mse: pixels
    phi.set_energy(real)  # back to 1
    x = fake.clone().requires_grad_(True)
    content_distance(phi, x, real).backward()
    # d/dx of mean((2x − 2r)²) / 1 over 32 values: 2·(2x − 2r)·2 / 32 = −0.0625 everywhere; φ itself stays frozen
    assert torch.allclose(x.grad, torch.full_like(x, -0.0625)) and phi.features.weight.grad is None
    assert not any(p.requires_grad for p in FeatureContent(1).parameters())


def test_feature_content_takes_the_classifiers_trunk():
    from trainers.metrics.features import FeatureNet

    net = FeatureNet(1, 10)
    phi = FeatureContent(1)
    x = torch.rand(4, 1, 28, 28) * 2 - 1
    phi.fill(net.trunk, x)
    assert float(phi.filled) == 1.0
    assert torch.allclose(phi(x), net.trunk[:5](x))  # conv → ReLU → pool → conv → ReLU
    assert phi(x).shape == (4, 64, 14, 14)
    assert float(phi.energy) == pytest.approx(float(net.trunk[:5](x).pow(2).mean().detach()), rel=1e-5)
    phi.train()
    assert not phi.training  # frozen in eval mode whatever the caller asks


def test_the_lr_drops_at_decay_start_whatever_the_length_of_the_run(tmp_path):
    cfg = resolve(TrainConfig(**SR, steps=10, pretrain_steps=4, decay_start=7, out=str(tmp_path)))
    algo = SRGAN.__new__(SRGAN)
    algo.cfg = cfg
    assert [algo.phase(s) for s in (1, 4, 5, 10)] == ["mse", "mse", "gan", "gan"]
    # adversarial steps 5 … 10: the first three at the full rate, the last three at a tenth
    assert [algo.lr_factor(s) for s in range(1, 11)] == [1.0] * 7 + [0.1] * 3
    # left out: 1,000 steps into the adversarial phase, however long the run (so --resume with more steps keeps it)
    for steps in (10, 20, 5000):
        cfg = resolve(TrainConfig(**SR, steps=steps, out=str(tmp_path)))
        assert (cfg.pretrain_steps, cfg.decay_start) == (2000, 3000)


def test_phases_switch_where_pretrain_steps_says(tmp_path):
    list(train(tiny_config(tmp_path, **SR, steps=6, pretrain_steps=3, checkpoint_every=3, sample_every=3,
                           log_window_s=0.0)))  # a row per step however fast the steps run
    rows = {r["step"]: r for r in read_metrics(tmp_path / "run") if "loss_g" in r}
    assert [rows[s]["phase"] for s in range(1, 7)] == [0, 0, 0, 1, 1, 1]
    assert all("loss_d" not in rows[s] for s in (1, 2, 3))  # D is not trained while G learns pixels
    assert all("loss_d" in rows[s] and "loss_adv" in rows[s] for s in (4, 5, 6))
    mid = ck.read_checkpoint(tmp_path / "run" / "checkpoints" / "step_0000003.safetensors").tensors
    last = ck.read_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors").tensors
    g_keys = [k for k in mid if k.startswith("G/")]
    for k in g_keys:  # R is the SRResNet of step 3, kept after G moved on
        assert torch.equal(last["R/" + k[2:]], mid[k]), k
    assert any(not torch.equal(last[k], mid[k]) for k in g_keys)
    # G's Adam started afresh at the switch: 3 steps counted, not 6
    assert float(last["optim/G/0/step"]) == 3.0 and float(last["optim/D/0/step"]) == 3.0
    lr = ck.read_meta(tmp_path / "run" / "checkpoints" / "last.safetensors")[1]
    assert lr["step"] == 6
    R = srresnet(load_generator(tmp_path / "run" / "checkpoints" / "last.safetensors"))
    assert R is not None and srresnet(load_generator(tmp_path / "run" / "checkpoints" / "step_0000003.safetensors")) is None


def test_a_short_run_resumed_with_more_steps_ends_where_a_straight_run_ends(tmp_path):
    """The schedule is step counts, not shares of --steps: 10 steps then --resume to 20 is the straight 20-step run,
    with the defaults (all pre-training) and across both switches (to SRGAN after step 5, the lr drop after 12)."""
    from trainers.schedule import schedule_notes

    resumed_like_straight(tmp_path / "defaults", 20, **SR, checkpoint_every=1000, sample_every=1000)
    resumed_like_straight(tmp_path / "switches", 20, **SR, pretrain_steps=5, decay_start=12, checkpoint_every=1000,
                          sample_every=1000)
    cfg = resolve(TrainConfig(**SR, steps=20, out=str(tmp_path)))
    assert schedule_notes(cfg) == ["all 20 steps are pre-training (pixel MSE): the adversarial phase starts after step "
                                   "2,000 (--pretrain-steps)"]


def test_resume_is_bit_exact_across_the_phase_switch(tmp_path):
    opts = dict(SR, content="features", pretrain_steps=3, checkpoint_every=1000, sample_every=1000)
    a = resumed_like_straight(tmp_path, 6, **opts)  # the first half ends exactly at the switch
    assert {"R/body.head.0.weight", "Phi/features.0.weight", "Phi/energy"} <= set(a)
    assert float(a["Phi/filled"]) == 1.0 and float(a["Phi/energy"]) > 0


def test_the_content_network_is_the_digits_classifiers(tmp_path):
    from trainers.data import load_dataset
    from trainers.metrics.features import get_extractor

    list(train(tiny_config(tmp_path, **{**SR, "content": "features"}, steps=2, pretrain_steps=1, checkpoint_every=2)))
    t = ck.read_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors").tensors
    ex = get_extractor(load_dataset("digits"))
    assert ex.cached  # the one shipped in assets/, not one trained for the 256-digit part the run used
    assert torch.equal(t["Phi/features.3.weight"], ex.net.trunk[3].weight.detach())


def test_config_says_what_srgan_needs(tmp_path):
    from PIL import Image

    out = str(tmp_path)
    imgs = tmp_path / "imgs"  # a folder of images, without class sub-folders
    imgs.mkdir()
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(imgs / "a.png")
    cfg = resolve(TrainConfig(model="srgan", data="digits", steps=100, out=out))
    assert (cfg.scale, cfg.pretrain_steps, cfg.adv_weight, cfg.content, cfg.lr_g, cfg.beta1) == \
        (4, 2000, 1e-3, "features", 1e-4, 0.9)
    assert cfg.eval_every == 0
    for bad, match in ((dict(model="dcgan", scale=4), "super-resolution settings"),
                       (dict(pretrain_steps=-1), "--pretrain-steps must be a number of steps"),
                       (dict(pretrain_steps=50, decay_start=20), "comes before the adversarial phase"),
                       (dict(model="dcgan", decay_start=20), "add --lr-decay linear"),
                       (dict(adv_weight=-1.0), "--adv-weight"),
                       (dict(image_size=28, scale=3), "--scale must be 2 or 4"),
                       (dict(data="ring"), "2D set"),
                       (dict(content=str(tmp_path / "nope.pth")), "no such file"),
                       (dict(lr_decay="linear"), "paper's schedule"),
                       (dict(data=str(imgs)), "no labels")):
        with pytest.raises(ConfigError, match=match):
            resolve(TrainConfig(**{**dict(model="srgan", data="digits", steps=100, out=out), **bad}))
    junk = tmp_path / "vgg.pth"
    torch.save({"weights": [1, 2, 3]}, junk)  # not a state dict of tensors
    with pytest.raises(ConfigError, match="no state dict"):
        resolve(TrainConfig(model="srgan", data="digits", steps=10, content=str(junk), out=out))
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(ConfigError, match="torch can read safely"):
        resolve(TrainConfig(model="srgan", data="digits", steps=10, content=str(junk), out=out))


class _Bicubic:
    """A stand-in generator that upscales by bicubic: its scores must be bicubic's."""

    def __init__(self, scale: int = 4):
        self.meta = {"config": {"data": "digits", "scale": scale, "image_size": 28, "channels": 1}}
        self.path = None

    def translate(self, low):
        return bicubic(low, self.meta["config"]["scale"])


def test_scores_of_a_bicubic_generator_are_bicubics():
    result = evaluate_superres(_Bicubic(), samples=200)
    m = result["metrics"]
    assert m["psnr"]["srgan"] == m["psnr"]["bicubic"] and m["ssim"]["srgan"] == m["ssim"]["bicubic"]
    assert "srresnet" not in m["psnr"]  # no run folder, no SRResNet
    assert 10 < m["psnr"]["bicubic"] < 25
    la = m["label_accuracy"]
    assert la["reference"] >= 0.98 and la["srgan"] == la["bicubic"] < la["reference"]
    assert bar_values(m)["sr_psnr_gain"] == 0.0
    assert result["protocol"]["samples"] == 200 and "seed 1" in result["protocol"]["inputs"]


@pytest.fixture(scope="module")
def sr_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sr")
    list(train(tiny_config(folder, **SR, steps=4, pretrain_steps=2, checkpoint_every=4, sample_every=4)))
    return folder / "run"


def test_the_loaded_generator_takes_the_low_resolution_image(sr_run):
    gen = load_generator(sr_run / "checkpoints" / "last.safetensors")
    assert gen.translates and gen.layout.of_kind("image")[0].shape == (1, 7, 7)
    assert gen.translate(torch.zeros(2, 1, 7, 7)).shape == (2, 1, 28, 28)


def test_the_sample_grid_shows_lr_bicubic_sr_and_hr(sr_run):
    from PIL import Image

    img = np.asarray(Image.open(sr_run / "samples" / "step_0000004.png"))
    # 16 inputs × 4 images, 8 to a row of 28-px tiles with 2-px padding: 8 rows
    assert img.shape[:2] == (8 * 30 + 2, 8 * 30 + 2)


def test_cli_eval_and_sample(sr_run, tmp_path):
    from PIL import Image

    ckpt = sr_run / "checkpoints" / "last.safetensors"
    r = run_cli("eval", ckpt, "--n", "100")
    assert r.returncode == 0, r.stderr
    assert "bicubic" in r.stdout and "SRResNet" in r.stdout and "label accuracy" in r.stdout
    r = run_cli("sample", ckpt, "--n", "4", "--out", tmp_path / "g.png")
    assert r.returncode == 0, r.stderr
    assert "input | bicubic | SRResNet | SRGAN | true image" in r.stdout
    assert Image.open(tmp_path / "g.png").size == (2 * 5 * 30 + 2, 2 * 30 + 2)  # 2 inputs × 5 images per row
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(tmp_path / "in.png")
    r = run_cli("sample", ckpt, "--input", tmp_path / "in.png", "--out", tmp_path / "u.png")
    assert r.returncode == 0 and "input (7 px, shown ×4) | bicubic | SRGAN" in r.stdout
    (tmp_path / "junk.png").write_bytes(b"no image")
    r = run_cli("sample", ckpt, "--input", tmp_path / "junk.png", "--out", tmp_path / "v.png")
    assert r.returncode != 0 and "not a readable image" in r.stderr
