"""The remedies for mode collapse as switches (issue 40): packing, minibatch deviation, minibatch discrimination,
R1/R2, RpGAN, feature matching, on the families one G trains against one D with."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from tests.conftest import assert_same_last_checkpoint, stop_at, tiny_config
from trainers import remedies
from trainers.config import resolve
from trainers.errors import ConfigError
from trainers.losses import LOSSES


def test_packing_puts_k_samples_side_by_side_on_channels():
    x = torch.arange(4 * 2 * 3 * 3, dtype=torch.float32).view(4, 2, 3, 3)
    p = remedies.packed(x, 2)
    assert p.shape == (2, 4, 3, 3)
    assert torch.equal(p[1, :2], x[2]) and torch.equal(p[1, 2:], x[3])
    assert remedies.packed(torch.zeros(6, 2), 3).shape == (2, 6)


def test_minibatch_deviation_sees_a_batch_without_variety():
    head = remedies.MinibatchStdHead(5)
    torch.nn.init.zeros_(head.linear.weight)
    torch.nn.init.zeros_(head.linear.bias)
    head.linear.weight.data[0, -1] = 1.0  # the score is the deviation feature alone
    same = head(torch.ones(8, 5)).squeeze(1)
    varied = head(torch.randn(8, 5)).squeeze(1)
    assert same.abs().max() < 1e-3 and varied.min() > 0.3


def test_minibatch_discrimination_is_the_papers_formula():
    layer = remedies.MinibatchDiscrimination(3, 2, dim=2)
    T = torch.tensor([[[1.0, 0.0], [0.5, -1.0]], [[0.0, 2.0], [1.0, 1.0]], [[-1.0, 0.5], [0.0, 0.25]]])  # (A, B, C)
    layer.T.data.copy_(T)
    f = torch.tensor([[0.1, 0.2, 0.3], [0.0, -0.4, 0.5], [0.3, 0.1, -0.2]])  # (N, A)
    out = layer(f)
    assert out.shape == (3, 3 + 2) and torch.equal(out[:, :3], f)
    expected = torch.zeros(3, 2)
    for i in range(3):
        for b in range(2):
            m_i = sum(f[i, a] * T[a, b] for a in range(3))  # M_{i,b} = Σ_a f(x_i)_a T_{a,b,:}
            for j in range(3):
                if j != i:
                    m_j = sum(f[j, a] * T[a, b] for a in range(3))
                    expected[i, b] += torch.exp(-(m_i - m_j).abs().sum())  # c_b(x_i, x_j)
    assert torch.allclose(out[:, 3:], expected, atol=1e-6)


def test_minibatch_discrimination_counts_look_alikes():
    layer = remedies.MinibatchDiscrimination(16, 4)
    assert layer.T.shape == (16, 4, remedies.MBDISC_DIM)
    same = layer(torch.randn(1, 16).expand(8, -1))[:, 16:]
    assert torch.allclose(same, torch.full((8, 4), 7.0))  # every other sample alike: N − 1 per kernel
    far = layer(torch.randn(8, 16) * 1000)[:, 16:]
    assert far.abs().max() < 1e-6
    alone = layer(torch.randn(1, 16))[:, 16:]  # a batch of one has no others
    assert torch.equal(alone, torch.zeros(1, 4))


def test_rpgan_pairs_each_real_with_a_fake():
    r, f = torch.tensor([2.0, -1.0]), torch.tensor([0.5, 1.0])
    rp = LOSSES["rpgan"]
    assert rp.pairs and not rp.probabilistic
    assert rp.d_loss(r, f) == pytest.approx(F.softplus(-(r - f)).mean().item())
    assert rp.g_loss(f, r) == pytest.approx(F.softplus(-(f - r)).mean().item())


def test_zero_centred_penalty_of_a_linear_critic_is_its_squared_weight():
    w = torch.tensor([3.0, 4.0])
    pen = remedies.zero_centred(lambda x, y=None: ((x * w).sum(1), None, None), torch.randn(5, 2))
    assert pen.item() == pytest.approx(25.0)


def test_dcgan_trains_with_every_switch_on(tmp_path):
    from trainers import train

    cfg = tiny_config(tmp_path, model="dcgan", steps=3, pack=2, mbstd=True, mbdisc=4, r1=1.0, r2=0.5, loss="rpgan",
                      feature_matching=0.1, eval_every=0)
    algo = None
    run = train(cfg)
    for _ in run:
        algo = algo or getattr(run, "algo", None)
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert {"r1", "r2", "feature_matching"} <= set(rows[-1])
    assert all(torch.isfinite(torch.tensor(float(row["loss_d"]))) for row in rows)
    d_first = next(m for m in algo.D.modules() if isinstance(m, torch.nn.Conv2d))
    assert d_first.in_channels == 2  # two grey digits judged at once
    head = algo.D.head  # [h, o(h)], then their deviation, then the dense layer
    assert isinstance(head, remedies.MinibatchDiscHead) and isinstance(head.head, remedies.MinibatchStdHead)
    a = algo.D.trunk.out_dim
    assert head.mbdisc.T.shape == (a, 4, remedies.MBDISC_DIM) and head.head.linear.in_features == a + 4 + 1


def test_step_g_by_hand_with_rpgan_reads_a_real_batch(tmp_path):
    from trainers import train
    from trainers.events import Command, Paused

    run = train(tiny_config(tmp_path, model="dcgan", steps=50, loss="rpgan", eval_every=0))
    ev = next(run)
    ev = run.send(Command.PAUSE)
    while not isinstance(ev, Paused):
        ev = run.send(None)
    stats = run.algo.manual_step("G", {"x": run.data.to_model(run.data.x[:32])})
    assert torch.isfinite(stats["loss_g"])
    run.close()


@pytest.mark.parametrize("opts, flag", [
    (dict(model="cgan", pack=2), "pack"),  # its D reads the class of each sample
    (dict(model="dcgan", pack=3, batch_size=32), "pack"),  # 32 is no multiple of 3
    (dict(model="progan", r2=1.0), "r2"),  # trains its own way: only --loss bce and --r1
    (dict(model="progan", loss="hinge"), "loss"),
    (dict(model="stylegan", mbstd=True), "mbstd"),
    (dict(model="srgan", mbdisc=8), "mbdisc"),
    (dict(model="dcgan", mbdisc=-1), "mbdisc"),
    (dict(model="dcgan", r2=-1.0), "r2"),
    (dict(model="dcgan", loss="nonsense"), "loss"),
])
def test_switches_are_refused_where_they_make_no_sense(tmp_path, opts, flag):
    with pytest.raises(ConfigError) as err:
        resolve(tiny_config(tmp_path, **opts))
    assert err.value.field == flag


def test_dcgan_d_with_minibatch_discrimination_alone(tmp_path):
    from trainers import train

    run = train(tiny_config(tmp_path, model="dcgan", steps=1, mbdisc=6, eval_every=0))
    next(run)
    D = run.algo.D
    a = D.trunk.out_dim
    assert isinstance(D.head, remedies.MinibatchDiscHead) and D.head.head.in_features == a + 6
    x = run.data.to_model(run.data.x[:5])
    assert D.features(x).shape == (5, a) and D.head.mbdisc(D.features(x)).shape == (5, a + 6)
    assert D(x).shape == (5,)
    run.close()


def test_the_command_line_refuses_minibatch_discrimination_where_a_family_trains_its_own_way(tmp_path, capsys):
    from trainers.cli import main

    assert main(["train", "--model", "srgan", "--mbdisc", "8", "--steps", "1", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--mbdisc: srgan trains its own way" in err[0]
    assert not (tmp_path / "r" / "checkpoints").exists()  # nothing trained


def test_minibatch_discrimination_with_packing_resumes_bit_exactly(tmp_path):
    from trainers import train

    opts = dict(model="dcgan", steps=6, pack=2, mbdisc=4, eval_every=0, checkpoint_every=1000, sample_every=1000)
    list(train(tiny_config(tmp_path / "a", **opts)))
    ev = stop_at(train(tiny_config(tmp_path / "b", **opts)), 3)
    assert ev.reason == "stopped" and ev.step < 6
    list(train(tiny_config(tmp_path / "b", **opts), resume=True))
    assert_same_last_checkpoint(tmp_path / "a" / "run", tmp_path / "b" / "run", 6)
    from trainers import checkpoints as ck

    tensors = ck.read_checkpoint(tmp_path / "a" / "run" / "checkpoints" / "last.safetensors").tensors
    assert any(k.endswith("head.mbdisc.T") for k in tensors)  # T is saved (and so resumed)


def test_progan_takes_the_logistic_loss_with_r1(tmp_path):
    """ProGAN's nets with StyleGAN's loss (``--loss bce --r1 γ``): D's loss is softplus(−D(x)) + softplus(D(G(z)))
    + γ/2·E‖∇D(x)‖², G's softplus(−D(G(z))), in place of WGAN-GP."""
    from trainers import train
    from trainers.losses import bce_d, r1_penalty

    run = train(tiny_config(tmp_path, model="progan", steps=2, loss="bce", r1=2.0, eval_every=0))
    next(run)
    algo = run.algo
    level, alpha, fading = algo._enter(1)
    real = run.data.to_model(run.data.x[:8])[:, :, ::8, ::8].float()  # the 4-px side training starts at
    real = real if real.shape[-1] == 4 else torch.nn.functional.adaptive_avg_pool2d(real, 4)
    fake = torch.randn_like(real)
    x = real.clone().requires_grad_(True)
    r = algo.D(x, level, alpha, fading).float()
    f = algo.D(fake, level, alpha, fading).float().detach()
    want_pen = float(r1_penalty(r, x).detach())
    want = float(bce_d(r.detach(), f))
    stats = algo._d_update(real, fake, torch.rand(8, 1, 1, 1), level, alpha, fading)
    assert float(stats["loss_d"]) == pytest.approx(want, rel=1e-5)
    assert float(stats["r1"]) == pytest.approx(want_pen, rel=1e-4) and want_pen > 0
    assert "gp" not in stats and "drift" not in stats
    run.close()
