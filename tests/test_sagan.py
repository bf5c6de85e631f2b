"""SAGAN: the self-attention block (shapes, γ = 0 identity, a constructed map that points where it must), the
family's nets and recipe, γ reported as live stats and leaving 0 in training."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from tests.conftest import tiny_config
from trainers import train
from trainers.models import MODELS, build_networks
from trainers.models.sagan import SelfAttention, attention_layers, attention_maps, gamma_stats


def test_attention_shapes_and_rows_that_sum_to_one():
    torch.manual_seed(0)
    att = SelfAttention(32, spectral=False)
    x = torch.randn(3, 32, 7, 5)
    att.keep_map = True
    y = att(x)
    assert y.shape == x.shape
    assert att.query.weight.shape == (4, 32, 1, 1) and att.key.weight.shape == (4, 32, 1, 1)  # C/8
    assert att.value.weight.shape == (16, 32, 1, 1) and att.out.weight.shape == (32, 16, 1, 1)
    assert att.last_map.shape == (3, 35, 35)
    torch.testing.assert_close(att.last_map.sum(-1), torch.ones(3, 35))


def test_gamma_zero_is_the_identity_and_gamma_scales_the_attention():
    torch.manual_seed(1)
    att = SelfAttention(16)
    x = torch.randn(2, 16, 6, 6)
    assert float(att.gamma.detach()) == 0.0
    assert torch.equal(att(x), x)
    with torch.no_grad():
        att.gamma.fill_(0.5)
    delta_half = att.eval()(x) - x
    with torch.no_grad():
        att.gamma.fill_(1.0)
    torch.testing.assert_close(att(x) - x, 2 * delta_half)
    assert delta_half.abs().max() > 1e-4


def test_a_constructed_input_attends_where_it_must():
    """Query reads channel 0, key reads channel 1: the position lit in channel 0 attends to the one lit in
    channel 1 and nowhere else; unlit queries attend uniformly."""
    att = SelfAttention(8, spectral=False)
    with torch.no_grad():
        for conv in (att.query, att.key):
            conv.weight.zero_()
        att.query.weight[0, 0] = 1.0
        att.key.weight[0, 1] = 1.0
    x = torch.zeros(1, 8, 4, 6)
    x[0, 0, 1, 2] = 10.0  # query position (x=2, y=1)
    x[0, 1, 3, 5] = 10.0  # key position (x=5, y=3)
    beta = att.attention(x)[0].detach()
    row = beta[1 * 6 + 2]
    assert int(row.argmax()) == 3 * 6 + 5
    assert float(row.max()) > 0.99
    torch.testing.assert_close(beta[0], torch.full((24,), 1 / 24))


@pytest.mark.parametrize("arch", ["mnist", "conv"])
@pytest.mark.parametrize("size,channels,sides", [(28, 1, [7, 14]), (32, 3, [8, 16]), (64, 3, [16, 32])])
def test_nets_attend_at_a_quarter_and_half_the_image_side(size, channels, sides, arch):
    torch.manual_seed(0)
    nets = build_networks(MODELS["sagan"], sample_shape=(channels, size, size), num_classes=0, z_dim=16, width=8,
                          arch=arch)
    G, D = nets["G"], nets["D"]
    latent = {"z": torch.randn(2, 16)}
    images, maps = attention_maps(G, latent)
    assert images.shape == (2, channels, size, size)
    assert [m["side"] for m in maps] == sides
    assert all(m["map"].shape == (2, s * s, s * s) and m["gamma"] == 0.0 for m, s in zip(maps, sides))
    assert len(attention_layers(D)) == 1 and D(images).shape == (2,)
    # every conv in G and D is spectrally normalised, as the paper has it
    convs = [m for net in (G, D) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    assert convs and all(hasattr(m, "weight_orig") for m in convs)


def test_attention_maps_leave_the_generator_as_it_was():
    nets = build_networks(MODELS["sagan"], sample_shape=(1, 28, 28), num_classes=0, z_dim=16, width=8)
    G = nets["G"].train()
    attention_maps(G, {"z": torch.randn(2, 16)})
    assert G.training and all(not layer.keep_map and layer.last_map is None for layer in attention_layers(G))


def test_the_recipe_is_the_papers():
    fam = MODELS["sagan"]
    d = fam.defaults
    assert (d["lr_g"], d["lr_d"], d["beta1"], d["beta2"], d["n_critic"]) == (1e-4, 4e-4, 0.0, 0.9, 1)
    assert fam.loss == "hinge" and fam.spectral


def test_gamma_is_logged_per_layer_and_leaves_zero(tmp_path):
    cfg = tiny_config(tmp_path, model="sagan", width=8, batch_size=16, steps=5, sample_every=1000,
                      checkpoint_every=1000, log_window_s=0.0)
    list(train(cfg))
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    last = rows[-1]
    assert {"gamma_g1", "gamma_g2", "gamma_d"} <= last.keys()
    assert all(abs(last[k]) > 0 for k in ("gamma_g1", "gamma_g2", "gamma_d"))
    assert rows[-1]["step"] == 5


def test_gamma_stats_name_single_and_several_layers():
    G = nn.Sequential(SelfAttention(8), SelfAttention(8))
    D = nn.Sequential(SelfAttention(8))
    with torch.no_grad():
        G[1].gamma.fill_(0.25)
        D[0].gamma.fill_(-0.5)
    stats = gamma_stats(G, D)
    assert {k: float(v) for k, v in stats.items()} == {"gamma_g1": 0.0, "gamma_g2": 0.25, "gamma_d": -0.5}


def test_the_mnist_variant_is_the_dcgan_authors_mnist_nets_with_attention():
    """``--arch mnist``: DCGAN's MNIST nets (two fully connected layers and two transposed convs in G; two strided
    convs and a fully connected layer in D), spectral norm on every layer, attention at S/4 and S/2 in G and at
    S/2 in D, each map's rows summing to 1."""
    from trainers.models.sagan import SAGANFCGenerator, SAGANFCTrunk

    torch.manual_seed(0)
    nets = build_networks(MODELS["sagan"], sample_shape=(1, 28, 28), num_classes=0, z_dim=16, width=8, arch="mnist")
    G, D = nets["G"], nets["D"]
    assert isinstance(G.body, SAGANFCGenerator) and isinstance(D.trunk, SAGANFCTrunk)
    layers = [m for net in (G, D) for m in net.modules() if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d))]
    assert all(hasattr(m, "weight_orig") for m in layers)
    assert [sum(isinstance(m, nn.Linear) for m in net.modules()) for net in (G, D)] == [2, 2]  # D: fc + head
    assert [layer.query.weight.shape[1] for layer in attention_layers(G)] == [16, 8]  # 2w at 7×7, w at 14×14
    assert G.first_features(torch.randn(3, 16)).shape == (3, 128)  # 16w units: GANSpace's space
    (d_att,) = attention_layers(D)
    d_att.keep_map = True
    images = G.eval().generate({"z": torch.randn(3, 16)})
    assert images.shape == (3, 1, 28, 28) and D(images).shape == (3,)
    assert d_att.last_map.shape == (3, 14 * 14, 14 * 14)
    torch.testing.assert_close(d_att.last_map.sum(-1), torch.ones(3, 196))
    _, maps = attention_maps(G, {"z": torch.randn(3, 16)})
    for m in maps:
        torch.testing.assert_close(m["map"].sum(-1), torch.ones(m["map"].shape[:2]))


