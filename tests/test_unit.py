"""UNIT: the encoders' last block and the decoders' first are one tensor for both domains, translation goes
through the shared space, G's objective is the paper's weighted sum with KL = E[μ²], and resume is bit-exact
(the VAE noise comes from the run's generator)."""

import pytest
import torch

from trainers.config import resolve
from trainers.models import MODELS, family_networks
from trainers.models.unit import UNIT, WEIGHTS, UNITGenerator

from .conftest import resumed_like_straight, tiny_config

UN = dict(model="unit", data="digits-plain", data_b="digits-bold", width=4, batch_size=4)


def test_the_shared_blocks_serve_both_domains():
    G = UNITGenerator(1, width=4).eval()
    a = torch.rand(2, 1, 32, 32) * 2 - 1
    assert G.encode(a, 0).shape == (2, 16, 8, 8) and G.a2b(a).shape == G.b2a(a).shape == (2, 1, 32, 32)
    for domain in (0, 1):  # one set of shared weights, reached from either encoder and by either decoder
        g, = torch.autograd.grad(G.encode(a, domain).sum(), G.enc_shared.body[1].weight)
        assert g.abs().sum() > 0
        g, = torch.autograd.grad(G.decode(G.encode(a, 0), domain).sum(), G.dec_shared.body[1].weight)
        assert g.abs().sum() > 0
    assert G.enc[0][1].weight is not G.enc[1][1].weight and G.dec[0][-2].weight is not G.dec[1][-2].weight
    torch.testing.assert_close(G.generate({"x": a}), G.decode(G.encode(a, 0), 1))


def test_the_generator_objective_is_the_papers_weighted_sum(tmp_path):
    cfg = resolve(tiny_config(tmp_path, **UN))
    nets, inputs = family_networks(MODELS["unit"], cfg, (1, 32, 32))
    algo = UNIT(cfg, MODELS["unit"], nets, inputs, torch.device("cpu"))
    a, b = torch.rand(4, 1, 32, 32) * 2 - 1, torch.rand(4, 1, 32, 32) * 2 - 1
    with torch.no_grad():
        kl = algo.G.encode(a, 0).pow(2).mean() + algo.G.encode(b, 1).pow(2).mean()
    stats = algo._g_update(a, b)
    assert stats["loss_kl"].item() == pytest.approx(kl.item(), rel=1e-5)  # KL of a unit-variance Gaussian: E[μ²]
    total = sum(WEIGHTS[k] * stats[f"loss_{n}"].item() for k, n in
                (("gan", "gan"), ("recon", "recon"), ("kl", "kl"), ("cycle", "cycle"), ("kl_cycle", "kl_cycle")))
    assert stats["loss_g"].item() == pytest.approx(total, rel=1e-5)
    assert WEIGHTS == {"gan": 10.0, "kl": 0.1, "recon": 100.0, "kl_cycle": 0.1, "cycle": 100.0}
    assert (cfg.lr_g, cfg.beta1, algo.opt_g.param_groups[0]["weight_decay"]) == (1e-4, 0.5, 1e-4)


def test_resume_is_bit_exact(tmp_path):
    opts = dict(**UN, checkpoint_every=1000, sample_every=1000, data_limit=64)
    a = resumed_like_straight(tmp_path, 4, **opts)
    assert "G/enc_shared.body.1.weight" in a


def test_eval_closes_the_cycle_through_the_shared_space(tmp_path):
    from trainers.generator import load_generator
    from trainers.loop import train
    from trainers.metrics.translation import evaluate_translation, held_out

    list(train(tiny_config(tmp_path, **UN, steps=2, checkpoint_every=2, sample_every=2, data_limit=64)))
    gen = load_generator(tmp_path / "run" / "checkpoints" / "last.safetensors")
    x, _, _, _ = held_out(gen.meta, 40)
    torch.testing.assert_close(gen.translate(x), gen.G.a2b(x))
    m = evaluate_translation(gen, 40)["metrics"]
    back = gen.G.b2a(gen.G.a2b(x))
    assert m["cycle_l1"]["value"] == pytest.approx(float(((back - x) / 2).abs().mean()), abs=1e-4)
