"""The generators shipped in assets/models: they load, render, and do what the explorer promises — the cGAN
draws the digit it is asked for, InfoGAN's categorical code picks out digits (measured like `ganstudio eval`, with a
classifier trained here on the embedded digits), and they carry their full scores in model.json."""

import dataclasses
import json

import numpy as np
import pytest

from ganstudio.bundled import bundled_models, models_dir
from trainers.generator import load_generator

MODELS = {m.name: m for m in bundled_models()}


@pytest.fixture(scope="module")
def digits_and_classifier():
    """12,000 digits and a classifier trained here on them briefly (not the shipped one: the test measures)."""
    from trainers.data import load_dataset
    from trainers.metrics.features import train_extractor

    data = load_dataset("digits", limit=12000)
    ex = train_extractor(data, steps=300)
    assert ex.accuracy > 0.97
    return data, ex


@pytest.fixture(scope="module")
def scored(digits_and_classifier):
    """Each bundled model scored like `ganstudio eval`, on 12,000 digits with a briefly trained classifier."""
    from trainers.metrics.evaluate import Protocol, RealReference, evaluate

    data, ex = digits_and_classifier
    ref = RealReference(data, ex, Protocol(samples=1000, kid_subsets=5))

    def score(name, truncation=None):
        protocol = dataclasses.replace(ref.protocol, truncation=truncation)
        return evaluate(load_generator(MODELS[name].checkpoint), data, ex, protocol, ref)["metrics"]

    return score


def test_the_three_bundled_models_are_there_and_small():
    assert {"dcgan-digits", "cgan-digits", "infogan-digits"} <= set(MODELS), models_dir()
    for m in MODELS.values():
        doc = json.loads((m.folder / "model.json").read_text())
        assert doc["command"].startswith("ganstudio train ")
        size = sum(p.stat().st_size for p in m.folder.rglob("*.safetensors"))
        assert size < 12 * 2**20, f"{m.name} ships {size / 2**20:.1f} MB"
        gen = load_generator(m.checkpoint)
        family = gen.meta["model"]["family"]
        if family == "srgan":  # 7 px in, 28 px out
            import torch

            assert gen.translate(torch.zeros(4, 1, 7, 7)).shape == (4, 1, 28, 28)
            continue
        if family in ("progan", "stylegan"):  # grown to / drawn at 32 px
            img = gen.render(gen.latent(4, seed=0))
            c = 3 if gen.meta["config"]["data"] == "digits-rgb" else 1
            assert img.shape == (4, c, 32, 32) and np.isfinite(img.numpy()).all() and img.std() > 0.2
            continue
        from trainers.metrics.modes import counts_modes

        if counts_modes(gen.meta["data"]["name"]):  # R3GAN: three digits as R, G, B (issue 40's Modes view)
            from trainers.runfolder import eval_path

            img = gen.render(gen.latent(4, seed=0))
            assert img.shape == (4, 3, 28, 28) and np.isfinite(img.numpy()).all() and img.std() > 0.2
            kept = json.loads(eval_path(m.folder, gen.meta["step"], "modes").read_text())  # the Modes view's map
            count = kept["metrics"]["modes"]
            assert count["samples"] == 26000 and len(count["first"]) == len(count["counts"]) == 1000
            assert count["value"] == sum(c > 0 for c in count["counts"]) > 900
            continue
        if gen.translates:  # Pix2Pix: a paired set's inputs in, 32 px out
            import torch

            assert gen.meta["generator_only"] and gen.meta["data"]["name"].startswith("digits-")
            img = gen.translate(torch.zeros(4, 1, 32, 32))
            assert img.shape == (4, 1, 32, 32) and np.isfinite(img.numpy()).all()
            continue
        if gen.meta["model"]["family"] == "cogan":  # one z, a pair of 32 px images
            a, b = gen.G.body.pair(gen.layout.flatten(gen.latent(4, seed=0)))
            assert a.shape == b.shape == (4, 1, 32, 32) and float((a - b).abs().mean()) > 0.5  # plain vs negative
            continue
        assert gen.meta["generator_only"] and gen.meta["data"]["name"] == "digits"
        img = gen.render(gen.latent(4, seed=0))
        assert img.shape == (4, 1, 28, 28) and np.isfinite(img.numpy()).all() and img.std() > 0.2


def test_bundled_cgan_draws_the_requested_digit(scored):
    m = scored("cgan-digits")
    assert m["label_accuracy"]["value"] >= 0.98, m["label_accuracy"]  # issue 5's bar (shipped: 0.995)


