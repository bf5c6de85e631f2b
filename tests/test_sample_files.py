"""Samples as files (issue 39, item 5): ``ganstudio sample --out DIR/`` writes one PNG per sample and ``--out
x.npz`` one uint8 (N, H, W, 3) array under ``arr_0``; the files decode back to what the generator renders for the
same seed (and to the grid's tiles), batches and chunks change nothing, and the errors a user can cause are one
line. The explorer's "Samples as files…" writes the same from a worker thread and survives an unwritable folder."""

from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from trainers import samplefiles
from trainers.errors import ConfigError
from trainers.generator import load_generator
from trainers.loop import train

from .conftest import run_cli, tiny_config

cli = run_cli


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory):
    """A conditional, grey, 28-px model: two training steps are enough to have one."""
    folder = tmp_path_factory.mktemp("cgan")
    list(train(tiny_config(folder, model="cgan", arch="mlp", steps=2, checkpoint_every=2, sample_every=2)))
    return folder / "run"


@pytest.fixture(scope="module")
def ckpt(cgan_run):
    return cgan_run / "checkpoints" / "last.safetensors"


def rendered(ckpt, n, seed, label=None):
    """What the generator draws for ``sample --n n --seed seed``: (n, 28, 28) uint8."""
    gen = load_generator(ckpt)
    return samplefiles.to_uint8(gen.render(gen.latent(n, seed, label)))[..., 0]


def decoded(folder):
    names = sorted(p.name for p in folder.iterdir())
    images = []
    for name in names:
        with Image.open(folder / name) as im:
            assert im.mode == "L" and im.format == "PNG"
            images.append(np.asarray(im))
    return names, np.stack(images)


