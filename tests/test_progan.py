"""ProGAN: the fade-in blends what the paper says at α = 0, ½ and 1 (G's output, D's input, the real images), pixel
norm and the equalised learning rate compute their formulas, minibatch stddev adds one channel of the group's
spread, the schedule walks 4 → 8 → 16 → 32 in phases of --phase-images, the optimisers restart with each
resolution, --n-critic repeats D's update with the phases counted in real images, resume is bit-exact across a
resolution change, and SWD behaves as a distance."""

import math

import numpy as np
import pytest
import torch

from trainers import checkpoints as ck
from trainers.config import TrainConfig, resolve
from trainers.errors import ConfigError
from trainers.generator import load_generator
from trainers.loop import train
from trainers.metrics.swd import laplacian_pyramid, sliced_wasserstein, swd
from trainers.models.progan import (EqConv2d, EqLinear, ProDiscriminator, ProGenerator, minibatch_stddev,
                                    phase_length, pixel_norm, real_at, schedule)
from trainers.runfolder import read_metrics

from .conftest import resumed_like_straight, tiny_config

PG = dict(model="progan", data="digits", image_size=16, width=4, z_dim=8, batch_size=8, phase_images=16,
          data_limit=256)


def test_pixel_norm_divides_each_position_by_its_rms():
    x = torch.tensor([3.0, 4.0]).view(1, 2, 1, 1)  # RMS over channels: √((9 + 16) / 2)
    assert torch.allclose(pixel_norm(x).flatten(), torch.tensor([3.0, 4.0]) / math.sqrt(12.5))
    y = pixel_norm(torch.randn(4, 16, 3, 3))
    assert torch.allclose(y.pow(2).mean(1), torch.ones(4, 3, 3), atol=1e-5)


def test_equalised_lr_scales_weights_by_he_constant_at_run_time():
    conv = EqConv2d(3, 5, 3, 1)
    assert conv.scale == pytest.approx(math.sqrt(2) / math.sqrt(3 * 9))
    x = torch.randn(2, 3, 6, 6)
    want = torch.nn.functional.conv2d(x, conv.weight * conv.scale, conv.bias, padding=1)
    assert torch.allclose(conv(x), want)
    lin = EqLinear(8, 4, gain=1.0)
    assert lin.scale == pytest.approx(1 / math.sqrt(8))
    assert torch.allclose(lin(torch.ones(1, 8)), (lin.weight.sum(1) / math.sqrt(8)).view(1, 4))
    # the stored weights are N(0, 1) whatever the layer's fan-in: Adam sees every layer at one scale
    big = EqConv2d(64, 64, 3)
    assert abs(float(big.weight.detach().std()) - 1.0) < 0.05


def test_minibatch_stddev_adds_the_groups_spread_as_one_channel():
    x = torch.zeros(4, 2, 3, 3)
    x[0], x[1], x[2], x[3] = 1.0, 3.0, 1.0, 3.0  # group of 4: per feature values 1, 3, 1, 3 → std 1
    out = minibatch_stddev(x)
    assert out.shape == (4, 3, 3, 3)
    assert torch.equal(out[:, :2], x) and torch.allclose(out[:, 2], torch.ones(4, 3, 3), atol=1e-4)
    # 8 samples form two groups (sample i in group i mod 2): the second group has no spread
    y = torch.zeros(8, 1, 2, 2)
    y[0::2] = torch.tensor([0.0, 2.0, 0.0, 2.0]).view(4, 1, 1, 1)
    s = minibatch_stddev(y)[:, 1, 0, 0]
    assert torch.allclose(s[0::2], torch.ones(4), atol=1e-4) and torch.allclose(s[1::2], torch.zeros(4), atol=1e-3)
    assert minibatch_stddev(torch.randn(6, 2, 4, 4)).shape == (6, 3, 4, 4)  # 6 is no multiple of 4: one group


def test_the_schedule_walks_the_resolutions_in_phases():
    # phase_images 10, levels 4 (4 → 32 px): 0 stable at 4, 1 fade 8, 2 stable 8, 3 fade 16, ..., 6+ stable 32
    got = [schedule(i, 10, 4) for i in (0, 9, 10, 15, 20, 30, 35, 50, 55, 60, 500)]
    assert got == [(0, 1.0, False), (0, 1.0, False), (1, 0.0, True), (1, 0.5, True), (1, 1.0, False), (2, 0.0, True),
                   (2, 0.5, True), (3, 0.0, True), (3, 0.5, True), (3, 1.0, False), (3, 1.0, False)]