def test_bundled_infogan_categorical_code_picks_the_digit(scored):
    m = scored("infogan-digits")
    # Shipped: 0.997 matched accuracy and c2 ~ width |r| = 0.94 at 5,000 samples (the bars: 0.95 and 0.7; the
    # models before had 0.944, 0.840, 0.811 and 0.772). This pins the bar so a rebuild cannot quietly ship a worse
    # one (here 1,000 samples and a classifier trained in the test).
    assert m["code_accuracy"]["value"] >= 0.95, m["code_accuracy"]
    assert len(set(m["code_accuracy"]["codes"]["cat"]["value_to_class"])) == 10  # Hungarian: one digit per value
    assert m["code_correlation"]["value"] >= 0.7, m["code_correlation"]["codes"]


def test_bundled_sagan_uses_its_attention():
    """γ left 0 in every attention layer (shipped: G 0.57 and 0.81, the 14×14 layer's maps peak far above an even
    spread), so the explorer's Attention tool has something to show."""
    import torch

    from trainers.models.sagan import attention_layers, attention_maps

    gen = load_generator(MODELS["sagan-digits"].checkpoint)
    gammas = [float(layer.gamma.detach()) for layer in attention_layers(gen.G)]
    assert len(gammas) == 2 and min(abs(g) for g in gammas) > 0.05, gammas
    _, maps = attention_maps(gen.G.float(), {k: v.float() if v.is_floating_point() else v
                                             for k, v in gen.latent(4, seed=0).items()})
    for m in maps:
        even = 1.0 / m["map"].shape[-1]
        assert float(m["map"].max(-1).values.mean()) > 5 * even  # the rows are not spread evenly
        torch.testing.assert_close(m["map"].sum(-1), torch.ones(m["map"].shape[:2]))


def test_bundled_biggan_draws_the_class_and_truncation_cleans_it(scored):
    """Label accuracy ≥ 0.98 untruncated (issue 19's bar) and no lower with z truncated to ±0.5; the stored
    truncation curve is there for the explorer."""
    from trainers.metrics.evaluate import stored_sweep

    m = scored("biggan-digits")
    assert m["label_accuracy"]["value"] >= 0.98, m["label_accuracy"]
    half = scored("biggan-digits", truncation=0.5)
    assert half["label_accuracy"]["value"] >= m["label_accuracy"]["value"] - 0.002, half["label_accuracy"]
    assert half["recall"]["value"] < m["recall"]["value"]  # variety traded for it
    ckpt = MODELS["biggan-digits"].checkpoint
    sweep = stored_sweep(ckpt, load_generator(ckpt).meta["step"])
    assert sweep is not None and [r["psi"] for r in sweep["rows"]][:2] == [None, 2.0]


def test_bundled_models_carry_their_scores(scored):
    from trainers.metrics.evaluate import SCHEMA, stored_result

    for name, m in MODELS.items():
        result = stored_result(m.checkpoint, load_generator(m.checkpoint).meta["step"])
        assert result is not None and result["schema"] == SCHEMA, name
        doc = json.loads((m.folder / "model.json").read_text())
        if result.get("kind") == "translation":
            assert result["protocol"]["samples"] == 2000 and set(doc["bars"]) <= {
                "psnr_gain", "label_preservation", "label_preservation_unpaired", "cycle_l1"}
            continue
        if result.get("kind") == "superres":
            assert result["protocol"]["samples"] == 2000 and set(doc["bars"]) == {"sr_psnr_gain", "sr_label_accuracy"}
            continue
        if result.get("kind") == "pairs":
            assert result["protocol"]["samples"] == 2000 and set(doc["bars"]) == {"class_agreement"}
            continue
        assert result["protocol"]["samples"] == 5000 and result["metrics"]["fid"]["floor"] > 0
        assert set(doc["bars"]) >= {"fid_ratio"}
    dcgan = scored("dcgan-digits")
    assert min(dcgan["coverage"]["histogram"]) >= 0.05  # issue 17's bar: every digit ≥ 5% (shipped: ≥ 8.4%)


def test_bundled_pix2pix_draws_the_digit_of_the_outline(digits_and_classifier):
    """Issue 20's bars on 500 held-out outlines: PSNR ≥ 6 dB above returning the input, and the digit read in
    the output is the digit of the outline for ≥ 95% of them. Its D ships too, for the realness map."""
    from trainers.metrics.translation import evaluate_translation
    from trainers.generator import load_generator
    from trainers.models.pix2pix import patch_critic

    m = MODELS["pix2pix-edges"]
    gen = load_generator(m.checkpoint)
    scores = evaluate_translation(gen, 500, extractor=digits_and_classifier[1])["metrics"]
    assert scores["psnr"]["value"] >= scores["psnr"]["baseline"] + 6, scores["psnr"]
    assert scores["label_preservation"]["value"] >= 0.95, scores["label_preservation"]
    assert patch_critic(load_generator(m.checkpoint)) is not None


