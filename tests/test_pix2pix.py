"""Pix2Pix and its paired data: the pairs are the transforms they claim, the sampler keeps them aligned, the U-Net
and the PatchGAN have the shapes and the receptive field the docstrings give, the losses are the paper's on
hand-computed values, resume is bit-exact (dropout included), and the translation scores are right on constructed
cases."""

import math

import numpy as np
import pytest
import torch

from trainers import checkpoints as ck
from trainers.config import TrainConfig, resolve
from trainers.data import load_dataset
from trainers.data.paired import HOLE, cut_holes, make_pairs
from trainers.data.samplers import BatchSampler
from trainers.errors import ConfigError, DataError
from trainers.generator import load_generator
from trainers.loop import train
from trainers.metrics.translation import digits_view, psnr, ssim
from trainers.models.pix2pix import (PatchDiscriminator, Pix2PixGAN, UNetGenerator, patch_critic, realness,
                                     receptive_field)

from .conftest import resumed_like_straight, tiny_config

P2P = dict(model="pix2pix", data="digits-edges", width=8, batch_size=8)


def test_pairs_are_the_transforms_they_claim():
    img = torch.zeros(1, 1, 28, 28, dtype=torch.uint8)
    img[0, 0, 10:18, 13] = 255  # a vertical stroke one pixel wide
    src, dst = make_pairs("digits-edges", img)
    assert src.shape == dst.shape == (1, 1, 32, 32)
    assert dst[0, 0, 12:20, 15].eq(255).all() and dst.sum() == 8 * 255  # the digit, padded by 2
    outline = src[0, 0] > 0
    assert not outline[12:20, 15].any()  # the stroke itself is not in its outline
    assert outline[12:20, 14].all() and outline[12:20, 16].all() and outline[11, 15] and outline[20, 15]
    src, dst = make_pairs("digits-thick", img)
    assert torch.equal(src[0, 0, 12:20, 15], torch.full((8,), 255, dtype=torch.uint8))
    assert (dst[0, 0] > 0).sum() == 3 * 10  # a 3×3 dilation widens the stroke to 3 px and lengthens it by 2
    with pytest.raises(ValueError, match="unknown paired task"):
        make_pairs("digits-sideways", img)


def test_holes_are_cut_on_ink_and_are_hole_sized():
    img = torch.zeros(16, 1, 32, 32)
    img[:, :, 8:24, 8:24] = 1.0
    holed = cut_holes(img, seed=3)
    removed = (img - holed).flatten(1).sum(1)
    assert torch.all(removed > 0) and torch.all(removed <= HOLE * HOLE)  # a hole in the ink, at most 8×8
    assert torch.equal(holed, cut_holes(img, seed=3)) and not torch.equal(holed, cut_holes(img, seed=4))


def test_the_sampler_keeps_inputs_targets_and_labels_aligned():
    data = load_dataset("digits-thick", limit=300)
    assert data.x.shape == data.extras["target"].shape == (300, 1, 32, 32)
    batch = BatchSampler(data, 32, seed=0, device=torch.device("cpu")).draw()
    x = ((batch["x"] + 1) * 127.5).round().to(torch.uint8)
    want = torch.nn.functional.max_pool2d(x.float(), 3, 1, 1)  # digits-thick: target = dilate(input)
    assert torch.allclose(((batch["target"] + 1) * 127.5).round(), want, atol=1)
    idx = [int((data.x == xi).flatten(1).all(1).nonzero()[0]) for xi in x[:4]]
    assert batch["label"][:4].tolist() == data.labels[idx].tolist()