def test_phase_ratio_lengthens_the_lower_sides():
    # ratio 2, 10 images a phase at 32 px: 4 px 80 stable; 8 px 40 + 40; 16 px 20 + 20; 32 px 10 fade, then stable
    assert [phase_length(k, 10, 4, 2.0) for k in range(4)] == [80, 40, 20, 10]
    got = [schedule(i, 10, 4, 2.0) for i in (79, 80, 100, 120, 159, 160, 170, 180, 200, 205, 210, 10 ** 6)]
    assert got == [(0, 1.0, False), (1, 0.0, True), (1, 0.5, True), (1, 1.0, False), (1, 1.0, False), (2, 0.0, True),
                   (2, 0.5, True), (2, 1.0, False), (3, 0.0, True), (3, 0.5, True), (3, 1.0, False), (3, 1.0, False)]
    assert [schedule(i, 10, 4, 1.0) for i in range(0, 80, 5)] == [schedule(i, 10, 4) for i in range(0, 80, 5)]


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0])
def test_fade_in_blends_g_d_and_the_real_images(alpha):
    torch.manual_seed(0)
    G, D = ProGenerator(8, 16, 1, 4), ProDiscriminator(16, 1, 4)
    z = torch.randn(4, 8)
    with torch.no_grad():
        feats = G.trunk(z, 2)
        old = torch.nn.functional.interpolate(G.to_rgb[1](feats[1]), scale_factor=2, mode="nearest")
        new = G.to_rgb[2](feats[2])
        assert torch.allclose(G.at(z, 2, alpha, fading=True), (1 - alpha) * old + alpha * new, atol=1e-6)
        x = torch.randn(4, 1, 16, 16)
        # D: (1 − α)·fromRGB_1(avgpool(x)) + α·block_2(fromRGB_2(x)), then the rest of the way
        act = lambda t: torch.nn.functional.leaky_relu(t, 0.2)  # noqa: E731
        h_new = D._block(2, act(D.from_rgb[2](x)))
        h_old = act(D.from_rgb[1](torch.nn.functional.avg_pool2d(x, 2)))
        h = (1 - alpha) * h_old + alpha * h_new
        h = D._block(1, h)
        h = act(D.last_conv(minibatch_stddev(h)))
        want = D.out(act(D.dense(h.flatten(1))))
        assert torch.allclose(D(x, 2, alpha, fading=True), want, atol=1e-5)
        # real images: (1 − α)·upsample(avgpool(x)) + α·x at the level's side
        r = real_at(x, 2, 3, alpha, True)
        up = torch.nn.functional.interpolate(torch.nn.functional.avg_pool2d(x, 2), scale_factor=2, mode="nearest")
        assert torch.allclose(r, (1 - alpha) * up + alpha * x, atol=1e-6)
    if alpha == 1.0:  # a finished fade is the stable network
        assert torch.allclose(G.at(z, 2, 1.0, True), G.at(z, 2), atol=1e-6)


def test_g_renders_at_its_trained_level_on_the_full_side():
    G = ProGenerator(8, 32, 1, 4)
    z = torch.randn(2, 8)
    G.level.fill_(1)
    G.alpha.fill_(1.0)
    with torch.no_grad():
        out = G(z)
        assert out.shape == (2, 1, 32, 32)
        small = G.at(z, 1).clamp(-1, 1)  # 8×8, each pixel repeated 4×4; D's input as it is, only clipped
        assert torch.allclose(out, small.repeat_interleave(4, 2).repeat_interleave(4, 3))
        assert [o.shape[-1] for o in G.outputs(z, 3)] == [4, 8, 16, 32]


