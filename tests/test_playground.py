"""The playground's engine (no Qt): single updates touch only their own player, the collapse preset covers
fewer modes than WGAN-GP, drawn points are learned, the 1D game reaches D(x) ≈ ½, the scores are right."""

import dataclasses

import numpy as np
import pytest
import torch

from trainers.errors import ConfigError
from trainers.playground import PRESETS, PlayConfig, Playground, count_modes, js_divergence

COLLAPSE = PRESETS["Mode collapse: minimax on the ring"]
COVER = PRESETS["WGAN-GP covers the ring"]


def test_step_d_moves_d_only_and_step_g_moves_g_only():
    pg = Playground(PlayConfig(dist="ring", seed=1))
    before = pg.snapshot(res=24)
    pg.step_d()
    after_d = pg.snapshot(res=24)
    assert np.array_equal(after_d.fake, before.fake) and np.array_equal(after_d.manifold, before.manifold)
    assert np.abs(after_d.heat - before.heat).max() > 1e-4
    pg.step_g()
    after_g = pg.snapshot(res=24)
    assert np.array_equal(after_g.heat, after_d.heat)
    assert np.abs(after_g.fake - after_d.fake).max() > 1e-4
    assert (pg.step_count, pg.d_updates) == (1, 1)
    assert after_g.fake.shape == (600, 2) and after_g.grad.shape == (600, 2) and after_g.heat.shape == (24, 24)
    assert after_g.heat.min() >= 0 and after_g.heat.max() <= 1  # D(x), a probability
    assert list(pg.history["step"]) == [1] and np.isfinite(list(pg.history["loss_g"])).all()


def test_gradient_arrows_point_where_g_moves_the_points():
    """One plain-SGD G step moves each generated point along its arrow (first order, small rate)."""
    pg = Playground(PlayConfig(dist="ring", optimizer="sgd", lr_g=1e-3, lr_d=1e-3, seed=2))
    for _ in range(20):
        pg.step()
    s = pg.snapshot(res=8)
    pg.step_g()
    moved = pg.snapshot(res=8).fake - s.fake
    cos = (moved * s.grad).sum(1) / (np.linalg.norm(moved, axis=1) * np.linalg.norm(s.grad, axis=1) + 1e-12)
    assert np.median(cos) > 0.5


def test_the_collapse_preset_covers_fewer_modes_than_wgan_gp():
    collapse = Playground(dataclasses.replace(COLLAPSE.config))
    for _ in range(400):  # collapsed to ≤ 3 of the 8 modes from about step 200 on
        collapse.step()
    cover = Playground(dataclasses.replace(COVER.config))
    for _ in range(150):  # 7 of 8 covered by step 100, 8 by 200
        cover.step()
    c, w = collapse.scores(), cover.scores()
    assert c["modes_total"] == w["modes_total"] == 8
    assert c["modes"] <= 3 and w["modes"] >= 7, (c, w)


def test_a_drawn_distribution_is_trained_on():
    pts = [(1.2 + 0.05 * k, -1.0) for k in range(8)]  # a short stroke, far from where G starts
    pg = Playground(PlayConfig(dist="drawn", points=pts, seed=0))
    real = pg.snapshot(res=8).real
    assert np.abs(real - np.array([1.375, -1.0])).max() < 0.6  # the real samples are the drawing

    def mean_gap(fake):
        return float(np.linalg.norm(fake[:, None] - np.array(pts)[None], axis=2).min(1).mean())

    start = mean_gap(pg.snapshot(res=8).fake)
    for _ in range(400):
        pg.step()
    end = mean_gap(pg.snapshot(res=8).fake)
    assert start > 1.0 and end < 0.3, (start, end)


def test_the_1d_game_settles_near_d_equal_one_half():
    p = PRESETS["The paper's figure (1D)"]
    pg = Playground(dataclasses.replace(p.config))
    for _ in range(p.steps):
        pg.step()
    s = pg.snapshot(res=80)
    assert s.dim == 1 and s.heat.shape == (80,) and s.real_density.shape == (80,) and s.manifold.shape[1] == 2
    xs = np.linspace(*s.extent[:2], 80)
    on_data = (xs > 0.0) & (xs < 2.0)  # the data: N(1, 0.5²)
    assert np.abs(s.heat[on_data] - 0.5).mean() < 0.1
    assert pg.scores()["js"] < 0.3
    area = s.real_density.sum() * (xs[1] - xs[0])
    assert 0.9 < area < 1.1  # a density


def test_scores_js_and_mode_counting():
    assert js_divergence(np.array([5, 5, 0]), np.array([5, 5, 0]), 10) == pytest.approx(0.0)
    assert js_divergence(np.array([10, 0]), np.array([0, 10]), 10) == pytest.approx(1.0)
    assert js_divergence(np.array([10, 0]), np.array([0, 0]), 10) == pytest.approx(1.0)  # fakes off the grid
    centres = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    fake = np.concatenate([np.zeros((90, 2)), np.full((10, 2), 2.0) * [1, 0], np.full((5, 2), 9.0)])
    covered, quality = count_modes(fake, centres, 0.2)
    assert covered == 2 and quality == pytest.approx(100 / 105)


def test_bad_settings_are_refused_with_what_to_use():
    for kw, match in ((dict(lr_g=0.0), "above 0"), (dict(lr_d=float("nan")), "above 0"), (dict(layers=9), "1 to 6"),
                      (dict(loss="magic"), "choose one of"), (dict(dist="drawn"), "draw at least 3 points"),
                      (dict(dist="gaussian", z_dim=2), "noise dimension to 1")):
        with pytest.raises(ConfigError, match=match):
            Playground(PlayConfig(**kw))


def test_same_seed_same_game_and_divergence_is_noticed():
    a, b = Playground(PlayConfig(seed=5)), Playground(PlayConfig(seed=5))
    for _ in range(10):
        a.step()
        b.step()
    assert np.array_equal(a.snapshot(res=8).fake, b.snapshot(res=8).fake)
    assert not a.diverged()
    with torch.no_grad():
        next(a.G.parameters()).fill_(float("nan"))
    assert a.diverged()