def test_unet_and_patch_discriminator_shapes_and_receptive_field():
    G = UNetGenerator(32, 1, 1, width=8)
    assert len(G.down) == 5 and len(G.up) == 4  # 32 → 1 and back
    assert G(torch.randn(2, 1, 32, 32)).shape == (2, 1, 32, 32)
    assert sum(isinstance(m, torch.nn.Dropout) for m in G.modules()) == 2
    assert UNetGenerator(64, 3, 3, width=4)(torch.randn(1, 3, 64, 64)).shape == (1, 3, 64, 64)
    D = PatchDiscriminator(1, 1, width=8).eval()
    x = torch.zeros(1, 1, 32, 32, requires_grad=True)
    out = D(x, torch.zeros(1, 1, 32, 32))
    assert out.shape == (1, 1, 14, 14) and receptive_field() == 16
    g, = torch.autograd.grad(out[0, 0, 5, 7], x)
    rows, cols = (g[0, 0].abs() > 0).nonzero(as_tuple=True)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (5, 20, 9, 24)  # 16×16 from (2i − 5, 2j − 5)


def test_the_skips_carry_the_input_past_the_bottleneck():
    """Zeroing the bottleneck's output leaves the output still depending on the input (through the skips)."""
    G = UNetGenerator(32, 1, 1, width=8).eval()
    G.down[-1].register_forward_hook(lambda m, i, o: torch.zeros_like(o))
    a, b = torch.zeros(1, 1, 32, 32), torch.zeros(1, 1, 32, 32)
    b[0, 0, 4:8, 4:8] = 1.0
    assert not torch.allclose(G(a), G(b))


def test_losses_are_the_papers_on_hand_computed_values(tmp_path):
    """D: ½·[BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)]; G: BCE(D(x, G(x)), 1) + λ·E|y − G(x)|, with D fixed to known
    patch logits and G's output known."""
    cfg = resolve(tiny_config(tmp_path, **P2P, l1_weight=10.0))
    from trainers.data import load_dataset as load
    from trainers.models import MODELS, family_networks

    data = load(cfg.data, limit=64)
    nets, inputs = family_networks(MODELS["pix2pix"], cfg, data.sample_shape)
    algo = Pix2PixGAN(cfg, MODELS["pix2pix"], nets, inputs, torch.device("cpu"))
    r_logit, f_logit = 1.5, -0.5
    algo._d_train = lambda x, y: torch.where(y.mean() > -0.5, torch.tensor(r_logit), torch.tensor(f_logit)).expand(
        x.shape[0], 1, 14, 14) + 0 * sum(p.sum() for p in algo.D.parameters())
    x = torch.zeros(4, 1, 32, 32)
    y = torch.zeros(4, 1, 32, 32)  # mean 0 > -0.5: "real" logits
    fake = torch.full((4, 1, 32, 32), -1.0)  # mean -1: "fake" logits
    stats = algo._d_update(x, y, fake)
    sp = lambda v: math.log1p(math.exp(v))  # noqa: E731  softplus
    assert stats["loss_d"].item() == pytest.approx(0.5 * (sp(-r_logit) + sp(f_logit)), rel=1e-6)
    algo._d_frozen = lambda x, y: torch.full((x.shape[0], 1, 14, 14), f_logit) + 0 * y.sum()
    fake = torch.full((4, 1, 32, 32), -0.5, requires_grad=True)
    stats = algo._g_update(x, y, fake)
    assert stats["loss_gan"].item() == pytest.approx(sp(-f_logit), rel=1e-6)
    assert stats["loss_l1"].item() == pytest.approx(0.5)
    assert stats["loss_g"].item() == pytest.approx(sp(-f_logit) + 10.0 * 0.5, rel=1e-6)


def test_config_says_what_pix2pix_needs(tmp_path):
    with pytest.raises(ConfigError, match="learns from image pairs.*digits-edges"):
        resolve(TrainConfig(model="pix2pix", data="digits", steps=1, out=str(tmp_path)))
    with pytest.raises(ConfigError, match="scored after training"):
        resolve(TrainConfig(model="pix2pix", data="digits-edges", steps=1, eval_every=10, out=str(tmp_path)))
    cfg = resolve(TrainConfig(model="pix2pix", data="digits-hole", steps=1, out=str(tmp_path)))
    assert (cfg.l1_weight, cfg.lr_g, cfg.beta1, cfg.image_size, cfg.eval_every) == (100.0, 2e-4, 0.5, 32, 0)


