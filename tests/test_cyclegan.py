"""CycleGAN and its unpaired domains: the two domains never share a digit, the image pool keeps and swaps fakes
as the paper's does (and resumes with the run), the nets have the promised shapes and norms, the generator
objective is LSGAN + λ·cycle + 0.5·λ·identity on hand-computed values, and evaluation reports the cycle error."""

import math

import pytest
import torch

from trainers.config import TrainConfig, resolve
from trainers.data import load_dataset
from trainers.data.domains import padded, transform
from trainers.data import digits as digits_mod
from trainers.errors import ConfigError
from trainers.loop import train
from trainers.models import cyclegan
from trainers.models.cyclegan import ImagePool, ResNetGenerator

from .conftest import resumed_like_straight, tiny_config

CG = dict(model="cyclegan", data="digits-plain", data_b="digits-bold", width=4, batch_size=4)


def test_the_two_domains_come_from_disjoint_halves():
    a = load_dataset("digits-plain", limit=200)
    b = load_dataset("digits-bold", limit=200)
    assert len(a) == len(b) == 100 and a.x.shape[1:] == (1, 32, 32)
    d = digits_mod.load(200)
    plain = padded(torch.from_numpy(d.images)[:, None])
    assert torch.equal(a.x, (plain[:100] * 255).round().to(torch.uint8))
    bold_of_a = (transform("digits-bold", plain[:100]) * 255).round().to(torch.uint8)
    flat_b = {bytes(x.numpy().tobytes()) for x in b.x}
    assert not any(bytes(x.numpy().tobytes()) in flat_b for x in bold_of_a)  # no digit is in both domains
    neg = load_dataset("digits-negative", limit=200)
    assert torch.equal(neg.x, 255 - (plain[100:] * 255).round().to(torch.uint8))


def test_the_pool_keeps_then_swaps_half_the_time():
    g = torch.Generator().manual_seed(0)
    pool = ImagePool(4)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first, g), first) and torch.equal(pool.images, first)  # filling: passed on
    new = 10 + torch.arange(400.0).view(400, 1, 1, 1)
    out = pool.query(new, g)
    swapped = (out != new).flatten()
    assert 0.4 < swapped.float().mean() < 0.6  # half the time an older fake comes back
    assert set(out[swapped].flatten().tolist()) <= set(new.flatten().tolist()) | set(range(4))
    assert len(pool.images) == 4
    again = ImagePool(4)
    again.load(pool.state())
    assert torch.equal(again.images, pool.images) and ImagePool(0).query(first, g) is first


def test_generator_and_discriminator_shapes_and_norms(tmp_path):
    G = ResNetGenerator(1, width=4)
    assert G(torch.randn(2, 1, 32, 32)).shape == (2, 1, 32, 32)
    assert G(torch.randn(1, 1, 28, 28)).shape == (1, 1, 28, 28)
    assert sum(isinstance(m, cyclegan.ResBlock) for m in G.modules()) == 6
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in G.modules())
    nets = cyclegan.networks(resolve(tiny_config(tmp_path, **CG)), (1, 32, 32), None)
    assert set(nets) == {"G", "F", "D_A", "D_B"} and nets["D_A"](torch.randn(2, 1, 32, 32)).shape == (2, 1, 14, 14)
    assert any(isinstance(m, torch.nn.InstanceNorm2d) for m in nets["D_B"].modules())


def test_the_generator_objective_on_hand_computed_values(tmp_path):
    """With G and F the identity and both Ds answering 0.25: GAN = 2·½(0.25 − 1)², cycle = identity = 0."""
    from trainers.models import MODELS, family_networks

    cfg = resolve(tiny_config(tmp_path, **CG, cycle_weight=10.0))
    data = load_dataset("digits-plain", limit=16)
    nets, inputs = family_networks(MODELS["cyclegan"], cfg, data.sample_shape)
    algo = cyclegan.CycleGAN(cfg, MODELS["cyclegan"], nets, inputs, torch.device("cpu"))
    w = torch.nn.Parameter(torch.ones(()))
    algo._g = algo._f = lambda x: x * w
    algo._da = algo._db = lambda x: torch.full((x.shape[0], 1, 14, 14), 0.25) + 0 * x.sum()
    algo.opt_g = torch.optim.SGD([w], lr=0.0)
    a, b = torch.rand(3, 1, 32, 32), torch.rand(3, 1, 32, 32)
    stats = algo._g_update(a, b)
    assert stats["loss_gan"].item() == pytest.approx(2 * 0.5 * (0.25 - 1) ** 2)
    assert stats["loss_cycle"].item() == 0 and stats["loss_idt"].item() == 0
    algo._g = lambda x: x * w + 0.1  # G adds 0.1: the cycle a→G→F is off by 0.1, b→F→G too; G(b) − b = 0.1
    stats = algo._g_update(a, b)
    assert stats["loss_cycle"].item() == pytest.approx(0.2, abs=1e-5)
    assert stats["loss_idt"].item() == pytest.approx(0.1, abs=1e-5)
    assert stats["loss_g"].item() == pytest.approx(stats["loss_gan"].item() + 10 * 0.2 + 0.5 * 10 * 0.1, rel=1e-5)


