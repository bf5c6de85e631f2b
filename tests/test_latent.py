"""The explorer's Qt-free model and the engine pieces under it: input vectors, interpolation, history,
latent files, generator-only exports, GANSpace directions, animation exports."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio.export import ExportError, frames_to_gif, frames_to_mp4, mp4_unavailable, save_image
from ganstudio.explorer.latent import (ExplorerState, History, Space, arithmetic, group_mean, interpolation_path,
                                       neighbourhood, slerp)
from ganstudio.explorer.latent_files import LatentFileError, latent_document, load_latent, save_latent
from trainers.checkpoints import export_generator
from trainers.errors import ConfigError
from trainers.generator import load_generator, principal_directions
from trainers.loop import train

from .conftest import tiny_config

SPACE = Space(z_dim=4, classes=tuple("abc"), cat_dims=(3,), cont_dim=2, code_names=("cat", "c1", "c2"))


@pytest.fixture(scope="module")
def cgan_ckpt(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cgan")
    list(train(tiny_config(folder, model="cgan", steps=4)))
    return folder / "run" / "checkpoints" / "last.safetensors"


@pytest.fixture(scope="module")
def dcgan_ckpt(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dcgan")
    list(train(tiny_config(folder, model="dcgan", steps=4)))
    return folder / "run" / "checkpoints" / "last.safetensors"


def test_vector_layout_and_class_blend():
    v = SPACE.vector([1, 2, 3, 4], label=0, label_b=2, blend=0.25, cat=(1,), cont=(0.5, -2.0))
    assert SPACE.in_dim == 4 + 3 + 3 + 2 == len(v)
    assert np.allclose(v, [1, 2, 3, 4, 0.75, 0, 0.25, 0, 1, 0, 0.5, -2.0])
    assert np.allclose(SPACE.vector(np.zeros(4), label=1)[4:7], [0, 1, 0])
    st = ExplorerState(base_z=(1.0, 2.0, 3.0, 4.0), truncation=0.5, cat=(2,), cont=(0.0, 0.0))
    assert np.allclose(st.z(), [0.5, 1, 1.5, 2])
    dirs = {"dirs": np.eye(4, dtype=np.float32)[:2], "sigma": np.array([2.0, 1.0], np.float32)}
    moved = ExplorerState(base_z=(0.0,) * 4, offsets=(1.5, -1.0)).z(dirs)
    assert np.allclose(moved, [3.0, -1.0, 0, 0])


def test_slerp_and_paths():
    a, b = np.array([3.0, 0, 0]), np.array([0, 3.0, 0])
    assert np.allclose(slerp(a, b, 0), a) and np.allclose(slerp(a, b, 1), b, atol=1e-6)
    mid = slerp(a, b, 0.5)
    assert np.linalg.norm(mid) == pytest.approx(3.0) and np.linalg.norm((a + b) / 2) < 2.2  # lerp shrinks
    k = [SPACE.vector(np.ones(4), 0), SPACE.vector(-np.ones(4) * 2, 2), SPACE.vector(np.zeros(4) + 0.5, 1)]
    path = interpolation_path(SPACE, k, 5, "lerp")
    assert path.shape == (2 * 5 + 1, SPACE.in_dim)
    assert np.allclose(path[0], k[0]) and np.allclose(path[5], k[1]) and np.allclose(path[-1], k[2])
    assert np.allclose(path[2][4:7], [0.6, 0, 0.4])  # classes blend linearly on the way
    looped = interpolation_path(SPACE, k, 4, "slerp", loop=True)
    assert len(looped) == 3 * 4 and np.allclose(looped[0], k[0])
    with pytest.raises(ValueError):
        interpolation_path(SPACE, k[:1], 4)


def test_arithmetic_and_neighbourhood():
    members = [(1.0, 1.0), (3.0, 3.0), (2.0, 5.0)]
    assert np.allclose(group_mean(members), [2, 3]) and group_mean(()) is None
    assert np.allclose(arithmetic([1, 1], [2, 0], [0, 5]), [-1, 6])
    near = neighbourhood(np.array([1.0, 2.0]), 9, 0.25, seed=3)
    assert near.shape == (9, 2) and np.allclose(near[0], [1, 2])
    assert 0.05 < np.std(near[1:] - near[0]) < 0.6


def test_history_undo_redo_and_drag_merging():
    h = History()
    s0, s1, s2, s3 = (ExplorerState(seed=i) for i in range(4))
    h.record(s0)  # seed 0 → 1
    h.record(s1, "z0")  # a drag: 1 → 2 → 3 merges into one step
    h.record(s2, "z0")
    assert h.undo(s3) == s1 and h.undo(s1) == s0 and h.undo(s0) is None
    assert h.redo(s0) == s1 and h.redo(s1) == s3 and h.redo(s3) is None
    h.record(s3, "z0")
    h.break_merge()  # the slider was released: the next drag is its own step
    h.record(s2, "z0")
    assert h.undo(s1) == s2 and h.undo(s2) == s3
    h.record(s0)  # a new edit after undo drops the redo branch
    assert not h.can_redo


def test_latent_file_round_trip_and_refusals(tmp_path):
    st = ExplorerState(seed=9, base_z=(0.1, -0.2, 0.3, 0.4), truncation=0.8, label=2, label_b=1, blend=0.3,
                       cat=(1,), cont=(0.5, -1.5))
    model = {"hash": "aaaa", "lineage": "run1", "family": "infogan", "step": 100}
    doc = latent_document(st, SPACE, model)
    assert doc["codes"] == {"cat": 1, "c1": 0.5, "c2": -1.5} and doc["label_name"] == "c"
    assert np.allclose(doc["z"], np.array(st.base_z) * 0.8) and len(doc["input"]) == SPACE.in_dim
    path = save_latent(tmp_path / "x.json", doc)
    back, note = load_latent(path, SPACE, model, ExplorerState())
    assert back == st and note == ""
    same_run = dict(model, hash="bbbb", step=200)
    back, note = load_latent(path, SPACE, same_run, ExplorerState())
    assert back == st and "step 100" in note
    with pytest.raises(LatentFileError, match="another model"):
        load_latent(path, SPACE, {"hash": "cccc", "lineage": "run2", "family": "dcgan"}, ExplorerState())
    (tmp_path / "junk.json").write_text("{")
    with pytest.raises(LatentFileError, match="not a latent file"):
        load_latent(tmp_path / "junk.json", SPACE, model, ExplorerState())
    (tmp_path / "other.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(LatentFileError, match="not a GAN Studio latent"):
        load_latent(tmp_path / "other.json", SPACE, model, ExplorerState())
    with pytest.raises(LatentFileError, match="does not exist"):
        save_latent(tmp_path / "nope" / "x.json", doc)


def test_render_inputs_match_latent_rendering_and_generator_only_export(cgan_ckpt, tmp_path):
    gen = load_generator(cgan_ckpt)
    lat = gen.latent(6, seed=4, label=3)
    x = gen.inputs(lat)
    assert torch.allclose(gen.render_inputs(x), gen.render(lat), atol=1e-6)
    with pytest.raises(ConfigError, match="takes"):
        gen.render_inputs(x[:, :-1])
    small = export_generator(cgan_ckpt, tmp_path / "g.safetensors")
    g2 = load_generator(small)
    assert g2.weights_hash == gen.weights_hash and g2.lineage == gen.lineage
    assert torch.equal(g2.render_inputs(x), gen.render_inputs(x))
    assert small.stat().st_size < cgan_ckpt.stat().st_size / 2  # no D, no optimizer state
    half = load_generator(export_generator(cgan_ckpt, tmp_path / "h.safetensors", half=True))
    assert (half.render_inputs(x) - gen.render_inputs(x)).abs().max() < 0.02
    with pytest.raises(ConfigError, match="generator-only"):
        run = tmp_path / "gonly"
        (run / "checkpoints").mkdir(parents=True)
        export_generator(cgan_ckpt, run / "checkpoints" / "last.safetensors")
        cfg = tiny_config(tmp_path, model="cgan", steps=8, out=str(run))
        train(cfg, resume=True)


def test_principal_directions_are_unit_z_directions_in_variance_order(dcgan_ckpt):
    gen = load_generator(dcgan_ckpt)
    d = principal_directions(gen, k=6, n=400)
    assert d["dirs"].shape == (6, gen.layout.z_dim)
    assert np.allclose(np.linalg.norm(d["dirs"], axis=1), 1, atol=1e-4)
    assert np.all(np.diff(d["explained"]) <= 1e-6) and 0 < d["explained"].sum() <= 1
    assert np.all(d["sigma"] > 0.3)


def test_png_gif_mp4_exports_decode_back(tmp_path):
    frames = (np.random.default_rng(0).random((7, 10, 12, 3)) * 255).astype(np.uint8)
    out = save_image(frames[0], tmp_path / "a.png", scale=5)
    with Image.open(out) as im:
        arr = np.asarray(im)
    assert arr.shape == (50, 60, 3) and np.array_equal(arr[::5, ::5], frames[0])
    assert frames_to_gif(frames, tmp_path / "a.gif", fps=10, scale=2, boomerang=True) == 7 + 5
    with Image.open(tmp_path / "a.gif") as im:
        assert im.n_frames == 12 and im.size == (24, 20)
    with pytest.raises(ExportError, match="does not exist"):
        frames_to_gif(frames, tmp_path / "no" / "a.gif")
    with pytest.raises(ExportError, match="no frames"):
        frames_to_gif(frames[:0], tmp_path / "b.gif")
    if mp4_unavailable():
        pytest.skip(mp4_unavailable())
    import imageio_ffmpeg

    assert frames_to_mp4(frames, tmp_path / "a.mp4", fps=12, scale=3) == 7
    reader = imageio_ffmpeg.read_frames(str(tmp_path / "a.mp4"))
    assert tuple(next(reader)["size"]) == (36, 30) and sum(1 for _ in reader) == 7


def test_mp4_off_says_why_without_imageio_ffmpeg(monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "imageio_ffmpeg" else real(name, *a))
    assert "imageio-ffmpeg" in mp4_unavailable()
    with pytest.raises(ExportError, match="imageio-ffmpeg"):
        frames_to_mp4(np.zeros((2, 4, 4, 3), np.uint8), tmp_path / "x.mp4")
