"""Scores for any folder (issue 39): `ganstudio eval CKPT --real DIR` against a folder of the user's images, features
learnt on a folder without labels (cached by content), and `--features inception:FILE` checked against pytorch-fid
and clean-fid on one randomly initialised Inception-v3."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.conftest import run_cli
from trainers.data import load_dataset
from trainers.metrics import selfsup
from trainers.metrics.evaluate import SCHEMA, Evaluator, Protocol

ROOT = Path(__file__).resolve().parents[1]
DCGAN = ROOT / "assets" / "models" / "dcgan-digits" / "checkpoints" / "last.safetensors"  # 28 px, grey
STEPS = 30  # SimCLR steps in these tests (the default is 400)


def write_folder(folder: Path, n: int, seed: int = 5, size: int = 28) -> Path:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    d = load_dataset("digits", limit=n, seed=seed)
    for i in range(n):
        Image.fromarray(d.x[i, 0].numpy()).resize((size, size)).save(folder / f"{i:04d}.png")
    return folder


@pytest.fixture
def few_steps(monkeypatch):
    """Short encoder training, and a count of trainings (the cache must spare the second one)."""
    trained = []
    orig = selfsup.train_encoder
    monkeypatch.setattr(selfsup, "default_steps", lambda data: STEPS)
    monkeypatch.setattr(selfsup, "train_encoder", lambda *a, **k: trained.append(1) or orig(*a, **k))
    return trained


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_folder(tmp_path_factory.mktemp("real") / "my digits", 160)


class _Replay:
    """A generator that 'draws' the folder's own images (real vs real), or uniform noise."""

    def __init__(self, data, noise=False):
        from trainers.models import LatentLayout

        self.layout, self.codes, self.data, self.noise = LatentLayout(8, 0, (), 0), [], data, noise
        self.meta = {"step": 1, "model": {"family": "replay"}, "data": {}}

    def latent(self, n, seed=0):
        return self.layout.sample(n, torch.Generator().manual_seed(seed), torch.device("cpu"))

    def render(self, latent):
        idx = latent["z"][:, 0].abs().mul(997).long() % len(self.data)
        if self.noise:
            return torch.rand(len(idx), *self.data.sample_shape) * 2 - 1
        return self.data.to_model(self.data.x[idx])


def test_unlabelled_folder_scores_sit_at_the_floor_for_real_and_far_above_for_noise(tmp_path, few_steps):
    data = load_dataset(str(write_folder(tmp_path / "digits", 160, seed=7)), image_size=28, channels=1)
    assert data.labels is None and data.sample_shape == (1, 28, 28)
    ev = Evaluator(data, Protocol(samples=80, kid_subsets=10, kid_subset_size=60))
    assert ev.extractor.kind == "self-supervised" and few_steps == [1]
    real, noise = ev(_Replay(data))["metrics"], ev(_Replay(data, noise=True))["metrics"]
    assert set(real) == {"fid", "kid", "precision", "recall"}  # no class probabilities: no IS, no coverage
    assert abs(real["kid"]["floor"]) < 0.05 * noise["kid"]["value"]  # unbiased: ≈ 0 for two real halves
    assert noise["fid"]["value"] > 10 * real["fid"]["floor"] and noise["kid"]["value"] > 0
    assert real["fid"]["value"] < 3 * real["fid"]["floor"]  # replaying real images scores like real
    assert real["precision"]["floor"] > 0.7 and noise["precision"]["value"] < 0.2


def test_eval_real_folder_cli_learns_features_once_then_uses_the_cache(folder, few_steps):
    first = run_cli("eval", DCGAN, "--real", folder, "--n", "50", "--json", "--quiet", cwd=ROOT)
    assert first.returncode == 0, first.stderr
    r = json.loads(first.stdout)
    assert r["schema"] == SCHEMA and r["classifier"]["kind"] == "self-supervised"
    assert r["classifier"]["train_steps"] == STEPS and r["classifier"]["features"] == selfsup.FEATURES
    assert r["real"] == {"folder": str(folder), "images": 160, "labelled": False} and "warning" not in r
    assert r["protocol"]["samples"] == 50 and set(r["skipped"]) == {"is", "coverage"}
    assert r["metrics"]["fid"]["value"] > 0 and r["metrics"]["fid"]["floor"] > 0
    cache = Path(r["classifier"]["cache"])
    assert cache.is_file() and cache.parent.name == "encoders" and few_steps == [1]
    stamp = cache.stat().st_mtime_ns
    table = run_cli("eval", DCGAN, "--real", folder, "--n", "50", "--quiet", cwd=ROOT)
    assert table.returncode == 0, table.stderr
    assert few_steps == [1] and cache.stat().st_mtime_ns == stamp  # the second call read the cache
    assert f"against the folder {folder}" in table.stdout and "FID (domain)" in table.stdout
    assert "IS-like score" in table.stdout and "skipped: the features come from images without labels" in table.stdout
    ex = selfsup.get_encoder(load_dataset(str(folder), image_size=28, channels=1))
    assert ex.cached and ex.path == cache and few_steps == [1]