def test_a_folder_gets_one_png_per_sample_equal_to_the_grid(ckpt, tmp_path):
    out = tmp_path / "fakes"
    r = cli("sample", ckpt, "--n", "10", "--seed", "3", "--out", f"{out}/")
    assert r.returncode == 0, r.stderr
    assert "writing samples" in r.stderr  # the progress bar, on stderr
    assert f"wrote 10 samples in {out}/ (000000.png … 000009.png, 28x28 px, grey)" in r.stdout
    names, images = decoded(out)
    assert names == [f"{i:06d}.png" for i in range(10)]
    assert images.shape == (10, 28, 28) and images.dtype == np.uint8
    assert np.array_equal(images, rendered(ckpt, 10, 3))
    # file i is tile i of the grid of the same --n and --seed (3 a row, 2-px padding, grey drawn as RGB)
    grid_png = tmp_path / "grid.png"
    assert cli("sample", ckpt, "--n", "10", "--seed", "3", "--out", grid_png).returncode == 0
    grid = np.asarray(Image.open(grid_png))
    for i in range(10):
        y, x = 2 + (i // 3) * 30, 2 + (i % 3) * 30
        assert np.array_equal(grid[y:y + 28, x:x + 28, 0], images[i]), i
    assert np.ptp(images) > 0  # not a blank image compared with a blank image


def test_seed_label_and_quiet(ckpt, tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    r = cli("sample", ckpt, "--n", "6", "--seed", "7", "--label", "3", "--out", a, "--quiet")  # no suffix: folder
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # --quiet: no bar
    assert cli("sample", ckpt, "--n", "6", "--seed", "7", "--label", "3", "--out", b, "--quiet").returncode == 0
    assert cli("sample", ckpt, "--n", "6", "--seed", "8", "--label", "3", "--out", c, "--quiet").returncode == 0
    _, ia = decoded(a)
    _, ib = decoded(b)
    _, ic = decoded(c)
    assert np.array_equal(ia, rendered(ckpt, 6, 7, label=3))
    assert np.array_equal(ia, ib) and not np.array_equal(ia, ic)
    assert not np.array_equal(ia, rendered(ckpt, 6, 7))  # the label was used


def test_npz_is_uint8_nhwc_under_arr_0(ckpt, tmp_path):
    out = tmp_path / "deep" / "fakes.npz"  # its folder is created
    r = cli("sample", ckpt, "--n", "9", "--seed", "3", "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    assert f"wrote {out}: arr_0 uint8 (9, 28, 28, 3)" in r.stdout
    with np.load(out, allow_pickle=False) as f:
        assert list(f.keys()) == ["arr_0"]
        arr = f["arr_0"]
    assert arr.dtype == np.uint8 and arr.shape == (9, 28, 28, 3)
    want = rendered(ckpt, 9, 3)
    for ch in range(3):  # grey repeated into three channels
        assert np.array_equal(arr[..., ch], want)
    # an existing .npz is replaced, as a grid PNG is
    assert cli("sample", ckpt, "--n", "4", "--seed", "3", "--out", out, "--quiet").returncode == 0
    with np.load(out) as f:
        assert f["arr_0"].shape == (4, 28, 28, 3)
    assert [p.name for p in out.parent.iterdir()] == ["fakes.npz"]  # no temporary file left


def test_batches_and_chunks_bound_memory_and_change_nothing(ckpt, tmp_path, monkeypatch):
    gen = load_generator(ckpt)
    seen, calls = [], []
    render = gen.render
    gen.render = lambda lat: (seen.append(len(lat["z"])), render(lat))[1]
    monkeypatch.setattr(samplefiles, "CHUNK", 4)  # latents 4 at a time: three chunks for 10
    done = samplefiles.write_samples(gen, tmp_path / "x", 10, seed=5, batch=3,
                                     progress=lambda stage, d, n: calls.append((stage, d, n)))
    assert done.count == 10 and done.kind == "folder" and done.shape == (28, 28, 1)
    assert max(seen) <= 3 and sum(seen) == 10  # never more than one batch rendered (and held) at once
    assert calls[0] == ("writing samples", 0, 10) and calls[-1] == ("writing samples", 10, 10)
    assert [d for _, d, _ in calls] == sorted(d for _, d, _ in calls)
    _, images = decoded(tmp_path / "x")
    want = np.concatenate([samplefiles.to_uint8(render(gen.latent(m, samplefiles.chunk_seed(5, k))))[..., 0]
                           for k, m in enumerate((4, 4, 2))])
    assert np.abs(images.astype(int) - want.astype(int)).max() <= 1  # batch size may move a rounding, not a sample
    assert samplefiles.chunk_seed(5, 0) == 5 and samplefiles.chunk_seed(5, 1) not in (5, 6)
    assert samplefiles.chunk_seed(5, 1) != samplefiles.chunk_seed(6, 1) < 2 ** 63


def test_names_are_padded_to_sort_as_numbers():
    assert samplefiles.file_names(50_000) == ("000000.png", "049999.png")
    assert samplefiles.file_names(1) == ("000000.png", "000000.png")
    assert samplefiles.file_names(1_000_001) == ("0000000.png", "1000000.png")


def test_what_out_means(tmp_path):
    kind = samplefiles.output_kind
    (tmp_path / "there.png").mkdir()
    assert kind(f"{tmp_path}/new/") == kind(tmp_path / "new") == kind(tmp_path / "there.png") == "folder"
    assert kind(tmp_path / "x.npz") == kind(tmp_path / "X.NPZ") == "npz"
    assert kind(tmp_path / "x.png") is None and kind(tmp_path / "x.jpg") is None


def one_line_error(r, *says):
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    for s in says:
        assert s in r.stderr, r.stderr


def test_errors_are_one_line(ckpt, tmp_path):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "000000.png").write_bytes(b"")
    one_line_error(cli("sample", ckpt, "--n", "3", "--out", taken, "--quiet"), "already holds images (e.g. 000000.png)",
                   "choose an empty or new folder")
    assert [p.name for p in taken.iterdir()] == ["000000.png"]  # nothing written
    (taken / "000000.png").unlink()
    (taken / "notes.txt").write_text("kept")  # other files do not get in the way
    assert cli("sample", ckpt, "--n", "2", "--out", taken, "--quiet").returncode == 0
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    one_line_error(cli("sample", ckpt, "--n", "3", "--out", f"{blocker}/sub/", "--quiet"), "cannot create the folder",
                   "choose a writable folder")
    one_line_error(cli("sample", ckpt, "--n", "3", "--out", blocker / "x.npz", "--quiet"), "cannot create the folder")
    one_line_error(cli("sample", ckpt, "--n", "0", "--out", f"{tmp_path}/z/"), "--n must be in 1..1000000")
    one_line_error(cli("sample", ckpt, "--n", "5000", "--out", tmp_path / "g.png"), "1..4096 for a grid",
                   "--out DIR/")
    one_line_error(cli("sample", ckpt, "--n", "3", "--out", tmp_path / "g.gif"), ".png, .jpg", ".npz")
    one_line_error(cli("sample", ckpt, "--n", "3", "--out", f"{tmp_path}/y/", "--input", blocker), "--input",
                   "--out FILE.png")
    one_line_error(cli("sample", ckpt, "--n", "3", "--out", f"{tmp_path}/w/", "--label", "12"), "out of range")
    assert not (tmp_path / "w").exists()  # a bad class is said before any folder is made


def test_models_without_noise_samples_are_refused():
    """A translating model (its input is a picture) and a 2D-points model have no images to draw from noise."""
    base = dict(path=SimpleNamespace(name="m.safetensors"), can=lambda _c: False)
    translating = SimpleNamespace(translates=True, meta={"data": {"shape": [1, 28, 28]}}, **base)
    with pytest.raises(ConfigError, match="translates images.*--out FILE.png"):
        samplefiles.check_drawable(translating)
    points = SimpleNamespace(translates=False, meta={"data": {"shape": [2]}}, **base)
    with pytest.raises(ConfigError, match="2D points"):
        samplefiles.check_drawable(points)
    assert samplefiles.check_drawable(SimpleNamespace(translates=False, meta={"data": {"shape": [3, 32, 32]}},
                                                      **base)) == (3, 32, 32)


# -- the app ----------------------------------------------------------------------------------------------------
@pytest.mark.usefixtures("no_thread_leaks")
def test_explorer_export_writes_files_in_a_thread(qtbot, explorer_panel, cgan_run, ckpt, tmp_path):
    from ganstudio.explorer import export as xp

    from .conftest import open_ckpt

    ex = explorer_panel
    assert "Samples as files…" in [a.text() for a in ex.export_menu.actions()]
    open_ckpt(qtbot, ex, ckpt)
    thread = xp.export_samples(ex, f"{tmp_path}/app/", 12, seed=4)
    qtbot.waitUntil(thread.isFinished, timeout=60_000)
    qtbot.waitUntil(lambda: "Wrote 12 samples" in ex.message.text(), timeout=5_000)
    names, images = decoded(tmp_path / "app")
    assert len(names) == 12 and np.array_equal(images, rendered(ckpt, 12, 4))

    thread = xp.export_samples(ex, tmp_path / "app.npz", 5, seed=4)
    qtbot.waitUntil(thread.isFinished, timeout=60_000)
    qtbot.waitUntil(lambda: "arr_0 uint8 (5, 28, 28, 3)" in ex.message.text(), timeout=5_000)
    with np.load(tmp_path / "app.npz") as f:
        assert np.array_equal(f["arr_0"][..., 1], rendered(ckpt, 5, 4))

    # an unwritable place: one line in the message bar, the explorer goes on
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    thread = xp.export_samples(ex, f"{blocker}/sub/", 3)
    qtbot.waitUntil(thread.isFinished, timeout=60_000)
    qtbot.waitUntil(lambda: ex.message.objectName() == "error", timeout=5_000)
    assert "Could not write the samples: cannot create the folder" in ex.message.text()
    # the same folder again: refused, it already holds our samples
    thread = xp.export_samples(ex, tmp_path / "app", 3)
    qtbot.waitUntil(thread.isFinished, timeout=60_000)
    qtbot.waitUntil(lambda: "already holds images" in ex.message.text(), timeout=5_000)
    assert len(list((tmp_path / "app").iterdir())) == 12
    # cancelled: no result, a line saying what is left
    thread = xp.export_samples(ex, f"{tmp_path}/cut/", 5000)
    thread.cancel()
    qtbot.waitUntil(thread.isFinished, timeout=60_000)
    qtbot.waitUntil(lambda: "Stopped writing samples" in ex.message.text(), timeout=5_000)
    assert len(list((tmp_path / "cut").iterdir())) < 5000
