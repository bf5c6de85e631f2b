"""The family seams: a new family added entirely from this file through the registry, trained by the engine's
own loop; the generator-input descriptor; EMA and step schedules as engine features."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from trainers import TrainConfig, train
from trainers import checkpoints as ck
from trainers.algos import AlgorithmBase
from trainers.algos.base import Algorithm
from trainers.config import resolve
from trainers.errors import ConfigError
from trainers.events import CheckpointSaved, Command, Finished, Paused, SampleGrid, Stats
from trainers.inputs import InputSpec, Part, latent_layout
from trainers.models import MODELS, Family, register, unregister
from trainers.schedule import Schedule, apply_lr

# -- a toy two-generator family: G_AB: A → B and G_BA: B → A on two unpaired 2D datasets ---------------------


class Translator(nn.Module):
    """A 2D → 2D MLP; ``generate`` takes the latent dict the descriptor below describes ({"x": points})."""

    def __init__(self, width: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, width), nn.ReLU(), nn.Linear(width, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.net(x)  # starts near the identity

    def generate(self, latent: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(latent["x"])


def toy_networks(cfg, sample_shape, inputs):
    def critic():
        return nn.Sequential(nn.Linear(2, cfg.width), nn.LeakyReLU(0.2), nn.Linear(cfg.width, 1))

    return {"G_AB": Translator(cfg.width), "G_BA": Translator(cfg.width), "D_A": critic(), "D_B": critic()}


class IdentityPair(AlgorithmBase):
    """LSGAN losses both ways plus cycle consistency λ·(|G_BA(G_AB(a)) − a| + |G_AB(G_BA(b)) − b|)."""

    players = ("D_A", "D_B", "G")
    step_player = "G"
    needs_reference = True

    def __init__(self, cfg, family, nets, inputs, device, class_names=(), dist=None, speed=None):
        super().__init__(cfg, family, inputs, device, class_names, dist, speed)
        self.nets = {k: self.runner.prepare(v, channels_last=False) for k, v in nets.items()}
        self.G = self.nets["G_AB"]
        self.opt = {k: torch.optim.Adam(self.nets[k].parameters(), lr=cfg.lr_d if k.startswith("D") else cfg.lr_g)
                    for k in ("D_A", "D_B")}
        self.opt["G"] = torch.optim.Adam(list(self.nets["G_AB"].parameters()) + list(self.nets["G_BA"].parameters()),
                                         lr=cfg.lr_g)
        self.steps_seen: list[int] = []

    @property
    def modules(self):
        return dict(self.nets)

    @property
    def optimizers(self):
        return dict(self.opt)

    @property
    def images_per_step(self):
        return 2 * self.cfg.batch_size

    def describe(self):
        return {"family": self.family.name, "title": self.family.title, "z_dim": 0, "classes": [], "codes": [],
                "inputs": self.inputs.describe(), "loss": "ls"}

    def sample_latent(self, n, generator=None):
        g = generator or self.noise
        idx = torch.randint(0, self.reference["A"].shape[0], (n,), generator=g, device=self.device)
        return {"x": self.reference["A"][idx]}

    def grid_latent(self, n, seed):
        return {"x": self.reference["A"][:n]}, 8

    def _d(self, name, real, fake):
        d = self.nets[name]
        loss = 0.5 * ((d(real) - 1) ** 2).mean() + 0.5 * (d(fake.detach()) ** 2).mean()
        self.opt[name].zero_grad()
        loss.backward()
        self.opt[name].step()
        return loss.detach()

    def _g(self, a, b):
        ab, ba = self.nets["G_AB"](a), self.nets["G_BA"](b)
        adv = 0.5 * ((self.nets["D_B"](ab) - 1) ** 2).mean() + 0.5 * ((self.nets["D_A"](ba) - 1) ** 2).mean()
        cyc = (self.nets["G_BA"](ab) - a).abs().mean() + (self.nets["G_AB"](ba) - b).abs().mean()
        loss = adv + 10 * cyc
        self.opt["G"].zero_grad()
        loss.backward()
        self.opt["G"].step()
        return loss.detach(), ab.detach(), ba.detach()

    def train_step(self, batches, step):
        self.steps_seen.append(step)
        return self.runner.run(self._iteration, {"A": batches["A"], "B": batches["B"]})

    def _iteration(self, inputs):
        a, b = inputs["A"], inputs["B"]
        loss_g, ab, ba = self._g(a, b)
        return {"loss_g": loss_g, "loss_d_a": self._d("D_A", a, ba), "loss_d_b": self._d("D_B", b, ab)}

    def manual_step(self, player, batches):
        a, b = batches["A"], batches["B"]
        if player == "G":
            return {"loss_g": self._g(a, b)[0]}
        real, fake = (a, self.nets["G_BA"](b)) if player == "D_A" else (b, self.nets["G_AB"](a))
        return {f"loss_{player.lower()}": self._d(player, real, fake)}


def _toy_inputs(cfg, class_names=()):
    return InputSpec((Part("x", "image", shape=(2,)),))


@pytest.fixture
def toy_family():
    fam = register(Family("toy-identity", "Two translators between unpaired 2D sets (a test family)",
                          algorithm=IdentityPair, networks=toy_networks, inputs=_toy_inputs, batches="unpaired",
                          players=IdentityPair.players, stats=("loss_g", "loss_d_a", "loss_d_b"),
                          data_kinds=("points",), defaults={"lr_g": 1e-3, "lr_d": 1e-3, "batch_size": 32,
                                                            "n_critic": 1, "z_dim": 1}))
    yield fam
    unregister(fam.name)


def _toy_config(tmp_path, **kw):
    opts = dict(model="toy-identity", data="ring", data_b="moons", out=str(tmp_path / "toy"), steps=12, width=16,
                data_limit=512, sample_every=6, checkpoint_every=6, log_window_s=0.0)
    opts.update(kw)
    return TrainConfig(**opts)


def test_a_family_from_a_test_file_trains_through_the_registry(tmp_path, toy_family):
    assert MODELS["toy-identity"] is toy_family
    with pytest.raises(ConfigError, match="--data-b"):
        resolve(_toy_config(tmp_path, data_b=None))
    with pytest.raises(ConfigError, match="makes images"):
        resolve(_toy_config(tmp_path, model="dcgan", data="ring"))
    run = train(_toy_config(tmp_path))
    assert isinstance(run.algo, Algorithm)  # the protocol the loop relies on
    # the sampler serves one batch of each domain: A from the ring (all at one radius), B from the moons
    batch = run.sampler.draw()
    assert set(batch) == {"A", "B"} and batch["A"].shape == batch["B"].shape == (32, 2)
    assert float(batch["A"].norm(dim=1).std()) < 0.1 < 0.2 < float(batch["B"].norm(dim=1).std())
    events = list(run)
    stats = [e for e in events if isinstance(e, Stats)]
    assert stats and {"loss_g", "loss_d_a", "loss_d_b", "img_per_s"} <= set(stats[-1].values)
    assert all(math.isfinite(v) for v in stats[-1].values.values())
    assert run.algo.steps_seen == list(range(1, 13))  # train_step is told the step number
    grids = [e for e in events if isinstance(e, SampleGrid)]
    assert [g.step for g in grids] == [0, 6, 12] and grids[-1].image.ndim == 3
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    saved = ck.read_checkpoint(tmp_path / "toy" / "checkpoints" / "last.safetensors")
    assert {k.split("/")[0] for k in saved.tensors} >= {"G_AB", "G_BA", "D_A", "D_B"}
    assert saved.meta["model"]["inputs"] == [{"name": "x", "kind": "image", "shape": [2]}]


def test_the_toy_family_resumes_bit_exact_and_steps_each_player(tmp_path, toy_family):
    full = train(_toy_config(tmp_path, out=str(tmp_path / "full")))
    list(full)
    half = train(_toy_config(tmp_path, out=str(tmp_path / "half"), steps=6))
    list(half)
    rest = train(_toy_config(tmp_path, out=str(tmp_path / "half"), steps=12), resume=True)
    list(rest)
    for name, module in full.algo.modules.items():
        for (k, a), b in zip(module.state_dict().items(), rest.algo.modules[name].state_dict().values()):
            assert torch.equal(a, b), f"{name}.{k}"
    # manual steps: Step D updates the first player (D_A) only, Step G the generators and the step count
    run = train(_toy_config(tmp_path, out=str(tmp_path / "manual"), steps=100))
    next(run)
    ev = run.send(Command.PAUSE)
    while not isinstance(ev, Paused):
        ev = run.send(None)
    step = run.step
    before = {k: [p.clone() for p in m.parameters()] for k, m in run.algo.modules.items()}
    seen = []
    for cmd in (Command.STEP_D, Command.STEP_G):
        ev = run.send(cmd)
        while not isinstance(ev, SampleGrid):
            if isinstance(ev, Stats):
                seen.append(ev.values)
            ev = run.send(None)
    changed = {k for k, m in run.algo.modules.items()
               if any(not torch.equal(p, q) for p, q in zip(m.parameters(), before[k]))}
    assert changed == {"D_A", "G_AB", "G_BA"} and run.step == step + 1
    assert "loss_d_a" in seen[0] and "loss_g" in seen[1]
    run.send(Command.STOP)
    run.close()


# -- the generator-input descriptor --------------------------------------------------------------------------


def test_the_classic_layout_draws_and_flattens_as_before():
    spec = latent_layout(5, 3, (4,), 2, class_names=("a", "b", "c"))
    assert [p.name for p in spec.parts] == ["z", "label", "cat", "cont"]
    assert spec.in_dim == 5 + 3 + 4 + 2 and spec.slices()["cat"] == slice(8, 12)
    lat = spec.sample(6, torch.Generator().manual_seed(1), torch.device("cpu"))
    # the draw order earlier versions used: z, label, categorical codes, continuous codes
    g = torch.Generator().manual_seed(1)
    z, label = torch.randn(6, 5, generator=g), torch.randint(0, 3, (6,), generator=g)
    cat, cont = torch.randint(0, 4, (6,), generator=g), torch.rand(6, 2, generator=g) * 2 - 1
    assert torch.equal(lat["z"], z) and torch.equal(lat["label"], label)
    assert torch.equal(lat["cat"][:, 0], cat) and torch.equal(lat["cont"], cont)
    flat = spec.flatten(lat)
    assert flat.shape == (6, 14)
    assert torch.equal(flat[:, 5:8].argmax(1), label) and torch.equal(flat[:, 8:12].argmax(1), cat)
    assert torch.equal(flat[:, 12:], cont)
    assert spec.code_names() == [{"name": "cat", "kind": "categorical", "categories": 4},
                                 {"name": "c1", "kind": "continuous", "range": [-1.0, 1.0]},
                                 {"name": "c2", "kind": "continuous", "range": [-1.0, 1.0]}]
    again = InputSpec.from_description(spec.describe())
    assert again == spec


def test_descriptor_from_a_checkpoint_written_before_it_existed():
    info = {"family": "infogan", "z_dim": 62, "classes": [],
            "codes": [{"name": "cat", "kind": "categorical", "categories": 10},
                      {"name": "c1", "kind": "continuous", "range": [-1.0, 1.0]}]}
    spec = InputSpec.from_model_info(info)
    assert (spec.z_dim, spec.num_classes, spec.cat_dims, spec.cont_dim) == (62, 0, (10,), 1)
    with pytest.raises(ValueError, match="chunks"):
        Part("z", "normal", 10, chunks=(4, 4))
    hier = InputSpec((Part("z", "normal", 12, chunks=(4, 4, 4)), Part("label", "class", 10)))
    assert hier.in_dim == 22 and Part.from_description(hier.parts[0].describe()).chunks == (4, 4, 4)


# -- EMA and schedules ---------------------------------------------------------------------------------------


def test_ema_follows_g_and_is_what_sampling_uses(tmp_path):
    from tests.conftest import tiny_config
    from trainers.generator import load_generator

    cfg = tiny_config(tmp_path, model="dcgan", steps=8, ema=0.5, checkpoint_every=8)
    run = train(cfg)
    list(run)
    algo = run.algo
    assert algo.sampling_generator() is algo.ema.module and algo.ema.module is not algo.G
    # after the last step: θ_ema = 0.5·θ_ema(previous) + 0.5·θ; it differs from G but lies near it
    g = torch.cat([p.detach().flatten() for p in algo.G.parameters()])
    e = torch.cat([p.flatten() for p in algo.ema.module.parameters()])
    assert not torch.equal(g, e) and float((g - e).norm()) < float(g.norm())
    ckpt = tmp_path / "run" / "checkpoints" / "last.safetensors"
    assert ck.read_checkpoint(ckpt).group("G_ema")
    gen = load_generator(ckpt)
    for a, b in zip(gen.G.parameters(), algo.ema.module.parameters()):
        assert torch.equal(a, b)  # `ganstudio sample` draws from the average


def test_ema_update_is_the_formula():
    from trainers.ema import EMA

    net = nn.Linear(3, 2)
    ema = EMA(net, 0.9)
    before = [p.clone() for p in ema.module.parameters()]
    with torch.no_grad():
        for p in net.parameters():
            p.add_(1.0)
    ema.update()
    for p0, p, q in zip(before, net.parameters(), ema.module.parameters()):
        assert torch.allclose(q, 0.9 * p0 + 0.1 * p)


def test_ema_warms_up_in_the_first_steps():
    """β_t = min(β, (1 + t)/(10 + t)): step 0 mostly takes G's weights, later steps the full β."""
    from trainers.ema import EMA

    ema = EMA(nn.Linear(3, 2), 0.999)
    assert ema.decay_at(0) == pytest.approx(0.1) and ema.decay_at(90) == pytest.approx(0.91)
    assert ema.decay_at(100_000) == 0.999 and ema.decay_at(None) == 0.999
    before = [p.clone() for p in ema.module.parameters()]
    with torch.no_grad():
        for p in ema.source.parameters():
            p.add_(1.0)
    ema.update(0)
    for p0, p, q in zip(before, ema.source.parameters(), ema.module.parameters()):
        assert torch.allclose(q, 0.1 * p0 + 0.9 * p)


