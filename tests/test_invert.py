"""GAN inversion: the latent found for an image the generator drew itself reproduces it, and its latent file
opens in the explorer's model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.bundled import models_dir
from trainers.errors import ConfigError
from trainers.generator import load_generator
from trainers.invert import invert, inversion_file, load_target

from .conftest import run_cli


@pytest.fixture(scope="module")
def cgan():
    return load_generator(models_dir() / "cgan-digits" / "checkpoints" / "last.safetensors")


def test_inversion_recovers_a_known_latent(cgan):
    lat = cgan.latent(1, seed=11, label=7)
    target = cgan.render(lat)[0]
    inv = invert(cgan, target, steps=150, restarts=4, seed=0)
    assert inv.label == 7  # the class it was drawn with
    assert inv.mse < 0.1 * inv.start_mse and inv.mse < 0.01
    assert inv.recon.shape == target.shape == (1, 28, 28)
    again = cgan.render({"z": torch.from_numpy(inv.z)[None], "label": torch.tensor([inv.label])})[0]
    assert torch.allclose(again, inv.recon, atol=1e-5)  # the file's latent is the reconstruction's


def test_the_inversion_file_opens_in_the_explorer(cgan, tmp_path):
    from ganstudio.explorer.latent import ExplorerState, Space
    from ganstudio.explorer.latent_files import load_latent

    inv = invert(cgan, cgan.render(cgan.latent(1, seed=2, label=4))[0], steps=60, restarts=2)
    doc = inversion_file(cgan, inv)
    path = tmp_path / "inv.json"
    path.write_text(json.dumps(doc))
    info = {**cgan.meta["model"], "hash": cgan.weights_hash, "lineage": cgan.lineage}
    space = Space.from_info(info)
    state, note = load_latent(path, space, info, ExplorerState())
    assert note == "" and state.label == 4 and np.allclose(state.base_z, inv.z, atol=1e-6)
    assert np.allclose(doc["input"], state.vector(space), atol=1e-6)


def test_invert_command_and_its_mistakes(tmp_path):
    ckpt = str(models_dir() / "infogan-digits")
    img = tmp_path / "digit.png"
    Image.fromarray((np.random.default_rng(0).random((40, 30)) * 255).astype(np.uint8)).save(img)
    out = tmp_path / "z.json"
    r = run_cli("invert", ckpt, img, "--out", out, "--steps", "20", "--restarts", "2", "--recon", tmp_path / "r.png",
                "--quiet")
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["format"] == "ganstudio-latent" and set(doc["codes"]) == {"cat", "c1", "c2"}
    assert Image.open(tmp_path / "r.png").size[0] > 28  # target and reconstruction side by side
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    r = run_cli("invert", ckpt, junk, "--out", out)
    assert r.returncode == 2 and "not a readable image" in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(ConfigError, match="no such image"):
        load_target(tmp_path / "missing.png", (1, 28, 28))
