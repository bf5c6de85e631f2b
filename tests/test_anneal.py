"""`--lr-decay anneal` (issue 40): R3GAN's annealing of lr, γ of R1/R2 and Adam's β2 on a half cosine, and a resumed
run that takes a new decay starting at or after its step lands on the straight run with that decay."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from tests.conftest import assert_same_last_checkpoint, tiny_config
from trainers import train
from trainers.config import resolve
from trainers.errors import ConfigError
from trainers.schedule import Anneal, lr_schedule, schedule_notes


class _Algo:
    def __init__(self, beta2: float):
        self.optimizers = {"G": torch.optim.Adam([nn.Parameter(torch.zeros(1))], lr=0.01, betas=(0.0, beta2))}
        self.penalty_scale = 1.0


def test_the_anneal_goes_from_the_start_values_to_r3gans_end_values_on_a_half_cosine():
    a = Anneal(10, 30)
    assert [a.weight(t) for t in (0, 10, 20, 30, 99)] == pytest.approx([1.0, 1.0, 0.5, 0.0, 0.0])
    assert a(0) == 1.0 and a(20) == pytest.approx(0.625) and a(30) == pytest.approx(0.25)
    assert a.gamma(0) == 1.0 and a.gamma(30) == pytest.approx(0.1)
    assert a.weight(15) == pytest.approx(0.5 * (1 + math.cos(math.pi / 4)))
    algo = _Algo(0.9)
    a.apply(algo, 30)
    group = algo.optimizers["G"].param_groups[0]
    assert group["lr"] == pytest.approx(0.0025) and group["betas"] == (0.0, pytest.approx(0.99))
    assert algo.penalty_scale == pytest.approx(0.1)
    a.apply(algo, 20)  # half way back: the start values are kept in the group
    assert group["lr"] == pytest.approx(0.00625) and group["betas"][1] == pytest.approx(0.945)
    high = _Algo(0.999)
    a.apply(high, 30)
    assert high.optimizers["G"].param_groups[0]["betas"][1] == pytest.approx(0.999)  # a β2 above 0.99 is kept


def test_an_annealed_r3gan_run_ends_at_a_tenth_of_gamma_and_a_quarter_of_lr(tmp_path):
    cfg = tiny_config(tmp_path, model="r3gan", data="digits-stacked", data_limit=256, batch_size=8, width=8, steps=8,
                      checkpoint_every=1000, sample_every=1000, eval_every=0, lr_decay="anneal")
    run = train(cfg)
    list(run)
    assert run.config.decay_start == 4  # half of --steps by default, stored
    a = Anneal(4, 8)
    assert run.algo.penalty_scale == pytest.approx(a.gamma(7))  # set before step 8
    group = run.algo.opt_d.param_groups[0]
    assert group["lr"] == pytest.approx(2e-3 * a(7)) and group["betas"][1] == pytest.approx(0.99 - 0.09 * a.weight(7))
    assert isinstance(lr_schedule(run.config), Anneal)


def test_a_resumed_run_takes_a_new_decay_that_starts_at_its_step_and_lands_on_the_straight_run(tmp_path):
    opts = dict(model="dcgan", checkpoint_every=1000, sample_every=1000)
    list(train(tiny_config(tmp_path / "a", steps=10, lr_decay="anneal", decay_start=6, **opts)))
    list(train(tiny_config(tmp_path / "b", steps=6, **opts)))
    run = train(tiny_config(tmp_path / "b", steps=10, lr_decay="anneal", decay_start=6, **opts), resume=True)
    list(run)
    assert (run.config.lr_decay, run.config.decay_start) == ("anneal", 6)
    assert_same_last_checkpoint(tmp_path / "a" / "run", tmp_path / "b" / "run", 10)
    # a decay that would have changed steps already trained is refused, naming the step to start from
    list(train(tiny_config(tmp_path / "c", steps=6, **opts)))
    with pytest.raises(ConfigError, match="pass --decay-start 6 or later"):
        list(train(tiny_config(tmp_path / "c", steps=10, lr_decay="linear", decay_start=3, **opts), resume=True))
    with pytest.raises(ConfigError, match="pass --decay-start 6 or later"):  # half of 8 is 4: before the run's step
        list(train(tiny_config(tmp_path / "c", steps=8, lr_decay="linear", **opts), resume=True))
    with pytest.raises(ConfigError, match="a decay under way cannot be taken off"):  # nor may a decay under way be taken off
        list(train(tiny_config(tmp_path / "a", steps=12, lr_decay="none", **opts), resume=True))


def test_the_anneal_notes_a_start_after_the_end(tmp_path):
    cfg = resolve(tiny_config(tmp_path, model="dcgan", steps=10, lr_decay="anneal", decay_start=20))
    assert schedule_notes(cfg) == ["the learning rates stay constant: the anneal starts after step 20 "
                                   "(--decay-start), and this run ends at 10"]
    with pytest.raises(ConfigError, match="none, linear or anneal"):
        resolve(tiny_config(tmp_path, model="dcgan", lr_decay="cosine"))
