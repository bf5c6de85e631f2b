"""CoGAN: the two generators share every layer but the last and the two discriminators every layer but the first
(one tensor each, trained by both domains), one z draws a pair, resume is bit-exact, and the pair score reads
agreement right on constructed pairs."""

import torch

from trainers.config import resolve
from trainers.loop import train
from trainers.models import MODELS, family_networks
from trainers.models.cogan import CoGAN

from .conftest import resumed_like_straight, tiny_config

CO = dict(model="cogan", data="digits-plain", data_b="digits-negative", width=4, batch_size=8)


def _algo(tmp_path):
    cfg = resolve(tiny_config(tmp_path, **CO))
    nets, inputs = family_networks(MODELS["cogan"], cfg, (1, 32, 32))
    return CoGAN(cfg, MODELS["cogan"], nets, inputs, torch.device("cpu"))


def test_shared_layers_are_one_tensor_and_the_outer_ones_are_two(tmp_path):
    algo = _algo(tmp_path)
    G, D = algo.G.body, algo.D
    assert G.heads[0][0].weight is not G.heads[1][0].weight and D.firsts[0][0].weight is not D.firsts[1][0].weight
    names = {n for n, _ in algo.G.named_parameters()}
    assert sum(n.startswith("body.fc") or n.startswith("body.shared") for n in names) > 0
    h = torch.randn(3, algo.inputs.in_dim)
    a, b = G.pair(h)
    assert a.shape == b.shape == (3, 1, 32, 32) and torch.equal(a, G(h))
    for out in (a, b):  # both images are drawn from the same shared weights
        g, = torch.autograd.grad(out.sum(), G.fc[0].weight, retain_graph=True)
        assert g.abs().sum() > 0
    x = torch.randn(2, 1, 32, 32)
    for dom in (0, 1):
        g, = torch.autograd.grad(D(x, dom).sum(), D.shared[0].weight)
        assert g.abs().sum() > 0
    assert not torch.equal(D(x, 0), D(x, 1))  # the first layers differ


def test_one_step_updates_the_shared_layers_from_both_domains(tmp_path):
    algo = _algo(tmp_path)
    batches = {"A": torch.rand(8, 1, 32, 32) * 2 - 1, "B": torch.rand(8, 1, 32, 32) * 2 - 1}
    before = {n: p.detach().clone() for n, p in algo.G.named_parameters()}
    stats = algo.train_step(batches, 0)
    assert {"loss_d", "loss_g", "d_real", "d_fake"} <= set(stats)
    moved = {n for n, p in algo.G.named_parameters() if not torch.equal(p, before[n])}
    assert {"body.fc.0.weight", "body.heads.0.0.weight", "body.heads.1.0.weight"} <= moved


def test_resume_is_bit_exact(tmp_path):
    opts = dict(**CO, checkpoint_every=1000, sample_every=1000, data_limit=128)
    assert {"G/body.heads.1.0.weight", "D/firsts.1.0.weight"} <= set(resumed_like_straight(tmp_path, 6, **opts))


def test_pairs_are_scored_by_class_agreement(tmp_path):
    """A generator whose pair is (digit, its negative) for real digits agrees with itself; with B's digits
    shuffled it agrees only by chance."""
    from trainers.data import load_dataset
    from trainers.metrics.translation import evaluate_pairs

    list(train(tiny_config(tmp_path, **CO, steps=2, checkpoint_every=2, sample_every=2, data_limit=64)))
    from trainers.generator import load_generator

    gen = load_generator(tmp_path / "run" / "checkpoints" / "last.safetensors")
    digits = load_dataset("digits-plain", limit=400)
    x = digits.to_model(digits.x)

    class Body(torch.nn.Module):
        def __init__(self, shuffle):
            super().__init__()
            self.shuffle = shuffle

        def pair(self, h):
            i = torch.arange(len(h)) % len(x)
            b = -x[i]
            return x[i], (b[torch.randperm(len(b), generator=torch.Generator().manual_seed(0))] if self.shuffle else b)

    gen.G.body = Body(False)
    assert evaluate_pairs(gen, 200)["metrics"]["class_agreement"]["value"] >= 0.98
    gen.G.body = Body(True)
    assert evaluate_pairs(gen, 200)["metrics"]["class_agreement"]["value"] < 0.3