def test_the_fused_attention_gives_what_the_explicit_map_gives():
    """Training runs the block through PyTorch's fused attention (no map kept); the explorer's path builds β. The
    two agree, for query/key narrower than the value and for 1-channel query/key."""
    torch.manual_seed(2)
    for ch, side in ((32, 14), (8, 7), (64, 4)):
        att = SelfAttention(ch).eval()  # eval: spectral norm's power iteration stands still between the two
        with torch.no_grad():
            att.gamma.fill_(0.7)
        x = torch.randn(2, ch, side, side)
        fused = att(x)
        att.keep_map = True
        torch.testing.assert_close(att(x), fused, atol=1e-5, rtol=1e-5)


def test_mnist_is_the_default_and_a_stored_config_without_arch_builds_the_old_nets(tmp_path):
    from trainers.config import TrainConfig, resolve, stored_fields
    from trainers.models import family_networks
    from trainers.models.sagan import SAGANFCGenerator, SAGANGenerator, SAGANTrunk

    spec = MODELS["sagan"]
    cfg = resolve(TrainConfig(model="sagan", data="digits", width=8, z_dim=16, steps=10, out=str(tmp_path)))
    assert cfg.arch == "mnist"
    assert isinstance(family_networks(spec, cfg, (1, 28, 28))[0]["G"].body, SAGANFCGenerator)
    old = TrainConfig.from_stored(stored_fields({k: v for k, v in cfg.to_dict().items() if k != "arch"}))
    assert old.arch == "conv"  # bundles and runs from before the variants
    nets = family_networks(spec, old, (1, 28, 28))[0]
    assert isinstance(nets["G"].body, SAGANGenerator) and isinstance(nets["D"].trunk, SAGANTrunk)