def test_resume_is_bit_exact_dropout_included(tmp_path):
    opts = dict(**P2P, checkpoint_every=1000, sample_every=1000, data_limit=256)
    a = resumed_like_straight(tmp_path, 6, **opts)
    assert any(k.startswith("D/") for k in a)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("p2p")
    events = list(train(tiny_config(folder, **P2P, steps=4, checkpoint_every=4, sample_every=4, data_limit=256)))
    return folder / "run", events


def test_the_sample_grid_shows_input_output_and_target(run):
    from trainers.events import SampleGrid

    folder, events = run
    grid = [e for e in events if isinstance(e, SampleGrid)][-1].image
    gen = load_generator(folder / "checkpoints" / "last.safetensors")
    assert grid.shape[:2] == (7 * 34 + 2, 9 * 34 + 2)  # 21 triplets, nine images a row, 2 px apart
    cell = lambda r, c: grid[2 + 34 * r:2 + 34 * r + 32, 2 + 34 * c:2 + 34 * c + 32]  # noqa: E731
    x = torch.from_numpy(cell(0, 0)[..., :1].astype(np.float32)).permute(2, 0, 1)[None] / 127.5 - 1
    out = ((gen.translate(x)[0, 0] + 1) * 127.5).round().clamp(0, 255).numpy().astype(np.uint8)
    assert np.abs(out.astype(int) - cell(0, 1)[..., 0].astype(int)).max() <= 2  # the output of that input
    assert not np.array_equal(cell(0, 0), cell(0, 2))  # the target is another image than the input


def critic_of(path):
    from trainers.generator import load_generator

    return patch_critic(load_generator(path))


def test_a_g_only_export_keeps_d_only_when_asked(run, tmp_path):
    folder, _ = run
    src = folder / "checkpoints" / "last.safetensors"
    plain = ck.export_generator(src, tmp_path / "g" / "last.safetensors")
    with_d = ck.export_generator(src, tmp_path / "gd" / "last.safetensors", also=("D",))
    assert critic_of(plain) is None
    D = critic_of(with_d)
    x = torch.zeros(2, 1, 32, 32)
    m = realness(D, x, x)
    assert m.shape == (2, 14, 14) and float(m.min()) > 0 and float(m.max()) < 1
    torch.testing.assert_close(m, realness(critic_of(src), x, x))


def test_psnr_and_ssim_on_constructed_images():
    a = torch.zeros(2, 1, 16, 16)
    b = a + 0.1
    assert psnr(a, b).tolist() == pytest.approx([20.0, 20.0], abs=1e-4)  # MSE 0.01 → 20 dB
    assert ssim(a, a).tolist() == pytest.approx([1.0, 1.0])
    noise = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    assert float(ssim(noise, 1 - noise)) < 0  # anti-correlated structure
    assert float(ssim(noise, noise * 0.5 + 0.25)) < 1


def test_translation_scores_a_perfect_and_an_identity_translator(run):
    """A translator that returns the true target scores the ceiling (label preservation = the classifier on the
    targets); one that returns its input scores exactly the baseline."""
    from trainers.metrics.translation import evaluate_translation, held_out

    folder, _ = run
    gen = load_generator(folder / "checkpoints" / "last.safetensors")
    x, y, _, _ = held_out(gen.meta, 200)
    lookup = {bytes(xi.numpy().tobytes()): yi for xi, yi in zip(x, y)}

    class Perfect:
        meta, translates = gen.meta, True

        def translate(self, inp):
            return torch.stack([lookup[bytes(xi.numpy().tobytes())] for xi in inp])

    class Identity(Perfect):
        def translate(self, inp):
            return inp.clone()

    best = evaluate_translation(Perfect(), 200)["metrics"]
    assert best["l1"]["value"] == 0 and best["ssim"]["value"] == pytest.approx(1.0)
    assert best["psnr"]["value"] == pytest.approx(100.0)  # the MSE floor of 1e-10
    assert best["label_preservation"]["value"] == best["label_preservation"]["reference"] >= 0.95
    same = evaluate_translation(Identity(), 200)["metrics"]
    for key in ("l1", "psnr", "ssim"):
        assert same[key]["value"] == pytest.approx(same[key]["baseline"])
    assert digits_view(x).shape == (200, 1, 28, 28)