def test_schedules_and_linear_lr_decay(tmp_path):
    s = Schedule.linear_decay(100)
    assert [s(t) for t in (0, 50, 75, 100, 200)] == [1.0, 1.0, 0.5, 0.0, 0.0]
    s = Schedule.linear_decay(100, knee=80)
    assert [s(t) for t in (0, 80, 90, 100)] == [1.0, 1.0, 0.5, 0.0]
    fade = Schedule(((0, 0.0), (10, 1.0)))
    assert fade(-5) == 0.0 and fade(5) == 0.5 and fade(99) == 1.0
    with pytest.raises(ValueError):
        Schedule(((5, 1.0), (2, 0.0)))
    opt = torch.optim.Adam([nn.Parameter(torch.zeros(1))], lr=0.01)
    apply_lr({"G": opt}, 0.25)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.0025)
    apply_lr({"G": opt}, 1.0)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01)
    # in a run: the lr reaches 0 at the end, and the step checkpoint carries the decayed lr
    from tests.conftest import tiny_config

    run = train(tiny_config(tmp_path, model="dcgan", steps=10, lr_decay="linear", checkpoint_every=5, lr_g=2e-4))
    events = list(run)
    assert any(isinstance(e, CheckpointSaved) for e in events)
    lrs = [g["lr"] for g in run.algo.opt_g.param_groups]
    assert lrs == [pytest.approx(2e-4 * 0.2)]  # set before step 10: factor (10 − 9) / 5
    saved = ck.read_checkpoint(tmp_path / "run" / "checkpoints" / "step_0000005.safetensors")
    assert saved.meta["optimizers"]["G"]["param_groups"][0]["lr"] == pytest.approx(2e-4)  # set before step 5: factor 1
    with pytest.raises(ConfigError, match="--ema"):
        resolve(tiny_config(tmp_path, ema=1.5))


