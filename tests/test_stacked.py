"""Stacked digits (three digits as R, G, B: 1,000 modes) and the mode count that reads them (issue 40)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.conftest import tiny_config
from trainers.data import load_dataset, stacked
from trainers.metrics import modes


@pytest.fixture(autouse=True)
def _few_source_digits(monkeypatch):
    """Channels drawn from 3,000 procedural digits instead of 60,000 (the shipped classifier reads them alike)."""
    monkeypatch.setattr(stacked, "DIGITS_SOURCE", 3000)


def test_stack_spells_the_three_digit_number():
    imgs = np.stack([np.full((4, 4), 10 * k, np.uint8) for k in range(10)])  # digit k is a flat 10·k image
    x, y = stacked.stack(imgs, np.arange(10), 500, seed=1)
    assert x.shape == (500, 3, 4, 4) and x.dtype == torch.uint8
    spelled = x[:, 0, 0, 0].long() * 10 + x[:, 1, 0, 0].long() + x[:, 2, 0, 0].long() // 10
    assert torch.equal(spelled, y)
    assert torch.equal(stacked.stack(imgs, np.arange(10), 500, seed=1)[1], y)  # a pure function of its seed


def test_digits_stacked_is_a_named_rgb_set_of_1000_classes():
    d = load_dataset("digits-stacked", limit=600)
    assert stacked.is_stacked(d) and d.sample_shape == (3, 28, 28) and d.num_classes == 1000
    assert d.class_names[7] == "007" and int(d.labels.max()) < 1000
    assert load_dataset("digits-stacked", limit=600, image_size=32).sample_shape == (3, 32, 32)


def test_the_count_and_its_kl():
    assert modes.kl_to_uniform(np.full(1000, 26)) == pytest.approx(0.0)
    one = np.zeros(1000)
    one[3] = 50
    assert modes.covered(one) == 1 and modes.kl_to_uniform(one) == pytest.approx(np.log(1000))
    assert modes.ModeCount.of(np.array([1, 1, 2])).modes == 2


def test_the_kl_splits_into_channels_and_ties():
    tied = np.zeros(1000)
    tied[[111 * d for d in range(10)]] = 30  # every channel draws every digit evenly, all three the same digit
    parts = modes.kl_parts(tied)
    assert parts["R"] == parts["G"] == parts["B"] == pytest.approx(0.0)
    assert parts["tied"] == pytest.approx(np.log(100)) == pytest.approx(modes.kl_to_uniform(tied))
    lopsided = np.zeros((10, 10, 10))
    lopsided[:5] = 2.0  # R draws only 0-4, the channels independent
    parts = modes.kl_parts(lopsided.ravel())
    assert parts["R"] == pytest.approx(np.log(2)) and parts["tied"] == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    counts = rng.poisson(rng.gamma(0.5, 50, 1000))
    assert sum(modes.kl_parts(counts).values()) == pytest.approx(modes.kl_to_uniform(counts))


def test_real_stacked_digits_read_right_and_a_collapsed_generator_counts_one():
    d = load_dataset("digits-stacked", limit=2000)
    ex = modes.channel_extractor(d)
    numbers = modes.read_numbers(d.to_model(d.x[:300]), ex)
    assert (numbers == d.labels[:300].numpy()).mean() > 0.97  # the shipped digit classifier, channel by channel
    floor = modes.count_real(d, ex, 1000)
    assert floor.modes > 550 and floor.kl < 1.0  # 1,000 uniform draws cover ~632 of 1,000

    class Collapsed:  # draws the first real image whatever z is
        def latent(self, n, seed=0):
            return {"z": torch.zeros(n, 1)}

        def render(self, latent):
            return d.to_model(d.x[:1]).expand(len(latent["z"]), -1, -1, -1)

    got = modes.count_generator(Collapsed(), ex, 500)
    assert got.modes == 1 and got.kl == pytest.approx(np.log(1000)) and got.counts[int(d.labels[0])] == 500
    feats = modes.StackedFeatures(ex).embed(d.to_model(d.x[:5]))
    assert feats.features.shape == (5, 384) and feats.probs.shape == (5, 1000)
    assert np.array_equal(feats.pred, numbers[:5])  # the product of the channels' probabilities


def test_eval_of_a_run_on_digits_stacked_reports_modes_and_kl(tmp_path):
    from trainers.loop import train
    from trainers.metrics.checkpoint import evaluate_checkpoint, headline
    from trainers.metrics.report import bar_values, bars_met, summary, table

    list(train(tiny_config(tmp_path, model="dcgan", data="digits-stacked", data_limit=600, steps=4,
                           eval_every=0)))
    ckpt = tmp_path / "run" / "checkpoints" / "last.safetensors"
    result = evaluate_checkpoint(ckpt, samples=200, modes_samples=600)
    m = result["metrics"]
    assert m["modes"]["of"] == 1000 and m["modes"]["samples"] == 600 and sum(m["modes"]["counts"]) == 600
    assert m["modes"]["value"] == sum(c > 0 for c in m["modes"]["counts"])
    assert 0 <= m["modes_kl"]["value"] <= np.log(1000) + 1e-4 and m["modes"]["floor"] > 400
    assert "per channel" in result["classifier"]["arch"]  # no 1,000-class network was trained
    head = headline(result)
    assert head["eval_modes"] == m["modes"]["value"] and head["eval_modes_kl_floor"] == m["modes_kl"]["floor"]
    assert "modes covered" in table(result) and "class shares" not in table(result)
    assert "channels tied" in table(result) and "channels tied" in summary(result)
    assert "modes" in summary(result)
    json.dumps(result)
    # issue 40's bars: all 1,000 numbers, KL to uniform at most 0.03 (a 4-step DCGAN meets neither)
    met, values = bars_met(m), bar_values(m)
    assert values["modes"] == m["modes"]["value"] and values["modes_kl"] == m["modes_kl"]["value"]
    assert met["modes"] is False and met["modes_kl"] is False
    even = {**m, "modes": {**m["modes"], "value": 1000}, "modes_kl": {**m["modes_kl"], "value": 0.029}}
    assert bars_met(even)["modes"] is True and bars_met(even)["modes_kl"] is True


def test_mnist_stacked_reads_mnist(mnist_root):
    d = load_dataset("mnist-stacked", root=mnist_root, limit=500)
    assert stacked.is_stacked(d) and d.channel_data == "mnist" and Path(d.channel_root) == Path(mnist_root)
    assert d.sample_shape == (3, 28, 28) and int(d.labels.max()) < 1000


def test_a_stacked_set_says_what_its_channels_are():
    assert load_dataset("digits-stacked", limit=100).about == "100 images: three procedural digits as R, G and B"


def test_eval_modes_samples_sets_the_count_and_its_floor(tmp_path, monkeypatch, capsys):
    from trainers.cli import main
    from trainers.loop import train

    list(train(tiny_config(tmp_path, model="dcgan", data="digits-stacked", data_limit=600, steps=2, eval_every=0)))
    floors = []
    real_count = modes.count_real

    def count_real(data, extractor, n=modes.SAMPLES, *args, **kwargs):
        floors.append(n)
        return real_count(data, extractor, n, *args, **kwargs)

    monkeypatch.setattr(modes, "count_real", count_real)
    code = main(["eval", str(tmp_path / "run"), "--json", "--quiet", "--n", "100", "--modes-samples", "500"])
    assert code == 0
    m = json.loads(capsys.readouterr().out)["metrics"]
    assert m["modes"]["samples"] == m["modes_kl"]["samples"] == 500 and sum(m["modes"]["counts"]) == 500
    assert floors == [500] and m["modes"]["floor"] <= 500  # the real floor at the same N
    assert main(["eval", str(tmp_path / "run"), "--modes-samples", "5"]) == 2
    assert "--modes-samples must be" in capsys.readouterr().err