def _pair_folders(tmp_path, n: int = 12):
    """Two folders of 40-px images named alike (.png with .png or .bmp): targets are their inputs inverted; plus
    a file without a partner and a pair whose target is junk."""
    from PIL import Image

    a, b = tmp_path / "in", tmp_path / "out"
    (a / "sub").mkdir(parents=True)
    (b / "sub").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        img = (rng.random((40, 40)) * 80).astype(np.uint8)
        Image.fromarray(img).save(a / "sub" / f"p{i:02d}.png")
        Image.fromarray(255 - img).save(b / "sub" / (f"p{i:02d}.bmp" if i % 2 else f"p{i:02d}.png"))
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(a / "alone.png")
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(a / "junk.png")
    (b / "junk.png").write_bytes(b"not an image")
    return a, b


def test_folders_pair_by_file_name(tmp_path):
    a, b = _pair_folders(tmp_path)
    data = load_dataset(str(a), image_size=32, channels=1, targets=str(b))
    assert data.x.shape == data.extras["target"].shape == (12, 1, 32, 32)  # 12 pairs: alone and junk left out
    assert any("without a partner" in n for n in data.notes) and any("unreadable" in n for n in data.notes)
    x, y = data.x.int(), data.extras["target"].int()
    assert torch.equal(x + y, torch.full_like(x, 255))  # each target is its own input inverted, found by name
    with pytest.raises(Exception, match="no file name is in both"):
        load_dataset(str(a / "sub"), image_size=32, channels=1, targets=str(tmp_path / "in"))


def test_pix2pix_trains_and_scores_on_two_folders(tmp_path):
    a, b = _pair_folders(tmp_path)
    with pytest.raises(ConfigError, match="give the folder of their targets with --data-b"):
        resolve(TrainConfig(model="pix2pix", data=str(a), steps=1, out=str(tmp_path / "r")))
    with pytest.raises(ConfigError, match="--data-b is the second domain"):
        resolve(TrainConfig(model="pix2pix", data="digits-edges", data_b=str(b), steps=1, out=str(tmp_path / "r")))
    cfg = tiny_config(tmp_path, model="pix2pix", data=str(a), data_b=str(b), width=8, batch_size=4, image_size=32,
                      channels=1, steps=2, checkpoint_every=2, sample_every=2, data_limit=None)
    list(train(cfg))
    from trainers.metrics.checkpoint import evaluate_checkpoint
    from trainers.metrics.report import bar_values, table

    ckpt = tmp_path / "run" / "checkpoints" / "last.safetensors"
    with pytest.raises(DataError, match="--data-root"):  # folders named only in the checkpoint are not opened
        evaluate_checkpoint(ckpt, samples=8)
    result = evaluate_checkpoint(ckpt, samples=8, data_root=str(tmp_path))  # the user names where they are
    m = result["metrics"]
    assert result["protocol"]["samples"] == 8 and "no held-out split" in result["protocol"]["inputs"]
    assert "label_preservation" not in m and set(bar_values(m)) == {"psnr_gain"}
    x = load_dataset(str(a), image_size=32, channels=1, targets=str(b))
    base = psnr((x.to_model(x.x[-8:]) + 1) / 2, (x.to_model(x.extras["target"][-8:]) + 1) / 2).mean()
    assert m["psnr"]["baseline"] == pytest.approx(float(base), abs=1e-4)  # the input-as-output baseline, by hand
    assert "PSNR" in table(result) and "label preservation" not in table(result)
