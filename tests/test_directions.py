"""Named directions (issue 41): InterFaceGAN recovers the z axis a generator draws the stroke width from; the ink
measures and ρ are computed right; the stored file refuses another generator; SeFa's closed form; the CLI."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from trainers.data import load_dataset
from trainers.data.digits import FACTOR_RANGES, FACTOR_NAMES, SKELETONS, _render_group
from trainers.directions import LatentWalk, condition, conditioned, find_interfacegan
from trainers.directions_file import (DirectionSet, find_directions, load_directions, parse_moves, render_moved,
                                      save_directions, stored_directions)
from trainers.directions_layers import candidate_layers, pick
from trainers.directions_measure import calibrate, ink_measures, measure, spearman_rows
from trainers.directions_sefa import sefa_vectors
from trainers.errors import CheckpointError, ConfigError
from trainers.generator import LoadedGenerator
from trainers.inputs import latent_layout
from trainers.metrics.features import get_extractor
from trainers.models.blocks import Generator

Z = 12
BUNDLED = Path(__file__).resolve().parents[1] / "assets" / "models"
WIDTH_AXIS, SLANT_AXIS = 3, 5


class DigitDrawer(nn.Module):
    """A "generator" that draws the embedded digits' own renderer: z[0] > 0 picks a 0, else a 3; stroke width follows
    z[3] and slant z[5] (through tanh, inside the data's ranges); the other values of z do nothing."""

    def __init__(self, offset: float = 0.0):
        super().__init__()
        self.offset = nn.Parameter(torch.tensor(offset))  # only makes two drawers' weights (hash) differ

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        n = len(h)
        mid = {f: (lo + hi) / 2 for f, (lo, hi) in FACTOR_RANGES.items()}
        half = {f: (hi - lo) / 2 for f, (lo, hi) in FACTOR_RANGES.items()}
        f = torch.tensor([[mid[k] for k in FACTOR_NAMES]]).repeat(n, 1)
        f[:, FACTOR_NAMES.index("jitter")] = 0.0
        f[:, FACTOR_NAMES.index("width")] += half["width"] * torch.tanh(h[:, WIDTH_AXIS] / 1.5)
        f[:, FACTOR_NAMES.index("slant")] += half["slant"] * torch.tanh(h[:, SLANT_AXIS] / 1.5)
        out = torch.zeros(n, 28, 28)
        g = torch.Generator().manual_seed(0)
        for digit, pick in ((0, h[:, 0] > 0), (3, h[:, 0] <= 0)):
            if pick.any():
                out[pick] = _render_group(SKELETONS[digit][0], int(pick.sum()), g, f[pick])
        return (out * 2 - 1)[:, None] + 0 * self.offset


def drawer_gen(tmp_path, offset: float = 0.0) -> LoadedGenerator:
    G = Generator(DigitDrawer(offset), latent_layout(Z)).eval()
    meta = {"model": {"family": "test-drawer"}, "data": {"name": "digits", "shape": [1, 28, 28]}, "config": {}}
    return LoadedGenerator(tmp_path / f"drawer{offset}.safetensors", meta, G, torch.device("cpu"))


@pytest.fixture(scope="module")
def reader():
    data = load_dataset("digits", limit=3000)
    return data, get_extractor(data), calibrate(data)


@pytest.fixture(scope="module")
def found(reader, tmp_path_factory):
    gen = drawer_gen(tmp_path_factory.mktemp("drawer"))
    # the drawer varies slant and width only: the directions of those two, each conditioned on the other and the class
    return gen, find_interfacegan(LatentWalk(gen), reader[1], n=800, seed=0, factors=("slant", "width"))


def test_interfacegan_recovers_the_z_axis_that_draws_the_stroke_width(found):
    gen, dirs = found
    by = {d.name: d for d in dirs}
    width, slant = by["width"].vector, by["slant"].vector
    assert abs(width[WIDTH_AXIS]) > 0.9 and width[WIDTH_AXIS] > 0  # + is thicker
    assert slant[SLANT_AXIS] > 0.9
    assert abs(width[SLANT_AXIS]) < 0.15 and abs(slant[WIDTH_AXIS]) < 0.15  # conditioned on each other
    assert abs(float(np.linalg.norm(width)) - 1) < 1e-5
    assert 0.8 < by["width"].sigma < 1.2  # z ~ N(0, I): one σ along a unit direction is about 1
    np.testing.assert_allclose(by["width"].z_step, width * by["width"].sigma, rtol=1e-5)


def test_measured_rho_kept_and_leakage_on_the_drawer(found, reader):
    gen, dirs = found
    d = next(d for d in dirs if d.name == "width")
    m = measure(LatentWalk(gen), d, reader[1], reader[2], n=40)
    assert m["rho"] > 0.95  # the ink's 2·area/perimeter grows step by step
    assert m["kept"] > 0.9  # the class lives on z[0], which the direction leaves alone
    assert m["leakage"] < 0.5 and m["per_sigma"] > 0.1
    assert set(m["leakage_by_factor"]) == {"slant", "rotation", "scale", "aspect"}
    assert m["leakage_by_factor"]["slant"] < 0.2  # the one other factor the drawer varies barely moves


def test_spearman_rows_matches_scipy_and_ties_are_zero():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    steps = np.array([-2.0, -1, 0, 1, 2])
    vals = rng.normal(size=(20, 5))
    ours = spearman_rows(steps, vals)
    theirs = [spearmanr(steps, v).statistic for v in vals]
    np.testing.assert_allclose(ours, theirs, atol=1e-12)
    assert spearman_rows(steps, np.ones((1, 5)))[0] == 0.0
    assert spearman_rows(steps, np.array([[1.0, 2, 3, 4, 5]]))[0] == pytest.approx(1.0)


def test_ink_measures_read_the_digits_known_factors():
    n = 9
    f = torch.tensor([[(lo + hi) / 2 for lo, hi in FACTOR_RANGES.values()]]).repeat(n, 1)
    f[:, 5] = 0
    f[:, 2] = torch.linspace(1.4, 3.4, n)  # width
    img = _render_group(SKELETONS[2][0], n, torch.Generator().manual_seed(0), f)[:, None] * 2 - 1
    w = ink_measures(img)["width"]
    assert np.all(np.diff(w) > 0) and abs(w[-1] / w[0] - 3.4 / 1.4) < 0.8
    f[:, 2] = 2.4
    f[:, 0] = torch.linspace(-0.45, 0.45, n)  # slant
    img = _render_group(SKELETONS[2][0], n, torch.Generator().manual_seed(0), f)[:, None] * 2 - 1
    assert np.all(np.diff(ink_measures(img)["slant"]) > 0)


def test_conditioning_removes_the_others_unless_they_are_the_factor_itself_and_sefa_takes_the_strongest_axis():
    n = np.array([1.0, 1.0, 0.0])
    np.testing.assert_allclose(condition(n, np.array([[1.0, 0.0, 0.0]])), [0.0, 1.0, 0.0])
    v, apart = conditioned(n, [("class 0", np.array([1.0, 0.0, 0.0])), ("twin", np.array([1.0, 1.0, 0.1]))])
    np.testing.assert_allclose(v, [0.0, 1.0, 0.0])  # the twin's new part is n's own: left out, and said
    assert apart == ["twin"]
    # SeFa: each row (one output's weights) counts once whatever its scale; axis 1 is read by three rows
    A = np.array([[100.0, 0, 0], [0, 1, 0], [0, 2, 0], [0, 3, 0], [0, 0, 1], [0, 0, 5]])
    vecs, vals = sefa_vectors(A, 2)
    assert abs(vecs[0][1]) == pytest.approx(1.0) and abs(vecs[1][2]) == pytest.approx(1.0)
    np.testing.assert_allclose(vals, [3.0, 2.0])


def test_the_stored_file_round_trips_and_refuses_another_generator(found, tmp_path):
    gen, dirs = found
    ds = DirectionSet(gen.weights_hash, dirs, {"dataset": "digits"})
    path = save_directions(ds, tmp_path / "x.directions.safetensors")
    back = load_directions(path, gen)
    assert [d.name for d in back.directions] == [d.name for d in dirs]
    np.testing.assert_array_equal(back.named("width").vector, ds.named("width").vector)
    other = drawer_gen(tmp_path, offset=1.0)
    assert other.weights_hash != gen.weights_hash
    with pytest.raises(CheckpointError, match="another generator"):
        load_directions(path, other)
    with pytest.raises(ConfigError, match="no direction 'thickness'"):
        parse_moves(back, ["thickness=2"])
    with pytest.raises(ConfigError, match="NAME=STEPS"):
        parse_moves(back, ["width"])
    # moving along it renders what the direction's step gives
    lat = gen.latent(4, seed=3)
    moved = render_moved(gen, lat, parse_moves(back, ["width=2"]))
    thicker = ink_measures(moved)["width"] > ink_measures(gen.render(lat))["width"]
    assert thicker.all()


def test_find_directions_on_a_tiny_dcgan_measures_each_and_cancel_stops(tmp_path, reader):
    from trainers.generator import load_generator
    from trainers.loop import train

    from .conftest import tiny_config

    list(train(tiny_config(tmp_path, model="dcgan", arch="mnist", steps=2, checkpoint_every=2, z_dim=16)))
    gen = load_generator(tmp_path / "run" / "checkpoints" / "last.safetensors")
    ds = find_directions(gen, n=300, n_measure=12, reader=reader, refine_steps=3)
    methods = {d.method for d in ds.directions}
    assert methods == {"interfacegan", "sefa", "ganspace"}
    for d in ds.directions:
        assert {"rho", "kept", "leakage"} <= set(d.measures) and -1 <= d.measures["rho"] <= 1
        assert d.factor in {"slant", "rotation", "width", "scale", "aspect"}
    assert all(d.vector.shape == (16,) for d in ds.directions)
    with pytest.raises(InterruptedError):
        find_directions(gen, n=300, n_measure=12, reader=reader, cancelled=lambda: True, refine_steps=3)


def test_the_w_plus_layers_are_runs_of_neighbouring_groups_and_the_steadiest_run_that_keeps_most_wins():
    runs = candidate_layers({"coarse": [0, 1, 2], "middle": [3, 4], "fine": [5, 6, 7]})
    assert runs == {"coarse": (0, 1, 2), "coarse+middle": (0, 1, 2, 3, 4), "all": (), "middle": (3, 4),
                    "middle+fine": (3, 4, 5, 6, 7), "fine": (5, 6, 7)}
    # the bundled StyleGAN's width (seed 3): the fine layers keep the digit and the other factors best
    width = {"all": dict(rho=1.0, kept=0.74, leakage=0.14), "fine": dict(rho=1.0, kept=0.98, leakage=0.09),
             "middle+fine": dict(rho=1.0, kept=0.96, leakage=0.08), "middle": dict(rho=0.74, kept=0.98, leakage=0.23)}
    assert pick(width) == "fine"
    # slant: the fine layers keep the digit but barely move the slant (ρ 0.41): not taken
    slant = {"all": dict(rho=1.0, kept=0.69, leakage=0.86), "coarse": dict(rho=0.99, kept=0.71, leakage=0.43),
             "fine": dict(rho=0.41, kept=0.98, leakage=14.4)}
    assert pick(slant) == "coarse"


def test_the_bundled_stylegan_moves_width_in_its_fine_layers_only_and_keeps_the_digit(reader, tmp_path):
    from trainers.generator import load_generator

    gen = load_generator(BUNDLED / "stylegan-digits" / "checkpoints" / "last.safetensors")
    ds = stored_directions(gen)
    d = ds.named("width")
    walk = LatentWalk(gen)
    assert d.space == "w" and d.layers == tuple(walk.layer_groups()["fine"]) == (5, 6, 7)
    # a step at some layers moves W+ there only
    lat = gen.latent(3, seed=4)
    flat = torch.from_numpy(gen.inputs(lat))
    p = walk.points(flat)
    step = 2 * d.sigma * torch.as_tensor(d.vector)
    moved = walk.moved(p, step, d.layers)
    assert moved.shape == (3, walk.body.num_ws, walk.dim)
    assert torch.equal(moved[:, :5], p[:, None].expand(-1, 5, -1))
    torch.testing.assert_close(moved[:, 5:] - p[:, None], step.expand(3, 3, -1))
    # `sample --direction width=2` draws exactly that; the file keeps the layers
    torch.testing.assert_close(render_moved(gen, lat, parse_moves(ds, ["width=2"])), walk.render(moved, flat))
    back = load_directions(save_directions(ds, tmp_path / "sg.directions.safetensors"), gen)
    assert back.named("width").layers == (5, 6, 7) and back.named("slant").layers == (0, 1, 2)
    # measured (seed 5, neither the fit's nor the stored measure's): the fine layers keep the digit where every
    # layer does not, and move the stroke width as steadily
    fine = measure(walk, d, reader[1], reader[2], n=60, seed=5)
    every = measure(walk, replace(d, layers=()), reader[1], reader[2], n=60, seed=5)
    assert fine["rho"] > 0.95 and fine["kept"] >= 0.9 and fine["leakage"] < 0.25
    assert every["kept"] < fine["kept"] - 0.1


def test_refining_through_g_and_the_classifier_keeps_more_digits_at_the_same_factor_move(reader):
    from trainers.directions_refine import refine_one
    from trainers.generator import load_generator

    gen = load_generator(BUNDLED / "dcgan-digits" / "checkpoints" / "last.safetensors")
    walk = LatentWalk(gen)
    d = next(x for x in find_interfacegan(walk, reader[1], n=2000, seed=0) if x.name == "rotation")
    pts, flat = walk.sample(600, 0)
    start = torch.from_numpy(reader[1].embed(walk.render(pts, flat)).pred).long()
    v, sigma = refine_one(walk, d, reader[1].net.eval(), list(reader[1].factor_names), pts, flat, start, steps=60)
    assert abs(float(np.linalg.norm(v)) - 1) < 1e-5 and 0.8 < sigma < 1.2  # a unit vector in z: σ ≈ 1
    new = replace(d, vector=v, sigma=sigma)
    # measured from starts neither the fit nor the refinement saw (seed 5); e.g. kept 0.78 → 0.85, leakage 0.99 → 0.66
    before, after = (measure(walk, x, reader[1], reader[2], n=60, seed=5) for x in (d, new))
    assert after["kept"] > before["kept"] and after["leakage"] < before["leakage"]  # 60 starts: a few digits either way
    assert abs(after["per_sigma"] / before["per_sigma"] - 1) < 0.2  # the factor moves as far per σ as before


def test_every_shipped_direction_file_binds_to_its_bundled_generator():
    """Each ``last.directions`` that ships loads against its own generator (the weights hash) with an InterFaceGAN
    direction for each of the five factors, and is refused by another bundled generator."""
    from trainers.directions_file import load_directions
    from trainers.errors import CheckpointError
    from trainers.generator import load_generator

    shipped = sorted(BUNDLED.glob("*/checkpoints/last.directions.safetensors"))
    assert {p.parts[-3] for p in shipped} >= {"dcgan-digits", "sagan-digits", "progan-digits", "stylegan-digits"}
    gens = {p.parts[-3]: load_generator(p.parent / "last.safetensors") for p in shipped}
    for p in shipped:
        name = p.parts[-3]
        ds = load_directions(p, gens[name])
        assert {d.factor for d in ds.directions if d.method == "interfacegan"} == {"slant", "rotation", "width",
                                                                                   "scale", "aspect"}, name
        other = next(g for n, g in gens.items() if n != name)
        with pytest.raises(CheckpointError, match="found for another generator"):
            load_directions(p, other)
