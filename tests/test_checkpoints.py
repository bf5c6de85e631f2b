"""Checkpoints: round trip, and every way a file can be wrong gives an error naming the file and the problem."""

import json

import pytest
import torch
from safetensors.torch import save_file

from trainers import checkpoints as ck
from trainers.errors import CheckpointError
from trainers.generator import load_generator
from trainers.loop import train

from .conftest import tiny_config


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ck")
    run = train(tiny_config(tmp, model="dcgan", steps=4))
    events = list(run)
    return tmp / "run", events


def test_roundtrip_metadata_and_weights(finished_run):
    run_dir, events = finished_run
    path = run_dir / "checkpoints" / "last.safetensors"
    ckpt = ck.read_checkpoint(path)
    assert ckpt.step == 4 and ckpt.meta["model"]["family"] == "dcgan"
    assert json.loads((run_dir / "checkpoints" / "last.json").read_text())["step"] == 4
    assert {"G", "D"} <= {k.split("/")[0] for k in ckpt.tensors}
    assert any(k.startswith("optim/D/") for k in ckpt.tensors)
    gen = load_generator(run_dir)  # a run folder resolves to its last checkpoint
    assert torch.equal(gen.G.state_dict()["body.net.0.weight"], ckpt.tensors["G/body.net.0.weight"])
    img = gen.render(gen.latent(3, seed=0))
    assert img.shape == (3, 1, 28, 28)


def test_truncated_file(finished_run, tmp_path):
    src = finished_run[0] / "checkpoints" / "last.safetensors"
    bad = tmp_path / "cut.safetensors"
    bad.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(CheckpointError, match=r"cut\.safetensors: .*truncated or corrupt"):
        load_generator(bad)


def test_garbage_and_missing_files(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 64)
    with pytest.raises(CheckpointError, match="junk.safetensors"):
        ck.read_meta(junk)
    with pytest.raises(CheckpointError, match="no such file"):
        ck.read_meta(tmp_path / "missing.safetensors")
    with pytest.raises(CheckpointError, match="without checkpoints/last"):
        ck.read_meta(tmp_path)


def test_pickle_is_never_opened(tmp_path):
    p = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, p)
    with pytest.raises(CheckpointError, match="never unpickles"):
        load_generator(p)


def test_foreign_safetensors(tmp_path):
    p = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(p), metadata={"framework": "someone else"})
    with pytest.raises(CheckpointError, match="not a GAN Studio checkpoint"):
        load_generator(p)
    save_file({"w": torch.zeros(2)}, str(p), metadata={"ganstudio": "{not json"})
    with pytest.raises(CheckpointError, match="not valid JSON"):
        ck.read_meta(p)


def test_architecture_mismatch_names_the_tensor(finished_run, tmp_path):
    from trainers.algos import build_algorithm
    from trainers.config import resolve
    from trainers.data import load_dataset

    ckpt = ck.read_checkpoint(finished_run[0] / "checkpoints" / "last.safetensors")
    cfg = resolve(tiny_config(tmp_path, model="dcgan", width=16))
    algo = build_algorithm(cfg, load_dataset("digits", limit=64), torch.device("cpu"))
    # the run: DCGAN's digits recipe (the MNIST nets) at width 8, so G's first layer is 16·8 wide; here 16·16
    with pytest.raises(CheckpointError,
                       match=r"last\.safetensors: G\.body\.fc\.0\.weight has shape \[128, 100\] .* \[256, 100\]"):
        ck.load_modules(ckpt, {"G": algo.G})
    algo2 = build_algorithm(resolve(tiny_config(tmp_path, model="cgan", arch="mlp")), load_dataset("digits", limit=64),
                            torch.device("cpu"))
    with pytest.raises(CheckpointError, match="does not match this model's architecture"):
        ck.load_modules(ckpt, {"G": algo2.G})


def test_failed_write_leaves_previous_checkpoint_intact(finished_run, tmp_path, monkeypatch):
    import shutil

    target = tmp_path / "last.safetensors"
    shutil.copy(finished_run[0] / "checkpoints" / "last.safetensors", target)
    before = target.read_bytes()

    def boom(tensors, path, metadata=None):
        with open(path, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(ck, "save_file", boom)
    with pytest.raises(OSError, match="disk full"):
        ck.save_checkpoint(target, modules={"G": torch.nn.Linear(2, 2)}, optimizers={}, extra_tensors={},
                           meta={"step": 9, "config": {}, "model": {}})
    assert target.read_bytes() == before
    assert not list(tmp_path.glob(".*tmp"))  # no temp litter


def test_damaged_file_whose_header_length_starts_with_0x80_is_not_called_a_pickle(tmp_path):
    bad = tmp_path / "odd.safetensors"
    bad.write_bytes((0x480).to_bytes(8, "little") + b'{"G/w": {"dtype": "F32", ' + b"\x00" * 2000)
    with pytest.raises(CheckpointError, match=r"odd\.safetensors: .*truncated or corrupt"):
        ck.read_meta(bad)
    pickle_like = tmp_path / "model.safetensors"
    pickle_like.write_bytes(b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94." + b"\x00" * 64)
    with pytest.raises(CheckpointError, match="pickle"):
        ck.read_meta(pickle_like)