def test_a_resumed_run_keeps_its_decay_start_and_says_when_more_steps_stretch_the_decay(tmp_path):
    from tests.conftest import tiny_config
    from trainers.events import Message

    opts = dict(model="dcgan", lr_decay="linear", checkpoint_every=1000, sample_every=1000)
    list(train(tiny_config(tmp_path, steps=10, **opts)))
    run = train(tiny_config(tmp_path, steps=14, **opts), resume=True)
    events = list(run)
    assert run.config.decay_start == 5  # half of the first start's 10 steps, stored, not half of 14
    notes = [e.text for e in events if isinstance(e, Message)]
    assert "the linear decay now ends at step 14, not 10: the learning rates fall more slowly from step 10 on than " \
           "in the run so far" in notes
    cfg = resolve(tiny_config(tmp_path / "x", steps=10, decay_start=20, **opts))
    from trainers.schedule import schedule_notes

    assert schedule_notes(cfg) == ["the learning rates stay constant: the linear decay starts after step 20 "
                                   "(--decay-start), and this run ends at 10"]


def test_a_decaying_run_stopped_and_resumed_is_bit_exact(tmp_path):
    """The schedule depends on the step alone: stop at step 4 of 10, resume, and land on the straight run."""
    from tests.conftest import assert_same_last_checkpoint, stop_at, tiny_config

    opts = dict(model="dcgan", steps=10, lr_decay="linear", checkpoint_every=1000, sample_every=1000)
    list(train(tiny_config(tmp_path / "a", **opts)))
    ev = stop_at(train(tiny_config(tmp_path / "b", **opts)), 4)
    assert ev.reason == "stopped" and ev.step < 10
    list(train(tiny_config(tmp_path / "b", **opts), resume=True))
    assert_same_last_checkpoint(tmp_path / "a" / "run", tmp_path / "b" / "run", 10)