def test_a_damaged_or_foreign_encoder_cache_is_retrained(tmp_path, few_steps):
    a = load_dataset(str(write_folder(tmp_path / "a", 24, seed=1)), image_size=28, channels=1)
    b = load_dataset(str(write_folder(tmp_path / "b", 24, seed=2)), image_size=28, channels=1)
    ex = selfsup.get_encoder(a)
    assert few_steps == [1] and not ex.cached
    assert selfsup.load_encoder(ex.path, b) is None  # another folder's encoder is not used
    ex.path.write_bytes(b"junk")
    assert selfsup.load_encoder(ex.path, a) is None
    assert not selfsup.get_encoder(a).cached and few_steps == [1, 1]


def test_getting_an_encoder_leaves_the_callers_random_state_alone(tmp_path, few_steps):
    data = load_dataset(str(write_folder(tmp_path / "f", 20)), image_size=28, channels=1)
    for _ in range(2):  # trained, then loaded
        torch.manual_seed(3)
        before = torch.get_rng_state()
        selfsup.get_encoder(data)
        assert torch.equal(torch.get_rng_state(), before)


def test_eval_errors_are_one_line(tmp_path, folder):
    def err(*args):
        proc = run_cli("eval", DCGAN, *args, cwd=ROOT)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
        return proc.stderr

    assert "no such folder" in err("--real", tmp_path / "nowhere")
    assert "use auto, classifier, selfsup or inception:FILE" in err("--features", "vgg")
    assert "needs its weights file" in err("--features", "inception")
    assert "no such file" in err("--features", f"inception:{tmp_path / 'missing.pth'}")
    torch.save({"conv.weight": torch.zeros(3, 3)}, tmp_path / "other.pth")
    assert "not a torchvision Inception-v3 state dict" in err("--features", f"inception:{tmp_path / 'other.pth'}")
    (tmp_path / "junk.safetensors").write_bytes(b"not a weights file")
    assert "not a readable state dict" in err("--features", f"inception:{tmp_path / 'junk.safetensors'}")
    assert "labelled image dataset" in err("--real", folder, "--features", "classifier")
    few = write_folder(tmp_path / "few", 6)
    assert "at least 14" in err("--real", few)


# -- Inception: our pipeline against pytorch-fid's and clean-fid's on one random network ------------------------

@pytest.fixture(scope="module")
def random_inception(tmp_path_factory):
    """A randomly initialised torchvision Inception-v3 with its BatchNorm statistics set from random images (so the
    pool features are of order 1), saved as a .pth state dict and as .safetensors."""
    from safetensors.torch import save_file

    from trainers.metrics.inception import resize_299
    from trainers.tvshim import import_torchvision

    tv = import_torchvision()
    torch.manual_seed(0)
    net = tv.models.inception_v3(weights=None, aux_logits=True, init_weights=True)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # a plain average over the calibration batches
    net.train()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():  # images like the ones measured: small random ones, resized the way the extractor does
        small = (torch.rand(6, 3, 30, 30, generator=g) * 255).to(torch.uint8).numpy()
        net(torch.from_numpy(resize_299(small)) / 127.5 - 1)
    folder = tmp_path_factory.mktemp("inception")
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    torch.save(state, folder / "inception.pth")
    save_file(state, str(folder / "inception.safetensors"))
    return folder


