"""StyleGAN: modulation and demodulation on hand-computed weights, the mapping network's lr multiplier, W-average
truncation, the style-mixing crossover, R1 on a function whose gradient is known, noise modes, the W+ layout, and
resume bit-exact."""

import math

import pytest
import torch

from trainers.config import TrainConfig, resolve, stored_fields
from trainers.errors import ConfigError
from trainers.generator import load_generator
from trainers.loop import train
from trainers.models.stylegan import (Mapping, MappedLinear, StyleGenerator, mix, modulated_conv,
                                      modulated_conv_grouped, r1_penalty, upsample2)
from trainers.runfolder import read_metrics

from .conftest import resumed_like_straight, tiny_config

SG = dict(model="stylegan", data="digits", image_size=16, width=4, z_dim=8, batch_size=8, data_limit=256)


def test_modulation_and_demodulation_on_hand_computed_weights():
    # one output channel, two input channels, 1×1 kernel: w = [3, 4]; style s = [2, 0.5]
    weight = torch.tensor([3.0, 4.0]).view(1, 2, 1, 1)
    style = torch.tensor([[2.0, 0.5]])
    x = torch.tensor([1.0, 1.0]).view(1, 2, 1, 1)
    # modulated w' = [6, 2]; without demodulation y = 6 + 2 = 8; demodulated w'' = w' / √(36 + 4) → y = 8 / √40
    assert modulated_conv(x, weight, style, demodulate=False).item() == pytest.approx(8.0)
    assert modulated_conv(x, weight, style).item() == pytest.approx(8 / math.sqrt(40), rel=1e-5)
    # demodulation gives each output channel unit weight norm per sample, whatever the style's scale
    w = torch.randn(5, 3, 3, 3)
    s = torch.rand(4, 3) + 0.1
    a = torch.randn(4, 3, 6, 6)
    assert torch.allclose(modulated_conv(a, w, s, padding=1), modulated_conv(a, w, 10 * s, padding=1), atol=1e-5)
    assert torch.allclose(modulated_conv(a, w, s, padding=1), modulated_conv_grouped(a, w, s, padding=1), atol=1e-5)


def test_the_mapping_network_learns_at_a_hundredth_of_the_rate():
    layer = MappedLinear(4, 3, lr_mul=0.01)
    x = torch.randn(2, 4)
    assert torch.allclose(layer(x), x @ (layer.weight * 0.01 / 2).t() + layer.bias * 0.01)
    assert abs(float(layer.weight.detach().std()) - 100) < 50  # stored ×1/m: the effective weights are N(0, 1/fan_in)
    layer(x).sum().backward()
    plain = MappedLinear(4, 3)
    plain.weight.data.copy_(layer.weight.data * 0.01)
    plain.bias.data.copy_(layer.bias.data * 0.01)
    assert torch.allclose(plain(x), layer(x), atol=1e-5)  # the same function ...
    plain(x).sum().backward()
    # ... but a step on the stored weights moves the output a hundredth as much (gradient ×m on weights ×1/m)
    assert torch.allclose(layer.weight.grad, plain.weight.grad * 0.01, atol=1e-6)


def test_truncation_moves_w_towards_the_average():
    m = Mapping(8, 8, 2)
    m.w_avg.copy_(torch.ones(8))
    w = torch.full((3, 8), 3.0)
    assert torch.equal(m.truncate(w, 1.0), w)
    assert torch.allclose(m.truncate(w, 0.0), torch.ones(3, 8))
    assert torch.allclose(m.truncate(w, 0.5), torch.full((3, 8), 2.0))
    assert torch.allclose(m.truncate(w, -1.0), torch.full((3, 8), -1.0))  # through the average, beyond it