def test_every_family_declares_what_the_engine_reads():
    for name, fam in MODELS.items():
        assert fam.name == name and fam.title and fam.players and fam.step_player in fam.players
        assert fam.batches in ("images", "labelled", "pairs", "unpaired", "lowhigh") or fam.sampler is not None
        assert {"lr_g", "lr_d", "batch_size"} <= set(fam.defaults)
        assert set(fam.stats) >= {"loss_d", "loss_g"}
    assert np.array_equal(list(MODELS)[:3], ["gan", "dcgan", "cgan"])


def test_step_g_by_hand_draws_no_real_batch(tmp_path):
    """Step G needs no real data: the sampler (and so the run's trajectory) stays where it was; Step D
    takes one batch."""
    from tests.conftest import tiny_config

    run = train(tiny_config(tmp_path, model="dcgan", steps=100))
    ev = next(run)
    ev = run.send(Command.PAUSE)
    while not isinstance(ev, Paused):
        ev = run.send(None)
    pos = (run.sampler.epoch, run.sampler.pos)
    for cmd, moved in ((Command.STEP_G, 0), (Command.STEP_D, 32)):
        ev = run.send(cmd)
        while not isinstance(ev, SampleGrid):
            ev = run.send(None)
        assert run.sampler.pos - pos[1] == moved or (moved and run.sampler.epoch == pos[0] + 1)
        pos = (run.sampler.epoch, run.sampler.pos)
    run.send(Command.STOP)
    run.close()