def test_inception_features_and_fid_match_pytorch_fid_and_clean_fid(random_inception, monkeypatch):
    from trainers.metrics import inception, scores
    from trainers.samplefiles import to_uint8
    from trainers.tvshim import import_torchvision

    tv = import_torchvision()  # before pytorch-fid, which imports torchvision (see trainers/tvshim.py)
    import pytorch_fid.inception
    from cleanfid.resize import make_resizer
    from pytorch_fid.fid_score import calculate_frechet_distance

    ex = inception.get_inception(random_inception / "inception.pth")
    same = inception.get_inception(random_inception / "inception.safetensors")
    assert ex.describe()["weights_sha256"] == same.describe()["weights_sha256"] and ex.classes == 1000
    g = torch.Generator().manual_seed(0)
    grey = (torch.rand(6, 1, 28, 28, generator=g) * 2 - 1)  # model range, as a generator draws them
    rgb = (torch.rand(6, 3, 32, 32, generator=g) * 2 - 1)
    ours = np.concatenate([ex.embed(grey).features, ex.embed(rgb).features])
    assert ours.shape == (12, inception.FEATURES)

    # the reference: clean-fid's resize of the saved uint8 images, pytorch-fid's network wrapper (blocks up to the
    # final average pool) around the same weights, fed in [0, 1]
    ref_net = tv.models.inception_v3(weights=None, aux_logits=True, init_weights=False)
    ref_net.load_state_dict(torch.load(random_inception / "inception.pth", weights_only=True))
    monkeypatch.setattr(pytorch_fid.inception, "_inception_v3", lambda *a, **k: ref_net)
    wrapper = pytorch_fid.inception.InceptionV3([3], resize_input=False, normalize_input=True,
                                                use_fid_inception=False).eval()
    resize = make_resizer("PIL", False, "bicubic", (299, 299))
    hwc = [np.repeat(to_uint8(x), 3 // x.shape[1], axis=3) for x in (grey, rgb)]  # as `sample --out DIR/` saves them
    batch = torch.from_numpy(np.stack([resize(h) for part in hwc for h in part]).transpose(0, 3, 1, 2).copy())
    with torch.no_grad():
        ref = wrapper(batch / 255.0)[0].squeeze(-1).squeeze(-1).double().numpy()
    assert np.abs(ours - ref).max() <= 1e-4 * np.abs(ref).max()
    assert np.abs(ref).mean() > 0.01  # the calibrated net gives features worth comparing

    # FID against pytorch-fid's Fréchet distance on the same activations (a 512-wide slice keeps scipy's sqrtm,
    # which the reference uses, to a fraction of a second; the formula does not depend on the width)
    a, b = ours[:6, :512], ours[6:, :512]
    mine = scores.fid(a, b)
    with warnings.catch_warnings():  # scipy's sqrtm on a rank-deficient product says so (pytorch-fid copes)
        warnings.simplefilter("ignore")
        theirs = calculate_frechet_distance(*scores.mean_cov(a), *scores.mean_cov(b))
    assert mine > 1 and abs(mine - theirs) < 1e-3


def test_eval_with_inception_features_end_to_end(random_inception, tmp_path):
    few = write_folder(tmp_path / "fourteen", 14)
    proc = run_cli("eval", DCGAN, "--real", few, "--features", f"inception:{random_inception / 'inception.pth'}",
                   "--n", "50", "--json", "--quiet", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["classifier"]["kind"] == "inception" and r["classifier"]["features"] == 2048
    assert r["protocol"]["samples"] == 7 and set(r["metrics"]) == {"fid", "kid", "precision", "recall"}
    assert "Inception" in r["note"] and set(r["skipped"]) == {"is", "coverage"}
    from trainers.metrics.report import summary, table

    text = table(r)
    assert "FID (Inception)" in text and "Inception-v3 pool (2,048)" in text and "comparable with papers" in text
    assert summary(r).startswith("Inception FID")


def test_a_folder_with_class_subfolders_is_scored_by_a_classifier_trained_on_its_classes(tmp_path, monkeypatch):
    from PIL import Image

    from trainers.metrics import features

    monkeypatch.setattr(features, "default_steps", lambda data: 20)
    d = load_dataset("digits", limit=400, seed=9)
    for i in range(len(d)):
        if int(d.labels[i]) in (1, 7):
            (tmp_path / "ones and sevens" / str(int(d.labels[i]))).mkdir(parents=True, exist_ok=True)
            Image.fromarray(d.x[i, 0].numpy()).save(tmp_path / "ones and sevens" / str(int(d.labels[i])) / f"{i}.png")
    cgan = ROOT / "assets" / "models" / "cgan-digits" / "checkpoints" / "last.safetensors"
    proc = run_cli("eval", cgan, "--real", tmp_path / "ones and sevens", "--n", "50", "--json", "--quiet", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["classifier"]["kind"] == "classifier" and r["real"]["labelled"]
    assert r["metrics"]["coverage"]["of"] == 2 and "is" in r["metrics"]
    # the cGAN's class 1 is the digit 1, the folder's class 1 is "7": no label accuracy, and the table says why
    assert "label_accuracy" not in r["metrics"] and "are not the model's" in r["skipped"]["label_accuracy"]
    from trainers.metrics.report import table

    assert "label accuracy" in table(r) and "skipped: the folder's classes (1, 7)" in table(r)


def test_evaluation_during_training_works_on_a_folder_without_labels(tmp_path, few_steps):
    """What `--eval-every` runs in its background thread: an unlabelled folder learns its features on the first job,
    then the flat numbers logged to metrics.jsonl have FID, KID, precision and recall (no IS, no coverage)."""
    from trainers.metrics.checkpoint import headline
    from trainers.metrics.live import BackgroundEvaluator
    from trainers.metrics.report import eval_line, summary

    data = load_dataset(str(write_folder(tmp_path / "f", 60, seed=11)), image_size=28, channels=1)
    bg = BackgroundEvaluator(data, Protocol(samples=30, kid_subsets=5), torch.device("cpu"))
    try:
        assert bg.submit(4, _Replay(data), None)
        [done] = bg.wait(120)
    finally:
        bg.close()
    assert done.error is None and few_steps == [1]
    values = headline(done.result)
    assert set(values) == {"eval_fid", "eval_fid_floor", "eval_kid", "eval_precision", "eval_recall"}
    assert "FID" in eval_line(values) and summary(done.result).startswith("domain FID")
