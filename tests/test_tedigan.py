"""TediGAN on the digits (``trainers/text``), engine only: captions true to the factors they come from, the
tokenizer, the encoders' shapes, the contrastive loss on constructed batches, generation's start styles, an
optimisation that raises the similarity, edits that keep the image, text-model files, the figures' arithmetic and
``ganstudio text``."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.conftest import run_cli
from trainers.data import load_dataset
from trainers.errors import CheckpointError, ConfigError
from trainers.generator import load_generator
from trainers.metrics.text import attribute_scores
from trainers.text import captions as cap
from trainers.text import tedigan as td
from trainers.text.encoders import Clip, ImageEncoder, TextEncoder, contrastive_loss

BUNDLED = Path(__file__).resolve().parents[1] / "assets" / "models" / "stylegan-digits" / "checkpoints"
TINY = {"clip": 30, "inverter": 10, "mapper": 10}


def _digit_factors(rng):
    return {"width": rng.uniform(1.4, 3.4), "slant": rng.uniform(-0.45, 0.45), "scale": rng.uniform(0.78, 1.05),
            "aspect": rng.uniform(0.8, 1.2)}


# -- captions ---------------------------------------------------------------------------------------------------
def test_every_caption_is_true_of_its_digit_and_reads_back_as_what_it_says():
    rng = np.random.default_rng(0)
    for templates in (cap.TRAIN_TEMPLATES, cap.HELD_OUT_TEMPLATES):
        for _ in range(400):
            label, f = int(rng.integers(10)), _digit_factors(rng)
            c = cap.caption(label, f, rng, templates=templates)
            assert cap.consistent(c.attrs, label, f), c
            assert cap.parse(c.text) == c.attrs, c
            assert c.attrs and all(k in ("class",) + cap.ATTRIBUTES for k in c.attrs)
            assert all(w in cap.INDEX for w in cap.tokenize_words(c.text)), c.text


def test_the_words_follow_the_factor_bins():
    rng = np.random.default_rng(1)
    f = {"width": 3.2, "slant": 0.4, "scale": 0.8, "aspect": 1.0}
    assert cap.attributes_of(7, f) == {"class": 7, "width": "thick", "slant": "right", "scale": "small",
                                       "aspect": None}
    for _ in range(200):  # a thick right-leaning small digit of average aspect is never called thin, left, wide...
        c = cap.caption(7, f, rng, p_attr=1.0, p_class=1.0)
        assert c.attrs == {"class": 7, "width": "thick", "slant": "right", "scale": "small"}
        words = set(cap.tokenize_words(c.text))
        assert not words & {"thin", "light", "left", "backslanted", "wide", "narrow", "large"}, c.text
        assert words & {"seven", "7"}
    assert cap.bin_of("slant", 0.0) == "upright" and cap.bin_of("width", 2.4) is None
    assert cap.parse("a thick slanted seven") == {"class": 7, "width": "thick", "slant": "right"}
    assert cap.parse("a 3 slanted left with a heavy stroke") == {"class": 3, "width": "thick", "slant": "left"}


def test_held_out_templates_share_no_frame_with_training_ones():
    assert not set(cap.TRAIN_TEMPLATES) & set(cap.HELD_OUT_TEMPLATES)
    frame = lambda t: re.sub(r"\{\w+\}", "#", t)  # noqa: E731 (the words around the slots)
    assert not {frame(t) for t in cap.TRAIN_TEMPLATES} & {frame(t) for t in cap.HELD_OUT_TEMPLATES}
    # the held-out frames' own words ("please draw", "i want", "a picture of") never occur in a training frame
    train_words = {w for t in cap.TRAIN_TEMPLATES for w in cap.tokenize_words(frame(t))}
    assert {"please", "draw", "want", "picture", "which"}.isdisjoint(train_words)


def test_the_match_matrix_is_consistent_digit_by_digit():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 10, 40)
    fs = [_digit_factors(rng) for _ in labels]
    factors = np.array([[f[n] for n in cap.ATTRIBUTES] for f in fs])
    caps = [cap.caption(int(lab), f, rng) for lab, f in zip(labels, fs)]
    m = cap.match_matrix([c.attrs for c in caps], labels, factors, cap.ATTRIBUTES)
    assert m.shape == (40, 40) and m.diagonal().all()
    for i, c in enumerate(caps):
        for j in range(40):
            assert m[i, j] == cap.consistent(c.attrs, int(labels[j]), fs[j])


def test_tokens_pad_and_unknown_words_are_errors_that_list_the_known_ones():
    ids = cap.encode(["a thick seven", "7"])
    assert ids.shape == (2, cap.MAX_TOKENS) and (ids[0, 3:] == cap.PAD).all() and ids[1, 0] == cap.INDEX["7"]
    assert cap.encode(["a purple seven"])[0, 1] == cap.UNK
    with pytest.raises(ConfigError, match="unknown word 'purple'.*thick"):
        cap.encode(["a purple seven"], strict=True)
    with pytest.raises(ConfigError, match="asks for nothing"):
        cap.encode(["the"], strict=True)


# -- encoders and the loss ----------------------------------------------------------------------------------------
def test_encoder_shapes_and_padding_does_not_change_a_text():
    torch.manual_seed(0)
    enc = TextEncoder(dim=16)
    tok = torch.from_numpy(cap.encode(["a thick slanted seven", "3"]))
    out = enc(tok)
    assert out.shape == (2, 16)
    alone = enc(torch.from_numpy(cap.encode(["3"]))[:, :2])  # the same text with less padding
    assert torch.allclose(out[1], alone[0], atol=1e-6)
    assert ImageEncoder(1, 24)(torch.zeros(5, 1, 32, 32)).shape == (5, 24)
    assert ImageEncoder(3, 8)(torch.zeros(2, 3, 28, 28)).shape == (2, 8)
    clip = Clip(1, 16)
    t, i = clip.embed_text(tok), clip.embed_image(torch.zeros(3, 1, 32, 32))
    assert clip.logits(t, i).shape == (2, 3) and torch.allclose(t.norm(dim=1), torch.ones(2))


def test_contrastive_loss_is_clips_with_one_match_and_spreads_targets_over_several():
    torch.manual_seed(0)
    logits = torch.randn(4, 4)
    eye = torch.eye(4, dtype=torch.bool)
    clip_loss = (F.cross_entropy(logits, torch.arange(4)) + F.cross_entropy(logits.T, torch.arange(4))) / 2
    assert torch.allclose(contrastive_loss(logits, eye), clip_loss)
    # 2 × 2 by hand: caption 0 is true of both images, caption 1 of image 1 only
    lg = torch.tensor([[1.0, 2.0], [0.0, 3.0]])
    m = torch.tensor([[True, True], [False, True]])
    row = lg.log_softmax(1)
    col = lg.log_softmax(0)
    t2i = (-(row[0, 0] + row[0, 1]) / 2 - row[1, 1]) / 2
    i2t = (-col[0, 0] - (col[0, 1] + col[1, 1]) / 2) / 2
    assert torch.allclose(contrastive_loss(lg, m), (t2i + i2t) / 2)
    # a right answer ranked first lowers the loss
    good = torch.tensor([[5.0, 0.0], [0.0, 5.0]])
    assert contrastive_loss(good, eye[:2, :2]) < contrastive_loss(good.flip(1), eye[:2, :2])


# -- with the bundled StyleGAN --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gen():
    return load_generator(BUNDLED / "last.safetensors")


@pytest.fixture(scope="module")
def tiny_model(gen):
    data = load_dataset("digits", limit=600, image_size=32)
    return td.train_text_model(gen, data, steps=TINY, seed=0)


def test_training_records_what_it_did_and_freezes_the_parts(tiny_model, gen):
    info = tiny_model.info
    assert info["steps"] == {**td.STEPS, **TINY} and info["images"] == 600 and info["image_size"] == 32
    assert tiny_model.generator_hash == gen.weights_hash
    assert all(not p.requires_grad for m in tiny_model.modules().values() for p in m.parameters())
    assert tiny_model.text_w(["a 3", "a thin 4"]).shape == (2, td.style_body(gen).mapping.w_avg.shape[0])


def test_the_text_model_needs_the_digits_factors(gen):
    data = load_dataset("digits-rgb", limit=50)
    with pytest.raises(ConfigError, match="known factors"):
        td.train_text_model(gen, data, steps=TINY)


def test_generation_moves_only_the_layers_of_what_is_named(tiny_model, gen):
    body = td.style_body(gen)
    groups = {"coarse": [0, 1, 2], "middle": [3, 4], "fine": [5, 6, 7]}
    assert td.style_layers(body, {"class": 3}) == groups["coarse"]
    assert td.style_layers(body, {"width": "thick"}) == groups["middle"] + groups["fine"]
    assert td.style_layers(body, {}) == []
    ws, said = td.generation_start(tiny_model, gen, "a thin digit", 3, seed=4)
    z = torch.randn(3, body.mapping.layers[0].weight.shape[1], generator=torch.Generator().manual_seed(4))
    plain = body.ws(z, td.PSI)
    assert said == [{"width": "thin"}] * 3
    assert torch.equal(ws[:, :3], plain[:, :3])  # coarse untouched
    tw = tiny_model.text_w(["a thin digit"])[0]
    assert torch.allclose(ws[:, 5], torch.lerp(plain[:, 5], tw.expand(3, -1), td.TEXT_BLEND), atol=1e-6)
    a, _ = td.generation_start(tiny_model, gen, "a thin digit", 3, seed=5)
    assert not torch.equal(a, ws)  # another seed, other digits


def test_optimisation_raises_the_similarity_to_the_text(tiny_model, gen):
    steps = []
    r = td.generate(tiny_model, gen, "a thick seven", n=4, seed=0, steps=8, w_weight=0.0, keep_every=4,
                    progress=lambda k, n, s: steps.append((k, n)))
    assert r.images.shape == (4, 1, 32, 32) and r.ws.shape == (4, 8, 64)
    first, last = np.mean(r.similarity[0]), np.mean(r.similarity[-1])
    assert last > first + 0.01, (first, last)
    assert steps == [(k, 8) for k in range(1, 9)] and [s for s, _ in r.trajectory] == [0, 4, 8]
    body = td.style_body(gen)
    with torch.no_grad():
        assert torch.allclose(body.render(r.ws, "const"), r.images, atol=1e-5)  # the styles draw the images
    text = tiny_model.text_embedding(["a thick seven"])
    with torch.no_grad():
        assert np.allclose(tiny_model.similarity(r.images, text).numpy(), r.similarity[-1], atol=1e-3)


def test_several_starts_keep_the_one_closest_to_the_text(tiny_model, gen):
    one = td.generate(tiny_model, gen, ["a thick seven", "a small 2"], n=2, seed=3, steps=4, starts=1)
    three = td.generate(tiny_model, gen, ["a thick seven", "a small 2"], n=2, seed=3, steps=4, starts=3)
    text = tiny_model.text_embedding(["a thick seven", "a small 2"])
    with torch.no_grad():
        assert np.allclose(tiny_model.similarity(three.images, text).numpy(), three.similarity[-1], atol=1e-3)
    assert all(b >= a - 1e-6 for a, b in zip(one.similarity[-1], three.similarity[-1]))  # starts=1's rows are among them
    assert three.images.shape == one.images.shape and [s["class"] for s in three.said] == [7, 2]
    with pytest.raises(ConfigError, match="start styles"):
        td.generate(tiny_model, gen, "a 3", n=2, steps=1, starts=0)


def test_an_edit_keeps_more_of_the_image_the_more_it_is_weighted(tiny_model, gen):
    body = td.style_body(gen)
    ws0 = body.ws(torch.randn(1, 64, generator=torch.Generator().manual_seed(2)))[0]
    loose = td.edit(tiny_model, gen, "a thick digit", ws0, steps=10, image_weight=0.0, w_weight=0.0, lr=0.2)
    tight = td.edit(tiny_model, gen, "a thick digit", ws0, steps=10, image_weight=200.0, w_weight=0.0, lr=0.2)
    with torch.no_grad():
        start = body.render(ws0[None], "const")
    assert torch.allclose(loose.start, start, atol=1e-6)
    change = lambda r: float((r.images - start).pow(2).mean())  # noqa: E731
    assert change(tight) < change(loose)
    with pytest.raises(ConfigError, match="styles of shape"):
        td.edit(tiny_model, gen, "a thick digit", torch.zeros(3, 64), steps=1)
    with pytest.raises(ConfigError, match="unknown word"):
        td.edit(tiny_model, gen, "a purple digit", ws0, steps=1)


def test_cancel_stops_the_optimisation(tiny_model, gen):
    calls = iter(range(100))
    r = td.generate(tiny_model, gen, "a 3", n=2, steps=50, cancelled=lambda: next(calls) >= 3)
    assert r.cancelled and len(r.similarity) == 4


def test_text_model_files_round_trip_and_refuse_another_generator(tiny_model, gen, tmp_path):
    path = td.save_text_model(tiny_model, tmp_path / "m.text.safetensors")
    back = td.load_text_model(path, gen)
    assert torch.equal(back.text_w(["a thin 4"]), tiny_model.text_w(["a thin 4"]))
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["schema"] == td.SCHEMA and meta["generator_hash"] == gen.weights_hash

    class Other:
        weights_hash = "0" * 16

    with pytest.raises(CheckpointError, match="another generator"):
        td.load_text_model(path, Other())
    meta["vocab"] = meta["vocab"][:-1]
    path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="another vocabulary"):
        td.load_text_model(path, gen)
    path.with_suffix(".json").write_text("{")
    with pytest.raises(CheckpointError, match="not readable"):
        td.load_text_model(path, gen)
    with pytest.raises(CheckpointError, match="no text model"):
        td.load_text_model(tmp_path / "none.text.safetensors")
    assert td.text_model_path(BUNDLED / "last.safetensors").name == "last.text.safetensors"


def test_attribute_scores_count_the_asked_side():
    said = [{"class": 3, "width": "thick"}, {"class": 4, "width": "thin", "slant": "upright"}, {"slant": "left"}]
    pred = np.array([3, 9, 1])
    factors = {"width": np.array([3.0, 2.0, 2.0]), "slant": np.array([0.0, 0.05, 0.2]),
               "scale": np.zeros(3), "aspect": np.zeros(3)}
    s = attribute_scores(said, pred, factors, {"width": 2.4, "slant": 0.0, "scale": 0.9, "aspect": 1.0})
    assert s["class"] == {"accuracy": 0.5, "n": 2}
    assert s["width"] == {"direction": 1.0, "n": 2}
    assert s["slant"] == {"direction": 0.0, "n": 1}
    assert s["upright"] == {"within": 1.0, "n": 1}
    assert "scale" not in s


def test_cli_text_draws_edits_and_says_what_is_wrong(tiny_model, gen, tmp_path, capsys):
    from PIL import Image

    from trainers.cli import main

    folder = tmp_path / "ckpt"
    folder.mkdir()
    for f in BUNDLED.glob("last.*"):
        if ".text." not in f.name:
            shutil.copy(f, folder / f.name)
    ckpt = folder / "last.safetensors"
    td.save_text_model(tiny_model, td.text_model_path(ckpt))
    out = tmp_path / "seven.png"
    assert main(["text", str(ckpt), "a thick slanted seven", "--out", str(out), "--n", "4", "--steps", "3"]) == 0
    assert "class 7 · width thick · slant right" in capsys.readouterr().out
    assert Image.open(out).size[0] > 4 * 32
    out2 = tmp_path / "edit.png"
    assert main(["text", str(ckpt), "a thin digit", "--edit-seed", "3", "--out", str(out2), "--steps", "6",
                 "--trajectory"]) == 0
    w, h = Image.open(out2).size
    assert w > h  # one row: the path of the one image
    capsys.readouterr()
    assert main(["text", str(ckpt), "a purple seven", "--out", str(out)]) == 2
    assert "unknown word 'purple'" in capsys.readouterr().err
    dcgan = Path(__file__).resolve().parents[1] / "assets" / "models" / "dcgan-digits"
    assert main(["text", str(dcgan), "a 7", "--out", str(out)]) == 2
    assert "a stylegan checkpoint trained on digits" in capsys.readouterr().err
    r = run_cli("text", str(ckpt), "--out", str(out))  # the console script itself, once
    assert r.returncode == 2 and "give a prompt" in r.stderr


def test_an_image_already_close_enough_is_not_pulled_and_w_moves_all_layers_together(tiny_model, gen):
    body = td.style_body(gen)
    ws0 = body.ws(torch.randn(2, 64, generator=torch.Generator().manual_seed(7)))
    still = td.optimise(tiny_model, gen, "a thick seven", ws0, steps=5, target=-1.0)  # every image is past -1
    assert torch.equal(still.ws, ws0)  # the similarity term is flat there and the w term pulls to the start
    assert tiny_model.info["target_similarity"] == pytest.approx(td.similarity_target(tiny_model, load_dataset(
        "digits", limit=600, image_size=32), 0))
    one = td.optimise(tiny_model, gen, "a thick seven", ws0, steps=3, space="w", w_weight=0.0, target=None)
    moved = one.ws - ws0
    assert moved.abs().max() > 0 and torch.allclose(moved, moved[:, :1].expand_as(moved), atol=1e-6)
    with pytest.raises(ConfigError, match="w or w\\+"):
        td.optimise(tiny_model, gen, "a 3", ws0, steps=1, space="z")
