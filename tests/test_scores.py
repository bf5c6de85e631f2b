"""The score functions behind `ganstudio eval`, on inputs whose answer is known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from trainers.metrics import scores


def test_frechet_distance_of_gaussians_matches_the_closed_form():
    # Diagonal covariances commute: d² = ‖μ1−μ2‖² + Σ (σ1 − σ2)² with σ the standard deviations.
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    var1, var2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    expected = 1 + 0 + 4 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 1) ** 2
    assert scores.frechet_distance(mu1, np.diag(var1), mu2, np.diag(var2)) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_with_a_rotated_covariance():
    # Rotating both covariances by the same orthogonal matrix leaves the distance unchanged.
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    s1, s2 = np.diag([1.0, 2.0, 3.0, 4.0]), np.diag([4.0, 3.0, 2.0, 1.0])
    plain = scores.frechet_distance(np.zeros(4), s1, np.ones(4), s2)
    rotated = scores.frechet_distance(np.zeros(4), q @ s1 @ q.T, q @ np.ones(4), q @ s2 @ q.T)
    assert rotated == pytest.approx(plain, rel=1e-7)
    assert plain == pytest.approx(4 + 2 * (1 + 2 + 3 + 4) - 2 * 2 * (np.sqrt(4) + np.sqrt(6)), rel=1e-9)


def test_fid_of_a_set_with_itself_is_zero_and_grows_with_a_shift():
    x = np.random.default_rng(1).normal(size=(2000, 16))
    assert scores.fid(x, x) == pytest.approx(0.0, abs=1e-6)
    assert scores.fid(x, x + 0.5) == pytest.approx(16 * 0.25, rel=1e-6)


def test_kid_is_near_zero_for_one_distribution_and_positive_for_two():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(800, 8)), rng.normal(size=(800, 8))
    same, _ = scores.kid(a, b, subsets=20, subset_size=400)
    shifted, _ = scores.kid(a, b + 1.0, subsets=20, subset_size=400)
    assert abs(same) < 0.01
    assert shifted > 0.3


def test_precision_and_recall_on_constructed_point_sets():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(600, 2))
    half_mode = real[real[:, 0] < 0] + rng.normal(scale=0.01, size=(int((real[:, 0] < 0).sum()), 2))
    p, r = scores.precision_recall(real, half_mode, k=5)
    assert p > 0.95  # every fake lies on the data
    assert 0.3 < r < 0.7  # but only the left half of the data is covered
    far = real + 50.0
    p, r = scores.precision_recall(real, far, k=5)
    assert p == 0.0 and r == 0.0
    p, r = scores.precision_recall(real, rng.normal(size=(600, 2)), k=5)
    assert p > 0.85 and r > 0.85


def test_matched_accuracy_undoes_a_permutation():
    rng = np.random.default_rng(4)
    confusion = np.diag([90.0, 80.0, 95.0, 70.0]) + rng.integers(0, 5, size=(4, 4))
    perm = np.array([2, 0, 3, 1])
    shuffled = confusion[:, perm]  # code value i now shows up as column where perm == i
    acc, mapping = scores.matched_accuracy(shuffled)
    assert mapping == [int(np.where(perm == i)[0][0]) for i in range(4)]
    assert acc == pytest.approx(np.trace(confusion) / confusion.sum())


def test_matched_accuracy_with_more_code_values_than_classes():
    confusion = np.array([[10, 0], [0, 10], [6, 4]], float)
    acc, mapping = scores.matched_accuracy(confusion)
    assert mapping == [0, 1, -1]
    assert acc == pytest.approx(20 / 30)


def test_inception_score_bounds_and_coverage():
    k = 10
    onehot = np.eye(k)[np.arange(1000) % k]
    assert scores.inception_score(onehot) == pytest.approx(k, rel=1e-6)
    assert scores.inception_score(np.eye(k)[np.zeros(1000, int)]) == pytest.approx(1.0, rel=1e-6)
    assert scores.inception_score(np.full((50, k), 1 / k)) == pytest.approx(1.0, rel=1e-6)
    hist = scores.class_histogram(np.array([0] * 90 + [1] * 9 + [2]), 4)
    np.testing.assert_allclose(hist, [0.9, 0.09, 0.01, 0.0])
    assert scores.covered_classes(hist) == 2  # 0.01 is below a tenth of the fair 0.25


def test_correlation_matrix_finds_the_linked_column():
    rng = np.random.default_rng(5)
    code = rng.uniform(-1, 1, size=(500, 2))
    factors = np.stack([rng.normal(size=500), 3 * code[:, 1] + 0.1 * rng.normal(size=500), np.ones(500)], 1)
    r = scores.correlation_matrix(code, factors)
    assert r.shape == (2, 3)
    assert r[1, 1] > 0.99 and abs(r[0, 1]) < 0.15
    assert r[0, 2] == 0.0  # a constant column correlates with nothing


def test_ink_spread_is_zero_for_one_ink_colour_and_grows_with_a_rainbow():
    import torch

    from trainers.metrics.colour import ink_scores, ink_spread

    ground = torch.tensor([0.2, 0.1, 0.3])[:, None, None]  # dark: never ink
    one = ground.expand(3, 8, 8).clone()
    one[:, 2:6, 3] = torch.tensor([0.9, 0.2, 0.2])[:, None]  # a red stroke of 4 pixels
    rainbow = one.clone()
    rainbow[:, 4:6, 3] = torch.tensor([0.2, 0.2, 0.9])[:, None]  # its lower half blue
    blank = ground.expand(3, 8, 8).clone()
    to_model = lambda *imgs: torch.stack(imgs) * 2 - 1  # noqa: E731 - [0, 1] → the models' [-1, 1]
    assert ink_spread(to_model(one, one))["spread"] == pytest.approx(0.0, abs=1e-6)
    # chromaticities (9, 2, 2)/13 and (2, 2, 9)/13 twice each: r and b have std √(4/3)·3.5/13, g none
    expect = (2 * (4 / 3) ** 0.5 * 3.5 / 13) / 3
    got = ink_spread(to_model(rainbow, blank))
    assert got["spread"] == pytest.approx(expect, rel=1e-4)
    assert got["drawn"] == 0.5  # the blank image has no ink and does not count in the spread
    assert np.isnan(ink_spread(to_model(blank))["spread"])
    s = ink_scores(to_model(rainbow), to_model(one))
    assert s["value"] == pytest.approx(expect, abs=1e-5) and s["floor"] == 0.0 and s["images"] == 1