def test_style_mixing_crosses_over_at_the_cutoff():
    a, b = torch.zeros(3, 5, 2), torch.ones(3, 5, 2)
    out = mix(a, b, torch.tensor([1, 3, 5]))
    assert out[0, :, 0].tolist() == [0, 1, 1, 1, 1]
    assert out[1, :, 0].tolist() == [0, 0, 0, 1, 1]
    assert out[2, :, 0].tolist() == [0, 0, 0, 0, 0]  # cutoff = num_ws: not mixed


def test_r1_on_a_function_with_a_known_gradient():
    x = torch.randn(4, 1, 3, 3).requires_grad_(True)
    out = (x ** 2).flatten(1).sum(1)  # ∇ = 2x: ‖∇‖² = 4‖x‖²
    want = (4 * x.detach().pow(2).flatten(1).sum(1)).mean()
    assert r1_penalty(out, x).item() == pytest.approx(want.item(), rel=1e-5)


def test_wplus_layout_noise_modes_and_layer_sides():
    torch.manual_seed(0)
    G = StyleGenerator(8, 8, 2, 32, 1, 4)
    assert G.num_ws == 8 and G.synthesis.layer_sides() == [4, 8, 8, 16, 16, 32, 32, 32]
    z = torch.randn(2, 8)
    G.eval()
    with torch.no_grad():
        img = G(z)
        assert img.shape == (2, 1, 32, 32) and torch.equal(img, G(z))  # const noise: the same image each time
        ws = G.ws(z)
        assert torch.equal(G.render(ws), img)
        for conv in G.synthesis.convs:
            conv.noise_strength.fill_(0.5)
        assert not torch.equal(G.render(ws, "none"), G.render(ws, "const"))
        assert not torch.equal(G.render(ws, "random"), G.render(ws, "random"))
        modes = ["const"] * 7
        modes[6] = "none"  # only the last layer's noise off: only fine detail changes
        diff = (G.render(ws, modes) - G.render(ws)).abs()
        assert diff.max() > 0
        # a style at the last layers changes the image, while w at layer 0 only reaches it through the layers after
        other = ws.clone()
        other[:, 7] = torch.randn(2, 8)
        assert not torch.equal(G.render(other), G.render(ws))
        assert G.synthesis(ws, features_of=2).shape[-1] == 8


def test_filtered_upsampling_is_the_binomial_low_pass_and_old_runs_keep_nearest(tmp_path):
    x = torch.randn(1, 2, 6, 6)
    # StyleGAN2's upsampling: insert zeros, then filter with [1, 3, 3, 1] ⊗ [1, 3, 3, 1] / 64 · 4 (the gain of ×2)
    zeros = torch.zeros(1, 2, 12, 12)
    zeros[..., ::2, ::2] = x
    k = torch.tensor([1.0, 3.0, 3.0, 1.0])
    k = (k[:, None] * k[None, :]) / 16
    ref = torch.nn.functional.conv2d(torch.nn.functional.pad(zeros, (2, 1, 2, 1)), k.expand(2, 1, 4, 4), groups=2)
    assert torch.allclose(upsample2(x, "bilinear")[..., 1:-1, 1:-1], ref[..., 1:-1, 1:-1], atol=1e-6)
    assert torch.equal(upsample2(x, "nearest")[..., ::2, ::2], x)
    # a run stored before the choice existed (no arch) is rebuilt with nearest; a new one gets the filtered default
    cfg = resolve(TrainConfig(model="stylegan", data="digits", image_size=16, steps=10, out=str(tmp_path)))
    assert cfg.arch == "bilinear"
    old = {k: v for k, v in cfg.to_dict().items() if k != "arch"}
    assert stored_fields(old)["arch"] == "nearest"
    G = StyleGenerator(8, 8, 2, 16, 1, 4, "nearest")
    assert [c.up_mode for c in G.synthesis.convs if c.up] == ["nearest", "nearest"]
    assert G.synthesis.up_mode == "nearest"
    # the skip sum of a 4-px toRGB alone, upsampled twice, is smooth with bilinear and blocky with nearest
    for mode, blocky in (("bilinear", False), ("nearest", True)):
        img = upsample2(upsample2(torch.randn(1, 1, 4, 4), mode), mode)
        assert torch.equal(img[..., 0::4, :], img[..., 1::4, :]) == blocky