def test_config_defaults_and_mistakes(tmp_path):
    cfg = resolve(TrainConfig(model="cyclegan", data="digits-plain", data_b="digits-negative", out=str(tmp_path)))
    assert (cfg.cycle_weight, cfg.lr_decay, cfg.beta1, cfg.eval_every) == (10.0, "linear", 0.5, 0)
    # its own first domain named alone: its own second one comes with it; another one alone needs --data-b
    assert resolve(TrainConfig(model="cyclegan", data="digits-plain", out=str(tmp_path))).data_b == "digits-bold"
    with pytest.raises(ConfigError, match="--data-b"):
        resolve(TrainConfig(model="cyclegan", data="digits-negative", out=str(tmp_path)))
    with pytest.raises(ConfigError, match="the second domain is the first one"):
        resolve(TrainConfig(model="cyclegan", data="digits-plain", data_b="digits-plain", out=str(tmp_path)))
    with pytest.raises(ConfigError, match="'ring' is a 2D set"):
        resolve(TrainConfig(model="unit", data="digits-plain", data_b="ring", out=str(tmp_path)))
    with pytest.raises(ConfigError, match="dcgan learns from one dataset"):
        resolve(TrainConfig(model="dcgan", data="digits", data_b="digits-bold", out=str(tmp_path)))


def test_resume_is_bit_exact_with_the_pool(tmp_path, monkeypatch):
    monkeypatch.setattr(cyclegan, "POOL", 5)  # full after two steps of 4: later steps swap
    # the recipe's linear decay starts at a fixed step (2,500), so the half-length run and the straight one follow
    # the same schedule
    opts = dict(**CG, checkpoint_every=1000, sample_every=1000, data_limit=128)
    a = resumed_like_straight(tmp_path, 20, **opts)
    assert {"F/body.net.1.weight", "D_A/net.0.weight"} <= set(a)
    assert a["rng/pool_A"].shape[0] == 5


def test_eval_reports_the_cycle_and_the_truth_of_both_domains(tmp_path):
    from trainers.generator import load_generator
    from trainers.metrics.translation import evaluate_translation, held_out

    list(train(tiny_config(tmp_path, **CG, steps=2, checkpoint_every=2, sample_every=2, data_limit=64)))
    gen = load_generator(tmp_path / "run" / "checkpoints" / "last.safetensors")
    x, y, labels, data = held_out(gen.meta, 50)
    torch.testing.assert_close((y + 1) / 2, torch.nn.functional.max_pool2d((x + 1) / 2, 3, 1, 1), atol=0.01, rtol=0)
    m = evaluate_translation(gen, 50)["metrics"]
    assert 0 < m["cycle_l1"]["value"] < 1 and math.isfinite(m["psnr"]["value"])
    assert len(m["label_preservation"]["per_class"]) == 10


@pytest.mark.parametrize("family", ["cyclegan", "unit"])
def test_step_d_a_and_d_b_update_one_discriminator_each(tmp_path, family):
    """The manual players of a two-domain family: Step D_A moves D_A only, Step D_B D_B only, Step D both."""
    from trainers.events import Command, Paused, Stats
    from trainers.models import MODELS

    assert MODELS[family].players == ("D", "D_A", "D_B", "G")
    cfg = tiny_config(tmp_path, model=family, data="digits-plain", data_b="digits-bold", width=8, batch_size=4,
                      steps=50, data_limit=64)
    run = train(cfg)
    for ev in run:
        if isinstance(ev, Stats):
            break
    ev = run.send(Command.PAUSE)
    while not isinstance(ev, Paused):
        ev = next(run)
    algo = run.algo
    def snapshot():
        return ({k: v.clone() for k, v in algo.D_A.state_dict().items()},
                {k: v.clone() for k, v in algo.D_B.state_dict().items()})
    def moved(before, after):
        return any(not torch.equal(before[k], after[k]) for k in before if before[k].is_floating_point())
    for cmd, a_moves, b_moves in ((Command.STEP_D_A, True, False), (Command.STEP_D_B, False, True),
                                  (Command.STEP_D, True, True)):
        before = snapshot()
        ev = run.send(cmd)
        while not isinstance(ev, Stats):
            ev = next(run)
        after = snapshot()
        assert (moved(before[0], after[0]), moved(before[1], after[1])) == (a_moves, b_moves), cmd
        assert ev.values.get("manual") == 1.0 and "loss_d" in ev.values
    run.send(Command.STOP)