def test_channel_profiles_pyramid_by_default_and_flat_on_request(tmp_path):
    from trainers.config import stored_fields
    from trainers.models import MODELS

    cfg = resolve(TrainConfig(model="progan", data="digits", image_size=32, width=4, steps=10, out=str(tmp_path)))
    assert cfg.arch == "pyramid"
    assert stored_fields({k: v for k, v in cfg.to_dict().items() if k != "arch"})["arch"] == "pyramid"  # old runs
    spec = MODELS["progan"]
    side = lambda m: [b[0].weight.shape[0] for b in m.blocks[1:]]  # noqa: E731 - each grown level's first conv
    pyramid = spec.variants["pyramid"](cfg, (1, 32, 32), None)
    flat = spec.variants["flat"](cfg, (1, 32, 32), None)
    assert [c.weight.shape[1] for c in pyramid["G"].body.to_rgb] == [32, 16, 8, 4]  # 4 · 2^(3 − k), at most 8·4
    assert [c.weight.shape[1] for c in flat["G"].body.to_rgb] == [4, 4, 4, 4]
    assert side(flat["G"].body) == [4, 4, 4] and [c.weight.shape[0] for c in flat["D"].from_rgb] == [4, 4, 4, 4]


def test_bilinear_arch_upsamples_the_trunk_bilinear_and_reloads_as_such(tmp_path):
    """``--arch bilinear``: level 1's first conv reads the 4×4 features upsampled bilinear (not repeated); a run's
    checkpoint renders with the same G it trained."""
    from trainers.models import MODELS

    cfg = resolve(TrainConfig(model="progan", data="digits", image_size=16, width=4, steps=10, out=str(tmp_path)))
    torch.manual_seed(0)
    G = MODELS["progan"].variants["bilinear"](cfg, (1, 16, 16), None)["G"].body
    z = torch.randn(3, cfg.z_dim)
    with torch.no_grad():
        h0 = G.trunk(z, 0)[0]
        c1, c2 = G.blocks[1]
        act = lambda x: torch.nn.functional.leaky_relu(x, 0.2)  # noqa: E731
        up = torch.nn.functional.interpolate(h0, scale_factor=2, mode="bilinear", align_corners=False)
        want = pixel_norm(act(c2(pixel_norm(act(c1(up))))))
        assert torch.allclose(G.trunk(z, 1)[1], want, atol=1e-6)
        rep = h0.repeat_interleave(2, 2).repeat_interleave(2, 3)
        nearest = pixel_norm(act(c2(pixel_norm(act(c1(rep))))))
        assert (G.trunk(z, 1)[1] - nearest).abs().max() > 1e-3
    run = tmp_path / "run"
    list(train(tiny_config(tmp_path, **PG, arch="bilinear", steps=4, checkpoint_every=4)))
    gen = load_generator(run / "checkpoints" / "last.safetensors")
    assert gen.G.body.up == "bilinear" and gen.render(gen.latent(2)).shape == (2, 1, 16, 16)


def test_training_grows_and_restarts_adam_with_each_resolution(tmp_path):
    list(train(tiny_config(tmp_path, **PG, steps=12, checkpoint_every=4, sample_every=4,
                           log_window_s=0.0)))  # a row per step however fast the steps run
    rows = {r["step"]: r for r in read_metrics(tmp_path / "run") if "resolution" in r}
    # 8 images a step, 16 a phase: steps 1-2 at 4 px, 3-4 fade to 8, 5-6 at 8, 7-8 fade to 16, 9+ at 16
    assert [rows[s]["resolution"] for s in range(1, 13)] == [4, 4, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16]
    assert [rows[s]["alpha"] for s in (3, 4, 5, 7, 8)] == [0.0, 0.5, 1.0, 0.0, 0.5]
    last = ck.read_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors").tensors
    d_steps = {float(v) for k, v in last.items() if k.startswith("optim/D/") and k.endswith("/step")}
    # counted since step 7 only; D's 8-px fromRGB took part in the two fade-in steps alone
    assert float(last["optim/G/0/step"]) == 6.0 and d_steps == {6.0, 2.0}
    assert int(last["G/body.level"]) == 2 and float(last["G_ema/body.alpha"]) == 1.0
    gen = load_generator(tmp_path / "run" / "checkpoints" / "step_0000004.safetensors")
    assert int(gen.G.body.level) == 1 and float(gen.G.body.alpha) == 0.5  # the EMA copy, as it was then
    assert gen.render(gen.latent(3)).shape == (3, 1, 16, 16)