def test_training_logs_r1_every_16_steps_and_keeps_the_w_average(tmp_path):
    list(train(tiny_config(tmp_path, **SG, steps=16, checkpoint_every=16, sample_every=16)))
    rows = [r for r in read_metrics(tmp_path / "run") if "loss_d" in r]
    assert [r["step"] for r in rows if "r1" in r] == [16]
    gen = load_generator(tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert float(gen.G.body.mapping.w_avg.abs().sum()) > 0  # tracked while training (and carried by the EMA)
    assert gen.render(gen.latent(3)).shape == (3, 1, 16, 16)


def test_resume_is_bit_exact(tmp_path):
    a = resumed_like_straight(tmp_path, 6, **SG, checkpoint_every=1000, sample_every=1000)
    assert "G/body.mapping.w_avg" in a and "G/body.synthesis.convs.0.noise_const" in a


def test_config_says_what_stylegan_needs(tmp_path):
    cfg = resolve(TrainConfig(model="stylegan", data="digits", image_size=32, steps=10, out=str(tmp_path)))
    assert (cfg.lr_g, cfg.beta1, cfg.beta2, cfg.mixing, cfg.r1_gamma, cfg.mapping_depth, cfg.ema) == \
        (2e-3, 0.0, 0.99, 0.9, 1.0, 4, 0.999)
    with pytest.raises(ConfigError, match="mixing is StyleGAN's"):
        resolve(TrainConfig(model="dcgan", data="digits", mixing=0.5, steps=10, out=str(tmp_path)))
    with pytest.raises(ConfigError, match="--mixing must be a probability"):
        resolve(TrainConfig(model="stylegan", data="digits", image_size=32, mixing=1.5, steps=10, out=str(tmp_path)))
    with pytest.raises(ConfigError, match="--mapping-depth"):
        resolve(TrainConfig(model="stylegan", data="digits", image_size=32, mapping_depth=0, steps=10,
                            out=str(tmp_path)))


def test_layer_groups_and_the_slopes_of_style_separation(monkeypatch):
    import numpy as np

    from trainers.metrics import styles
    from trainers.metrics.features import Embedding

    assert styles.layer_groups([4, 8, 8, 16, 16, 32, 32, 32]) == {"coarse": [0, 1, 2], "middle": [3, 4],
                                                                   "fine": [5, 6, 7]}

    class Stub:  # "class": is the image bright on average; one factor: its mean value
        factor_names = ("brightness",)

        def embed(self, x):
            m = x.float().mean((1, 2, 3)).numpy().astype(np.float64)
            cls = (m > np.median(m)).astype(int)
            return Embedding(np.zeros((len(x), 1)), np.eye(2)[cls], m[:, None])

    class Gen:
        device = torch.device("cpu")

        def __init__(self):
            torch.manual_seed(0)
            self.G = type("G", (), {})()
            self.G.body = StyleGenerator(8, 8, 2, 16, 1, 4).eval()
            for conv in self.G.body.synthesis.convs:
                conv.noise_strength.data.fill_(0.0)

    # a group holding every layer makes the mix the source itself: slope 1, class always the source's
    monkeypatch.setattr(styles, "GROUPS", (("all", 1, 10 ** 6), ("none", 10 ** 7, 10 ** 8)))
    r = styles.style_separation(Gen(), Stub(), n=64)
    assert list(r["groups"]) == ["all"] and r["groups"]["all"]["layers"] == list(range(6))
    assert r["groups"]["all"]["factors"]["brightness"] == pytest.approx(1.0)
    assert r["groups"]["all"]["class_follows_source"] == 1.0
    assert "brightnes" in "\n".join(styles.table(r))  # the column, cut to 9 characters