def test_bundled_cogan_draws_the_same_digit_in_both_domains(digits_and_classifier):
    """Issue 20's CoGAN bar: the two images one z draws show the same digit (read by a classifier trained here)
    for ≥ 90% of 500 z (shipped: 98.7% on 2,000)."""
    from trainers.metrics.translation import evaluate_pairs

    gen = load_generator(MODELS["cogan-negative"].checkpoint)
    m = evaluate_pairs(gen, 500, extractor=digits_and_classifier[1])["metrics"]
    assert m["class_agreement"]["value"] >= 0.9, m["class_agreement"]
    assert m["coverage_a"]["value"] == m["coverage_b"]["value"] == 10


def test_bundled_cyclegan_keeps_the_digit_and_closes_the_cycle(digits_and_classifier):
    """Issue 20's CycleGAN bars on 300 held-out digits: the digit kept ≥ 90% of the time without ever seeing a pair,
    and F(G(x)) within 0.05 of x (shipped: 0.999 and 0.018 on 2,000); F ships for the way back."""
    from trainers.metrics.translation import evaluate_translation

    gen = load_generator(MODELS["cyclegan-bold"].checkpoint)
    m = evaluate_translation(gen, 300, extractor=digits_and_classifier[1])["metrics"]
    assert m["label_preservation"]["value"] >= 0.9, m["label_preservation"]
    assert m["cycle_l1"]["value"] <= 0.05, m["cycle_l1"]
    assert m["psnr"]["value"] > m["psnr"]["baseline"]


def test_bundled_unit_translates_through_its_shared_space(digits_and_classifier):
    """UNIT held to CycleGAN's bars on 300 held-out digits (shipped: the digit kept 99.3%, cycle L1 0.014, PSNR 20.3
    dB against 11.7 for the input itself, on 2,000)."""
    from trainers.metrics.translation import evaluate_translation

    gen = load_generator(MODELS["unit-bold"].checkpoint)
    m = evaluate_translation(gen, 300, extractor=digits_and_classifier[1])["metrics"]
    assert m["label_preservation"]["value"] >= 0.9, m["label_preservation"]
    assert m["cycle_l1"]["value"] <= 0.05, m["cycle_l1"]
    assert m["psnr"]["value"] >= m["psnr"]["baseline"] + 6, m["psnr"]


def test_bundled_srgan_beats_bicubic_and_keeps_the_digit(digits_and_classifier):
    """Issue 21's bars on 500 held-out digits area-downsampled to 7 px: PSNR ≥ 3 dB above bicubic's and the digit
    read in the ×4 output for ≥ 95% (shipped: 22.7 dB against 14.8, 99.9% against bicubic's 61.8%, on 2,000); the
    run's SRResNet ships too, for the Enhance tool."""
    from trainers.metrics.superres import evaluate_superres

    m = MODELS["srgan-digits"]
    gen = load_generator(m.checkpoint)
    scores = evaluate_superres(gen, 500, extractor=digits_and_classifier[1])["metrics"]
    assert scores["psnr"]["srgan"] >= scores["psnr"]["bicubic"] + 3, scores["psnr"]
    assert scores["label_accuracy"]["srgan"] >= 0.95 > scores["label_accuracy"]["bicubic"], scores["label_accuracy"]
    assert "srresnet" in scores["psnr"]


def test_the_models_readme_gives_each_bundle_the_command_it_was_built_with():
    """assets/models/README.md's table names, per folder, the training command stored in its model.json (rebuild.py
    writes model.json; the table is written by hand and fell behind twice: SAGAN's and StyleGAN-rgb's runs grew)."""
    import re

    rows = {}
    for line in (models_dir() / "README.md").read_text().splitlines():
        found = re.match(r"\| `([\w-]+)` \|.*?\| `(ganstudio train[^`]*)`", line)
        if found:
            rows[found.group(1)] = found.group(2)
    assert set(rows) == set(MODELS)
    for name, m in MODELS.items():
        command = json.loads((m.folder / "model.json").read_text())["command"]
        assert rows[name] == re.sub(r" --out \S+", "", command), name