def test_n_critic_updates_d_k_times_and_phases_count_real_images(tmp_path):
    list(train(tiny_config(tmp_path, **PG, n_critic=2, steps=6, checkpoint_every=6, sample_every=6)))
    rows = {r["step"]: r for r in read_metrics(tmp_path / "run") if "resolution" in r}
    # 2 × 8 real images a step, 16 a phase: step 1 at 4 px, 2 fades to 8, 3 at 8, 4 fades to 16, 5+ at 16
    assert [rows[s]["resolution"] for s in range(1, 7)] == [4, 8, 8, 16, 16, 16]
    assert [rows[s]["alpha"] for s in (2, 3, 4, 5)] == [0.0, 1.0, 0.0, 1.0]
    last = ck.read_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors").tensors
    d_steps = {float(v) for k, v in last.items() if k.startswith("optim/D/") and k.endswith("/step")}
    # since step 4 (16 px): 3 G updates, 6 D updates (the 8-px fromRGB only in the fade-in step: 2)
    assert float(last["optim/G/0/step"]) == 3.0 and d_steps == {6.0, 2.0}


def test_resume_is_bit_exact_across_a_resolution_change(tmp_path):
    a = resumed_like_straight(tmp_path, 6, **PG, checkpoint_every=1000, sample_every=1000)  # resumes at step 3
    assert int(a["G/body.level"]) == 1


def test_config_says_what_progan_needs(tmp_path):
    cfg = resolve(TrainConfig(model="progan", data="digits", image_size=32, steps=10, out=str(tmp_path)))
    assert (cfg.lr_g, cfg.beta1, cfg.beta2, cfg.gp_weight, cfg.ema, cfg.phase_images) == (1e-3, 0.0, 0.99, 10.0,
                                                                                          0.999, 16000)
    with pytest.raises(ConfigError, match="phase-images is ProGAN.s"):
        resolve(TrainConfig(model="dcgan", data="digits", phase_images=100, steps=10, out=str(tmp_path)))
    assert cfg.phase_ratio == 1.0
    for bad in (0.0, -1.0, float("nan"), 100.0):
        with pytest.raises(ConfigError, match="phase-ratio must be a number from 0.25 to 16"):
            resolve(TrainConfig(model="progan", data="digits", image_size=32, phase_ratio=bad, steps=10,
                                out=str(tmp_path)))
    with pytest.raises(ConfigError, match="phase-ratio is ProGAN.s"):
        resolve(TrainConfig(model="wgan-gp", data="digits", phase_ratio=2.0, steps=10, out=str(tmp_path)))
    with pytest.raises(ConfigError, match="less than one step's real images"):
        resolve(TrainConfig(model="progan", data="digits", image_size=32, phase_images=10, steps=10, out=str(tmp_path)))
    with pytest.raises(ConfigError, match=r"less than one step's real images \(128"):  # 64 × 2 D steps
        resolve(TrainConfig(model="progan", data="digits", image_size=32, phase_images=100, n_critic=2, steps=10,
                            out=str(tmp_path)))
    with pytest.raises(ConfigError, match="16, 32, 64 px"):  # 28 px does not halve to 4
        resolve(TrainConfig(model="progan", data="digits", image_size=28, steps=10, out=str(tmp_path)))
    # left out, the size is the family's pick for the data: the smallest side it makes above digits' 28 px
    assert resolve(TrainConfig(model="progan", data="digits", steps=10, out=str(tmp_path))).image_size == 32


def test_laplacian_pyramid_sums_back_and_swd_is_a_distance():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 1, 16, 16))
    from trainers.metrics.swd import pyr_up

    pyr = laplacian_pyramid(x, 2)
    assert [p.shape[-1] for p in pyr] == [16, 8]
    assert np.allclose(pyr[0] + pyr_up(pyr[1], (16, 16)), x)
    a = rng.standard_normal((500, 5))
    assert sliced_wasserstein(a, a) == 0.0
    assert sliced_wasserstein(a, a + 1.0) > sliced_wasserstein(a, a + 0.1) > 0
    imgs = np.tanh(rng.standard_normal((64, 1, 16, 16)))
    # each set's descriptors are normalised on their own (as the paper's code): a scale is not a difference, a
    # change of shape (values pushed to ±1) is
    same, other = swd(imgs[:32], imgs[32:]), swd(imgs[:32], np.sign(imgs[32:]))
    assert swd(imgs[:32], imgs[32:] * 0.2)["mean"] == pytest.approx(same["mean"], rel=1e-6)
    assert same["levels"] == [16, 8] and other["mean"] > same["mean"]
