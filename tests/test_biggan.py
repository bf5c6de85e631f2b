"""BigGAN: class-conditional BatchNorm uses the class, hierarchical z feeds one block per chunk, the orthogonal
penalty on hand-computed weights, truncation keeps z in ±ψ, and the truncation sweep (library and CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.stats import truncnorm

from tests.conftest import run_cli, tiny_config
from trainers import train
from trainers.data import load_dataset
from trainers.inputs import truncate
from trainers.metrics import features
from trainers.metrics.evaluate import SWEEP_SCHEMA, Evaluator, Protocol, truncation_sweep
from trainers.models import MODELS, build_networks
from trainers.models.biggan import ConditionalBN, ortho_penalty, ortho_weights, z_chunks

ROOT = Path(__file__).resolve().parents[1]


def _nets(size=28, channels=1, z_dim=24, width=8):
    torch.manual_seed(0)
    return build_networks(MODELS["biggan"], sample_shape=(channels, size, size), num_classes=10, z_dim=z_dim,
                          width=width)


def test_the_class_changes_the_output_at_the_same_z():
    G = _nets()["G"].eval()
    z = torch.randn(1, 24).expand(10, -1)
    with torch.no_grad():
        x = G.generate({"z": z, "label": torch.arange(10)})
    assert x.shape == (10, 1, 28, 28)
    diffs = [(x[i] - x[j]).abs().mean().item() for i in range(10) for j in range(i + 1, 10)]
    assert min(diffs) > 1e-4  # every pair of classes draws a different image from the same z


def test_conditional_bn_takes_gain_and_bias_from_the_condition():
    torch.manual_seed(2)
    cbn = ConditionalBN(4, 3).eval()
    x = torch.randn(2, 4, 3, 3)
    c = torch.tensor([[0.0, 0.0, 0.0], [2.0, -1.0, 0.5]])
    with torch.no_grad():
        y = cbn(x, c)
        normed = cbn.bn(x)
        gain, bias = cbn.gain(c), cbn.bias(c)
    torch.testing.assert_close(y[0], normed[0])  # a zero condition: plain BatchNorm, no affine of its own
    assert (y[1] - normed[1]).abs().max() > 1e-3
    torch.testing.assert_close(y, normed * (1 + gain[:, :, None, None]) + bias[:, :, None, None])


@pytest.mark.parametrize("size,chunks", [(28, (8, 8, 8)), (32, (6, 6, 6, 6)), (64, (8, 4, 4, 4, 4))])
def test_z_is_split_into_one_chunk_per_block(size, chunks):
    z_dim = 24 if size != 64 else 24
    spec = MODELS["biggan"].inputs(type("C", (), {"image_size": size, "z_dim": z_dim})(), tuple("0123456789"))
    assert spec.part("z").chunks == chunks == z_chunks(z_dim, len(chunks) - 1)
    assert spec.num_classes == 10


def test_each_z_chunk_reaches_its_block_only():
    """Chunk 0 sets the start (the first linear layer); changing a later chunk leaves it as it was but
    changes the image."""
    G = _nets()["G"].eval()
    z = torch.randn(2, 24)
    z2 = z.clone()
    z2[:, 16:] += 1.0  # the last chunk: the last block only
    label = torch.tensor([3, 3])
    body = G.body
    flat = G.inputs.flatten({"z": z, "label": label})
    flat2 = G.inputs.flatten({"z": z2, "label": label})
    with torch.no_grad():
        torch.testing.assert_close(body.first_block(flat), body.first_block(flat2))
        assert not torch.allclose(body(flat), body(flat2))
        z3 = z.clone()
        z3[:, :8] += 1.0
        assert not torch.allclose(body.first_block(flat), body.first_block(G.inputs.flatten({"z": z3, "label": label})))


def test_orthogonal_penalty_on_hand_computed_weights():
    w = torch.tensor([[1.0, 0.0], [1.0, 1.0]])  # W Wᵀ = [[1, 1], [1, 2]]: off-diagonal 1 and 1
    assert ortho_penalty([w]).item() == pytest.approx(2.0)
    conv = torch.zeros(2, 1, 2, 1)  # two 2-value rows (1, 2) and (3, 4): ⟨r₁, r₂⟩ = 11
    conv[0, 0, :, 0] = torch.tensor([1.0, 2.0])
    conv[1, 0, :, 0] = torch.tensor([3.0, 4.0])
    assert ortho_penalty([conv]).item() == pytest.approx(2 * 11.0 ** 2)
    q, _ = torch.linalg.qr(torch.randn(5, 5))
    assert ortho_penalty([3.0 * q]).item() == pytest.approx(0.0, abs=1e-6)  # orthogonal rows of any norm: 0
    assert ortho_penalty([w, conv]).item() == pytest.approx(2.0 + 242.0)


def test_ortho_weights_skip_the_embedding_and_tall_weights():
    G = _nets()["G"]
    ws = ortho_weights(G)
    assert ws and all(w.shape[0] <= w[0].numel() for w in ws)
    assert not any(w is G.body.shared.weight for w in ws)
    assert not any(w is G.body.linear.weight_orig for w in ws)  # 8·7·7·4 rows, 8 columns


def test_truncation_keeps_values_in_range_with_the_truncated_normal_law():
    z = torch.randn(200_000, generator=torch.Generator().manual_seed(0))
    for psi in (2.0, 1.0, 0.5):
        t = truncate(z, psi)
        assert t.abs().max() <= psi
        assert t.std().item() == pytest.approx(truncnorm(-psi, psi).std(), rel=0.01)
        tn = truncate(z.numpy(), psi)
        np.testing.assert_allclose(tn, t.numpy(), atol=1e-5)
    assert torch.equal(truncate(z, 0.0), torch.zeros_like(z))
    assert truncate(z, None) is z
    spec = _nets()["G"].inputs
    lat = spec.sample(500, torch.Generator().manual_seed(1), torch.device("cpu"), truncation=0.3)
    assert lat["z"].abs().max() <= 0.3 and lat["label"].max() <= 9  # the class is not truncated
    with pytest.raises(ValueError):
        truncate(z, -1.0)


def test_the_recipe_is_biggans():
    fam = MODELS["biggan"]
    d = fam.defaults
    assert fam.loss == "hinge" and fam.conditioning == "projection" and fam.needs_labels and fam.spectral
    assert d["ema"] == 0.999 and d["ortho_weight"] == 1e-4 and d["beta1"] == 0.0


def test_training_logs_the_penalty_and_keeps_an_ema(tmp_path):
    cfg = tiny_config(tmp_path, model="biggan", width=8, batch_size=16, steps=3, sample_every=1000,
                      checkpoint_every=1000, log_window_s=0.0, z_dim=24)
    events = list(train(cfg))
    assert events[-1].step == 3
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["ortho"] > 0
    from trainers import checkpoints as ck

    tensors = ck.read_checkpoint(tmp_path / "run" / "checkpoints" / "last.safetensors").tensors
    assert any(k.startswith("G_ema/") for k in tensors)
    from trainers.generator import describe

    meta = ck.read_meta(tmp_path / "run" / "checkpoints" / "last.safetensors")[1]
    assert describe(meta)["truncation"] == "normal"  # the explorer truncates BigGAN's z to ±ψ


# -- the truncation sweep ---------------------------------------------------------------------------------------


class _Truncatable:
    """A stand-in conditional generator that draws real digits: z₀'s quantile picks which digit of the class,
    ordered by ink (so truncation keeps the middle of the range and drops the thinnest and boldest: less recall), and |z₁| > 1 draws the next class instead of the asked-for one
    (so truncating to ψ ≤ 1 removes every wrong label: more label accuracy)."""

    def __init__(self, data):
        from trainers.models import LatentLayout

        self.layout = LatentLayout(4, 10, class_names=tuple(str(i) for i in range(10)))
        self.codes, self.data = [], data
        ink = data.x.float().flatten(1).sum(1)
        self.pools = [(lambda idx: idx[ink[idx].argsort()])(torch.nonzero(data.labels == c).flatten()) for c in range(10)]
        self.meta = {"step": 1, "model": {"family": "stand-in"}, "data": {"fingerprint": data.fingerprint()}}

    def latent(self, n, seed=0, truncation=None):
        return self.layout.sample(n, torch.Generator().manual_seed(seed), torch.device("cpu"), truncation)

    def render(self, latent):
        out = []
        for z, c in zip(latent["z"], latent["label"]):
            pool = self.pools[(int(c) + int(z[1].abs() > 1)) % 10]
            q = float(torch.special.ndtr(z[0]))
            out.append(pool[min(int(q * len(pool)), len(pool) - 1)])
        return self.data.to_model(self.data.x[torch.stack(out)])


@pytest.fixture(scope="module")
def digits():
    """2,000 digits with a briefly trained classifier in the (test-private) cache, as if `eval` had trained it."""
    data = load_dataset("digits", limit=2000)
    features.save_extractor(features.train_extractor(data, steps=150), features.cache_path(data))
    return data


def test_the_sweep_trades_variety_for_quality_on_a_constructed_generator(digits):
    ev = Evaluator(digits, Protocol(samples=400, kid_subsets=5))
    result = truncation_sweep(_Truncatable(digits), ev, psis=(None, 0.5, 0.25, 0.0))
    assert result["schema"] == SWEEP_SCHEMA and [r["psi"] for r in result["rows"]] == [None, 0.5, 0.25, 0.0]
    acc = [r["label_accuracy"] for r in result["rows"]]
    recall = [r["recall"] for r in result["rows"]]
    assert acc == sorted(acc) and acc[-1] > acc[0] + 0.2  # quality rises as ψ shrinks
    fid = [r["fid"] for r in result["rows"]]
    assert recall == sorted(recall, reverse=True) and recall[0] > recall[-1] + 0.5  # variety falls
    assert fid == sorted(fid) and fid[-1] > 5 * fid[0]


def test_cli_samples_truncated_and_sweeps_into_the_run_folder(tmp_path, digits):
    cfg = tiny_config(tmp_path, model="biggan", width=8, batch_size=16, steps=2, sample_every=1000,
                      checkpoint_every=1000, z_dim=24, data_limit=len(digits))  # the data the cached classifier knows
    list(train(cfg))
    run = tmp_path / "run"

    def cli(*args):
        return run_cli(*args, cwd=ROOT)

    bad = cli("sample", str(run), "--truncation", "-1", "--out", str(tmp_path / "s.png"))
    assert bad.returncode == 2 and "--truncation must be a number ≥ 0" in bad.stderr
    ok = cli("sample", str(run), "--truncation", "0.5", "--n", "4", "--out", str(tmp_path / "s.png"))
    assert ok.returncode == 0 and (tmp_path / "s.png").is_file()
    sweep = cli("eval", str(run), "--truncation-sweep", "--n", "60", "--quiet", "--json")
    assert sweep.returncode == 0, sweep.stderr
    result = json.loads(sweep.stdout)
    assert result["schema"] == SWEEP_SCHEMA and [r["psi"] for r in result["rows"]][:2] == [None, 2.0]
    stored = json.loads((run / "eval" / "truncation_step_0000002.json").read_text())
    assert stored["rows"] == result["rows"]
    from trainers.metrics.report import sweep_table

    table = sweep_table(result)  # what the command prints without --json
    assert "label acc" in table and "  none" in table and "real-vs-real FID floor" in table
