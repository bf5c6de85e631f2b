"""Each loss against values computed by hand."""

import math

import pytest
import torch

from trainers import losses as L


def t(*v):
    return torch.tensor(v, dtype=torch.float64)


def sp(x):  # softplus
    return math.log1p(math.exp(x))


def test_bce_discriminator_matches_log_formula():
    r, f = t(2.0, -1.0), t(0.5, -3.0)
    sig = lambda x: 1 / (1 + math.exp(-x))
    want = -(math.log(sig(2)) + math.log(sig(-1))) / 2 - (math.log(1 - sig(0.5)) + math.log(1 - sig(-3))) / 2
    assert L.bce_d(r, f).item() == pytest.approx(want, rel=1e-12)


def test_generator_losses_minimax_and_nonsaturating():
    f = t(0.0, 1.0)
    assert L.minimax_g(f).item() == pytest.approx(-(sp(0) + sp(1)) / 2)  # E[log(1-σ(f))]
    assert L.nonsaturating_g(f).item() == pytest.approx((sp(0) + sp(-1)) / 2)  # -E[log σ(f)]
    # at D's optimum for fakes (f → -∞) minimax saturates (gradient → 0), non-saturating does not
    f = torch.tensor([-20.0], requires_grad=True)
    L.minimax_g(f).backward()
    g_mm = f.grad.abs().item()
    f.grad = None
    L.nonsaturating_g(f).backward()
    assert g_mm < 1e-8 < f.grad.abs().item()


def test_least_squares():
    r, f = t(1.5, 0.5), t(0.0, 2.0)
    assert L.ls_d(r, f).item() == pytest.approx(0.5 * (0.25 + 0.25) / 2 + 0.5 * (0 + 4) / 2)
    assert L.ls_g(f).item() == pytest.approx(0.5 * (1 + 1) / 2)


def test_wasserstein_and_hinge():
    r, f = t(3.0, 1.0), t(-1.0, 0.5)
    assert L.wasserstein_d(r, f).item() == pytest.approx(-0.25 - 2.0)
    assert L.wasserstein_g(f).item() == pytest.approx(0.25)
    # hinge: relu(1-r) = (0, 0); relu(1+f) = (0, 1.5)
    assert L.hinge_d(r, f).item() == pytest.approx(0.75)


def test_gradient_penalty_of_linear_critic_is_closed_form():
    w = torch.tensor([3.0, 4.0])  # ‖∇‖ = 5 everywhere → GP = (5 − 1)² = 16
    critic = lambda x: x @ w
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    assert L.gradient_penalty(critic, real, fake).item() == pytest.approx(16.0, rel=1e-6)
    unit = torch.tensor([0.6, 0.8])  # unit gradient → zero penalty
    assert L.gradient_penalty(lambda x: x @ unit, real, fake).item() == pytest.approx(0.0, abs=1e-10)


def test_info_loss_cross_entropy_plus_gaussian_term():
    logits = [torch.tensor([[2.0, 0.0], [0.0, 0.0]])]
    target = torch.tensor([[0], [1]])
    ce = (-math.log(math.exp(2) / (math.exp(2) + 1)) + math.log(2)) / 2
    mean = torch.tensor([[0.5], [0.0]])
    cont = torch.tensor([[1.0], [1.0]])
    gauss = 0.5 * (0.25 + 1.0) / 2
    got = L.info_loss(logits, target, mean, cont, cont_weight=2.0).item()
    assert got == pytest.approx(ce + 2.0 * gauss, rel=1e-6)
