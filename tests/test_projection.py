"""Projection into StyleGAN's W / W+ (``trainers.projection``), engine only: an image drawn from a known w is
reconstructed much better than w̄ draws it, in W and in W+ (one w per layer); progress, cancel, the trajectory and the
feature term behave; wrong inputs are errors that say what to do."""

import math

import pytest
import torch

from trainers.errors import ConfigError
from trainers.models.stylegan import StyleGenerator
from trainers.projection import learning_rate, project, psnr_of, w_spread


@pytest.fixture(scope="module")
def body():
    """A small StyleGAN generator (random weights are enough to draw structured images), w̄ set from samples as
    training keeps it."""
    torch.manual_seed(0)
    g = StyleGenerator(z_dim=8, w_dim=8, depth=2, size=16, channels=1, width=4).eval().requires_grad_(False)
    with torch.no_grad():
        g.mapping.w_avg.copy_(g.mapping(torch.randn(2000, 8)).mean(0))
    return g


@pytest.fixture(scope="module")
def target(body):
    z = torch.randn(1, 8, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        return body.render(body.ws(z), "const")[0]


def test_projection_into_w_reduces_the_error_of_an_image_from_a_known_w(body, target):
    seen = []
    p = project(body, target, "w", steps=120, lr=0.1, progress=lambda *a: seen.append(a), keep_every=40)
    assert p.space == "w" and p.ws.shape == (body.num_ws, 8) and torch.equal(p.ws, p.w.expand_as(p.ws))
    assert p.start_mse > 0 and p.final_mse < 0.25 * p.start_mse, (p.start_mse, p.final_mse)
    with torch.no_grad():  # the reconstruction is what the returned styles draw
        again = body.render(p.ws[None], "const")[0]
    assert torch.allclose(p.image, again, atol=1e-6)
    assert p.final_mse == pytest.approx(float((again - target).pow(2).mean()), rel=1e-5)
    assert p.psnr == pytest.approx(10 * math.log10(4 / p.final_mse)) and p.psnr > psnr_of(p.start_mse)
    assert len(p.losses) == len(p.mse) == p.steps == 120 and p.mse[0] == pytest.approx(p.start_mse, rel=1e-5)
    assert [s[0] for s in seen] == list(range(1, 121)) and all(s[1] == 120 for s in seen)
    assert [s for s, _ in p.trajectory] == [0, 40, 80, 120]
    assert torch.equal(p.trajectory[0][1], body.mapping.w_avg.expand(body.num_ws, -1))  # it starts at w̄


def test_projection_into_w_plus_finds_one_w_per_layer_and_reduces_the_error(body, target):
    p = project(body, target, "w+", steps=120)
    assert p.space == "w+" and p.ws.shape == (body.num_ws, 8) and not torch.equal(p.ws[0], p.ws[-1])
    assert p.final_mse < 0.25 * p.start_mse, (p.start_mse, p.final_mse)


def test_the_feature_term_is_optimised_too(body, target):
    calls = []

    def phi(x):
        calls.append(x.shape)
        return torch.nn.functional.avg_pool2d(x, 4).flatten(1)

    p = project(body, target, "w", steps=30, feature_weight=1.0, features=phi)
    assert calls and p.final_mse < p.start_mse
    assert all(loss >= m for loss, m in zip(p.losses, p.mse))  # the objective adds the feature distance
    assert any(loss > m for loss, m in zip(p.losses, p.mse))


def test_the_digits_classifier_features_take_any_side():
    from trainers.projection import digits_features

    phi = digits_features()
    x = torch.rand(2, 1, 16, 16) * 2 - 1
    assert phi(x).shape == phi(torch.rand(2, 3, 32, 32)).shape == (2, 64 * 7 * 7)


def test_cancel_stops_early_with_the_best_so_far(body, target):
    n = []
    p = project(body, target, "w", steps=500, progress=lambda *a: n.append(a), cancelled=lambda: len(n) >= 10)
    assert p.cancelled and p.steps == 10 and p.final_mse <= p.start_mse


def test_wrong_inputs_are_errors_that_say_what_to_do(body, target):
    with pytest.raises(ConfigError, match="w, w\\+"):
        project(body, target, "z")
    with pytest.raises(ConfigError, match="this generator draws"):
        project(body, torch.zeros(3, 16, 16))
    with pytest.raises(ConfigError, match="steps"):
        project(body, target, steps=0)
    with pytest.raises(ConfigError, match="StyleGAN generator"):
        project(torch.nn.Linear(2, 2), target)


def test_the_schedule_ramps_up_and_down_and_w_spread_is_positive(body):
    lrs = [learning_rate(t / 100, 0.1) for t in range(100)]
    assert lrs[0] == 0 and max(lrs) == pytest.approx(0.1) and lrs[-1] < 0.01
    assert w_spread(body) > 0
