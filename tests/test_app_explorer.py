"""The explorer against tiny trained checkpoints: every tool's control changes the pixels (compared with a
direct render of the same input), requests coalesce and the last one wins, exports decode back, latent
files round-trip and another model's are refused, undo/redo restores the picture."""

import json

import numpy as np
import pytest
from PIL import Image

from trainers.checkpoints import export_generator
from trainers.generator import load_generator
from trainers.images import to_uint8_grid
from trainers.loop import train

from .conftest import tiny_config

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


def pixels(qimage) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = qimage.convertToFormat(QImage.Format.Format_RGB888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


def _run(tmp_path_factory, model, **kw):
    folder = tmp_path_factory.mktemp(model)
    list(train(tiny_config(folder, model=model, steps=6, checkpoint_every=3, **kw)))
    return folder / "run"


@pytest.fixture(scope="module")
def cgan_run(tmp_path_factory):
    # the paper's MLPs: after 6 steps they already draw varied images, where the default conv nets still draw
    # one grey blur that no inversion can get closer to
    return _run(tmp_path_factory, "cgan", arch="mlp")


@pytest.fixture(scope="module")
def info_run(tmp_path_factory):
    return _run(tmp_path_factory, "infogan", z_dim=8)



def settle(qtbot, ex, timeout=20_000):
    """Wait until the render thread is idle and everything asked for has arrived."""
    qtbot.waitUntil(lambda: ex.ctx is not None and ex.ctx.checkpoint == ex.source.currentData(), timeout=timeout)
    qtbot.waitUntil(lambda: ex.settled and ex.ctx.checkpoint == ex.source.currentData() and "main" in ex.images,
                    timeout=timeout)
    return ex.images["main"]


def open_run(qtbot, ex, run, which="last"):
    ex.set_run(str(run))
    ex.open_checkpoint(str(run / "checkpoints" / f"{which}.safetensors"))
    return settle(qtbot, ex)


def direct(path, inputs, cols=1, pad=0):
    gen = load_generator(path)
    return to_uint8_grid(gen.render_inputs(np.atleast_2d(inputs)), cols, padding=pad)


def test_latent_tool_seed_sliders_truncation_and_directions_change_the_pixels(qtbot, explorer_panel, cgan_run):
    ex = explorer_panel
    first = open_run(qtbot, ex, cgan_run)
    ckpt = ex.ctx.checkpoint
    assert np.array_equal(first, direct(ckpt, ex.state.vector(ex.ctx.space)))
    lt = ex.latent_tool
    lt.seed.setValue(5)
    after_seed = settle(qtbot, ex)
    assert not np.array_equal(after_seed, first) and ex.state.seed == 5
    gen = load_generator(ckpt)
    assert np.allclose(ex.state.base_z, gen.latent(1, seed=5)["z"][0].numpy())  # the CLI's seed, exactly
    lt.sliders[0].setValue(2.5)
    after_z = settle(qtbot, ex)
    assert ex.state.base_z[0] == pytest.approx(2.5) and not np.array_equal(after_z, after_seed)
    lt.trunc.setValue(0.0)
    zero = settle(qtbot, ex)
    vec = ex.state.vector(ex.ctx.space)
    assert np.all(vec[: ex.ctx.space.z_dim] == 0)
    assert np.array_equal(zero, direct(ckpt, vec))
    lt.trunc.setValue(1.0)
    settle(qtbot, ex)
    lt.mode_pc.setChecked(True)
    before = settle(qtbot, ex)
    assert lt.slider_names[0].text() == "PC1"
    lt.sliders[0].setValue(3.0)
    moved = settle(qtbot, ex)
    assert ex.state.offsets[0] == pytest.approx(3.0) and not np.array_equal(moved, before)
    grid = ex.images["directions"]  # one row per slider (8 directions) × 7 offsets
    assert grid.shape[:2] == (8 * 30 + 2, 7 * 30 + 2) and len(lt.grid.row_labels) == 8


def test_latent_sliders_follow_the_seed_randomize_reset_and_undo(qtbot, explorer_panel, cgan_run):
    """The z sliders show the current z after every edit that replaces it, and the note says what the grid
    sweeps (one row per slider)."""
    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    lt = ex.latent_tool

    def shown():
        return [round(s.value(), 2) for s in lt.sliders]

    def want():
        return [round(float(np.clip(v, -3, 3)), 2) for v in ex.state.base_z[:8]]

    assert shown() == want()
    lt.seed.setValue(12)  # typed
    assert ex.state.seed == 12 and shown() == want()
    lt.randomize()
    assert ex.state.seed != 12 and shown() == want()
    lt.sliders[2].setValue(2.75)
    lt.trunc.setValue(0.5)
    lt.reset.click()
    assert ex.state.base_z[2] != pytest.approx(2.75) and shown() == want() and lt.trunc.value() == 1.0
    ex.undo()
    assert ex.state.truncation == 0.5 and shown() == want() and lt.trunc.value() == 0.5
    zd = ex.ctx.space.z_dim
    assert lt.note.text().startswith(f"The first 8 of z's {zd} values; the grid sweeps each")
    settle(qtbot, ex)
    assert lt.grid.row_labels == [f"z[{i}]" for i in range(8)]


def test_cgan_tool_class_buttons_blend_and_all_classes_grid(qtbot, explorer_panel, cgan_run):
    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    assert ex.set_tool("cgan")
    tool = ex.tool("cgan")
    assert [b.text() for b in tool.buttons.buttons()] == [str(k) for k in range(10)]
    tool.buttons.button(7).click()
    seven = settle(qtbot, ex)
    assert ex.state.label == 7
    sp = ex.ctx.space
    z = ex.state.z()
    assert np.array_equal(seven, direct(ex.ctx.checkpoint, sp.vector(z, 7)))
    tool.blend_on.setChecked(True)
    tool.blend_to.setCurrentIndex(2)
    tool.blend.setValue(1.0)
    blended = settle(qtbot, ex)
    assert ex.state.label_b == 2 and np.array_equal(blended, direct(ex.ctx.checkpoint, sp.vector(z, 2)))
    tool.blend.setValue(0.5)
    half = settle(qtbot, ex)
    assert not np.array_equal(half, blended) and not np.array_equal(half, seven)
    grid = ex.images["classes"]  # rows of z × 10 classes
    assert grid.shape[1] == 10 * 30 + 2 and grid.shape[0] == tool.rows.value() * 30 + 2
    assert not ex.tabbar.isTabEnabled([t.name for t in ex.tools].index("infogan"))  # no codes in a cGAN


def outside_column(tool) -> list[str]:
    """The tool's visible controls whose right edge the controls column cuts off."""
    from PySide6.QtWidgets import QScrollArea, QWidget

    scroll = tool.parentWidget()
    while not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    room = scroll.viewport().width()
    return [f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}" for w in tool.findChildren(QWidget)
            if w.isVisible() and w.mapTo(scroll.viewport(), w.rect().topRight()).x() >= room]


def test_class_and_code_controls_fit_their_column(qtbot, explorer_panel, cgan_run, info_run):
    ex = explorer_panel
    ex.resize(1280 - 250, 800)  # the explorer in the default window, beside the runs list
    open_run(qtbot, ex, cgan_run)
    assert ex.set_tool("cgan")
    tool = ex.tool("cgan")
    laid_out = lambda b: b.isVisible() and b.x() > 0  # noqa: E731  (after the layout pass, not before)
    qtbot.waitUntil(lambda: laid_out(tool.buttons.button(9)))
    assert outside_column(tool) == [] and tool.minimumSizeHint().width() <= ex.controls.width()
    grid = tool.buttons.button(0).parentWidget().layout()
    rows = [grid.getItemPosition(grid.indexOf(tool.buttons.button(k)))[0] for k in range(10)]
    assert rows == [0] * 5 + [1] * 5  # five to a row
    ex.set_run(str(info_run))
    open_run(qtbot, ex, info_run)
    assert ex.set_tool("infogan")
    info = ex.tool("infogan")
    qtbot.waitUntil(lambda: laid_out(info.groups[0].button(9)))
    assert outside_column(info) == [] and info.minimumSizeHint().width() <= ex.controls.width()


def test_tools_that_do_not_apply_are_off_and_say_why(qtbot, explorer_panel, cgan_run, info_run):
    ex = explorer_panel
    open_run(qtbot, ex, info_run)
    names = [t.name for t in ex.tools]
    cgan = names.index("cgan")
    assert not ex.tabbar.isTabEnabled(cgan) and ex.tabbar.isTabEnabled(names.index("infogan"))
    assert "not conditional" in ex.tabbar.tabToolTip(cgan) and "not conditional" in ex.off_reason("cgan")
    assert not ex.set_tool("cgan")  # Alt+3: nothing silent, the message line says why
    assert ex.current_tool.name == "latent" and "cGAN classes is off: this model is not conditional" in \
        ex.message.text()
    open_run(qtbot, ex, cgan_run)
    assert not ex.set_tool("infogan") and "no InfoGAN codes" in ex.message.text()
    assert ex.off_reason("cgan") == "" and ex.set_tool("cgan")


def test_descriptions_and_captions_wrap_instead_of_being_cut(qtbot, explorer_panel, cgan_run):
    from ganstudio.explorer.canvases import SampleCanvas

    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    assert ex.about.wordWrap() and ex.about.text() == ex.ctx.about()
    assert ex.sample_caption.wordWrap() and ex.sample_caption.text() == ex.model.caption()
    assert all(t.caption.wordWrap() for t in ex.tools if hasattr(t, "caption"))
    assert isinstance(ex.canvas, SampleCanvas)


def test_the_current_sample_is_large_and_grows_with_the_window(qtbot, explorer_panel, cgan_run):
    ex = explorer_panel
    ex.resize(1280 - 250, 760)
    open_run(qtbot, ex, cgan_run)
    qtbot.waitUntil(lambda: ex.canvas.target() is not None)
    _, _, scale = ex.canvas.target()
    assert scale == int(scale) and 28 * scale >= 252  # whole-number zoom: crisp pixels, at least 9×
    ex.resize(1800, 1100)
    qtbot.waitUntil(lambda: ex.canvas.target()[2] > scale)


def test_infogan_tool_codes_and_traversal_grid(qtbot, explorer_panel, info_run):
    ex = explorer_panel
    open_run(qtbot, ex, info_run)
    assert ex.set_tool("infogan")
    tool = ex.tool("infogan")
    assert len(tool.groups) == 1 and len(tool.cont) == 2
    base = settle(qtbot, ex)
    tool.groups[0].button(4).click()
    cat4 = settle(qtbot, ex)
    assert ex.state.cat == (4,) and not np.array_equal(cat4, base)
    tool.cont[1].setValue(-2.0)  # beyond the training range
    c2 = settle(qtbot, ex)
    assert ex.state.cont[1] == pytest.approx(-2.0) and not np.array_equal(c2, cat4)
    assert np.array_equal(c2, direct(ex.ctx.checkpoint, ex.state.vector(ex.ctx.space)))
    grid = ex.images["traversal"]  # rows: the 10 categories, columns: fixed noise
    assert grid.shape[:2] == (10 * 30 + 2, tool.columns.value() * 30 + 2)
    tool.sweep.setCurrentIndex(1)  # c1 from −2 to 2
    qtbot.waitUntil(lambda: ex.images["traversal"].shape[0] == 9 * 30 + 2, timeout=20_000)
    assert tool.grid.row_labels[0] == "-2.0" and tool.grid.row_labels[-1] == "2.0"


def test_requests_coalesce_and_the_last_value_is_shown(qtbot, explorer_panel, cgan_run):
    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    thread = ex._thread
    before = thread.renders
    slider = ex.latent_tool.sliders[1]
    for i in range(100):  # a fast drag: 100 events
        slider.setValue(-2.0 + i * 0.04)
    final = settle(qtbot, ex)
    assert thread.renders - before < 50
    assert ex.state.base_z[1] == pytest.approx(-2.0 + 99 * 0.04, abs=1e-3)
    assert np.array_equal(final, direct(ex.ctx.checkpoint, ex.state.vector(ex.ctx.space)))
    n = thread.renders
    ex.render()  # the same request again: nothing is drawn
    qtbot.wait(150)
    assert thread.renders == n


def test_undo_redo_restores_state_and_pixels(qtbot, explorer_panel, cgan_run):
    ex = explorer_panel
    first = open_run(qtbot, ex, cgan_run)
    s0 = ex.state
    ex.latent_tool.seed.setValue(11)
    seeded = settle(qtbot, ex)
    s1 = ex.state
    for v in (0.5, 1.0, 1.5, 2.0):  # one drag: one undo step
        ex.latent_tool.sliders[0].setValue(v)
    ex.latent_tool.sliders[0].sliderReleased.emit()
    settle(qtbot, ex)
    ex.undo()
    assert ex.state == s1 and np.array_equal(settle(qtbot, ex), seeded)
    ex.undo()
    assert ex.state == s0 and np.array_equal(settle(qtbot, ex), first)
    assert ex.latent_tool.seed.value() == s0.seed and not ex.history.can_undo
    ex.redo()
    assert ex.state == s1 and ex.latent_tool.seed.value() == 11
    assert np.array_equal(settle(qtbot, ex), seeded)


def test_arithmetic_groups_and_result(qtbot, explorer_panel, cgan_run):
    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    assert ex.set_tool("arithmetic")
    tool = ex.tool("arithmetic")
    settle(qtbot, ex)
    pool = tool.pool_z()
    for g, cells in enumerate(((0, 1, 2), (3, 4, 5), (6, 7, 8))):
        tool.groups.setCurrentRow(g)
        for c in cells:
            tool.toggle_pool_sample(c)
    assert [len(m) for _, m in ex.state.groups] == [3, 3, 3]
    assert set(tool.pool.marks) == set(range(9))
    settle(qtbot, ex)
    assert ex.images["equation"].shape[1] == 4 * 30 + 2 and ex.images["neighbours"].shape[1] == 3 * 30 + 2
    want = pool[0:3].mean(0) - pool[3:6].mean(0) + pool[6:9].mean(0)
    sp = ex.ctx.space
    plain = sp.vector(ex.state.z(), ex.state.label)
    assert len(tool.equation.cells) == 4 and tool.equation.names == ["A (3)", "B (3)", "C (3)", "result"]
    assert np.array_equal(pixels(tool.equation.cells[3]), direct(ex.ctx.checkpoint, sp.with_z(plain, want)))

    # a class blend set in the cGAN tool stays there: the pool and the result are plain samples of the class
    ex.set_tool("cgan")
    ex.tool("cgan").blend_on.setChecked(True)
    ex.tool("cgan").blend.setValue(0.5)
    assert ex.state.label_b is not None
    ex.set_tool("arithmetic")
    settle(qtbot, ex)
    plain_pool = np.stack([sp.with_z(plain, z) for z in pool])
    assert np.array_equal(ex.images["pool"], direct(ex.ctx.checkpoint, plain_pool, cols=6, pad=2))
    tool.use.click()
    assert ex.state.label_b is None and ex.state.blend == 0.0  # the current sample becomes the result shown
    result = settle(qtbot, ex)
    assert np.allclose(ex.state.z(), want, atol=1e-5)
    assert np.array_equal(result, direct(ex.ctx.checkpoint, ex.state.vector(ex.ctx.space)))
    tool.groups.setCurrentRow(0)
    tool.toggle_pool_sample(0)  # a second click takes it out again
    assert len(ex.state.group("A")) == 2


def test_interpolation_frames_and_gif_mp4_exports(qtbot, explorer_panel, cgan_run, tmp_path):
    from ganstudio.export import mp4_unavailable
    from ganstudio.explorer import export as xp

    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    assert ex.set_tool("interpolate")
    tool = ex.interpolate_tool
    tool.add_current()
    ex.latent_tool.seed.setValue(3)
    tool.add_current()
    tool.per.setValue(10)
    qtbot.waitUntil(lambda: tool.frames is not None and len(tool.frames) == 11, timeout=20_000)
    k0, k1 = (np.asarray(k) for k in ex.state.keyframes)
    first = direct(ex.ctx.checkpoint, k0)
    assert np.array_equal(tool.frames[0], first) and np.array_equal(tool.frames[-1], direct(ex.ctx.checkpoint, k1))
    tool.scrub.setValue(5)
    assert tool.frame_label.text() == "6 / 11"
    settle(qtbot, ex)
    assert tool.thumbnail(0) is not None and tool.thumbnail(1) is not None  # each keyframe shows its image
    assert ex.images["keyframes"].shape[1] == 2 * 30 + 2
    assert ex.grid_image().shape[1] > 2 * 30 + 2  # Save grid still saves the path's strip, not the thumbnails
    n = xp.export_animation(ex, tmp_path / "path.gif", "gif", scale=3, fps=10)
    with Image.open(tmp_path / "path.gif") as im:
        assert (n, im.n_frames, im.size) == (11, 11, (84, 84))
    if mp4_unavailable():
        pytest.skip(mp4_unavailable())
    import imageio_ffmpeg

    assert xp.export_animation(ex, tmp_path / "path.mp4", "mp4", scale=4, fps=10) == 11
    reader = imageio_ffmpeg.read_frames(str(tmp_path / "path.mp4"))
    meta = next(reader)
    assert tuple(meta["size"]) == (112, 112) and sum(1 for _ in reader) == 11


def test_checkpoint_tool_renders_the_latent_on_every_checkpoint(qtbot, explorer_panel, cgan_run):
    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    assert ex.set_tool("checkpoints")
    tool = ex.checkpoints_tool
    assert [s for s, _ in tool.items] == [3, 6]
    settle(qtbot, ex)
    strip = ex.images["strip"]
    assert strip.shape[1] == 2 * 30 + 2 and tool.grid.cell_labels == ["3", "6"]  # each thumbnail says its step
    tool.slider.setValue(0)
    qtbot.waitUntil(lambda: ex.ctx is not None and ex.ctx.info["step"] == 3, timeout=20_000)
    on3 = settle(qtbot, ex)
    assert np.array_equal(on3, direct(ex.ctx.checkpoint, ex.state.vector(ex.ctx.space)))
    assert "step_0000003" in ex.source.currentData()


def test_png_exports_latent_round_trip_and_refusals(qtbot, explorer_panel, cgan_run, info_run, tmp_path):
    from PySide6.QtGui import QGuiApplication

    from ganstudio.explorer import export as xp

    ex = explorer_panel
    shown = open_run(qtbot, ex, cgan_run)
    out = xp.save_image(ex, tmp_path / "s.png", scale=8)
    with Image.open(out) as im:
        big = np.asarray(im.convert("RGB"))
    assert big.shape == (224, 224, 3) and np.array_equal(big[::8, ::8], shown)
    grid = xp.save_image(ex, tmp_path / "g.png", scale=2, what="grid")
    with Image.open(grid) as im:
        assert im.size == (2 * (7 * 30 + 2), 2 * (8 * 30 + 2))
    assert xp.save_image(ex, tmp_path / "missing" / "s.png") is None
    assert "does not exist" in ex.message.text()
    assert xp.copy_image(ex, scale=4)
    assert QGuiApplication.clipboard().image().width() == 112

    ex.latent_tool.seed.setValue(42)
    ex.tool("cgan").buttons.button(3).click()
    ex.latent_tool.trunc.setValue(0.7)
    want = settle(qtbot, ex)
    saved_state = ex.state
    path = xp.save_latent(ex, tmp_path / "z.latent.json")
    doc = json.loads(path.read_text())
    assert doc["model"]["hash"] == ex.ctx.info["hash"] and doc["seed"] == 42 and doc["label"] == 3
    assert doc["truncation"] == pytest.approx(0.7) and len(doc["z"]) == ex.ctx.space.z_dim
    ex.latent_tool.seed.setValue(1)
    settle(qtbot, ex)
    assert xp.load_latent(ex, path)
    assert ex.state == saved_state and np.array_equal(settle(qtbot, ex), want)
    ex.undo()  # loading is one undo step
    assert ex.state.seed == 1

    # another checkpoint of the same run: accepted, with a note
    ex.open_checkpoint(str(cgan_run / "checkpoints" / "step_0000003.safetensors"))
    settle(qtbot, ex)
    assert xp.load_latent(ex, path) and "saved on step 6" in ex.message.text()
    # another model: refused, nothing changes
    ex.set_run(str(info_run))
    ex.open_checkpoint(str(info_run / "checkpoints" / "last.safetensors"))
    settle(qtbot, ex)
    before = ex.state
    assert not xp.load_latent(ex, path)
    assert "another model" in ex.message.text() and ex.state == before
    (tmp_path / "junk.json").write_text("not json")
    assert not xp.load_latent(ex, tmp_path / "junk.json") and "not a latent file" in ex.message.text()
    # a damaged file of the right model: refused in the message line, the state and the picture kept
    ex.set_run(str(cgan_run))
    shown = open_run(qtbot, ex, cgan_run)
    before = ex.state
    for damage in ({"seed": 1e30}, {"label": 99}, {"base_z": [float("nan")] * ex.ctx.space.z_dim}):
        (tmp_path / "bad.json").write_text(json.dumps({**doc, **damage}))
        assert not xp.load_latent(ex, tmp_path / "bad.json")
        assert ex.message.objectName() == "error" and "bad.json" in ex.message.text() and ex.state == before
    ex.latent_tool.sliders[0].setValue(1.0)  # the explorer goes on rendering
    assert not np.array_equal(settle(qtbot, ex), shown)


def test_bundled_models_open_when_no_run_is_selected(qtbot, fresh_settings, tmp_path, monkeypatch, cgan_run):
    from ganstudio.explorer.panel import ExplorerPanel

    models = tmp_path / "models"
    export_generator(cgan_run / "checkpoints" / "last.safetensors",
                     models / "cgan-digits" / "checkpoints" / "last.safetensors")
    (models / "cgan-digits" / "model.json").write_text(json.dumps({"title": "cGAN · digits"}))
    monkeypatch.setenv("GANSTUDIO_MODELS", str(models))
    ex = ExplorerPanel()
    qtbot.addWidget(ex)
    ex.show()
    try:
        ex.set_run(None)
        assert ex.source.itemText(0) == "cGAN · digits (bundled)"
        settle(qtbot, ex)
        assert ex.ctx.info["generator_only"] and ex.tabbar.isTabEnabled(2)
        assert "cgan" in ex.about.text().lower() or "conditional" in ex.about.text().lower()
    finally:
        ex.shutdown()


def test_a_corrupt_checkpoint_is_a_message_not_a_crash(qtbot, explorer_panel, cgan_run, tmp_path):
    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 64)
    ex.open_checkpoint(str(bad))
    qtbot.waitUntil(lambda: "bad.safetensors" in ex.message.text(), timeout=20_000)
    assert ex.message.objectName() == "error"


def test_window_explorer_follows_the_selected_run(window, qtbot, cgan_run):
    window.open_run(str(cgan_run))
    window.tabs.setCurrentWidget(window.explorer)
    ex = window.explorer
    qtbot.waitUntil(lambda: "main" in ex.images, timeout=30_000)
    names = [ex.source.itemText(i) for i in range(ex.source.count())]
    assert names[0].endswith("best") and names[1].endswith("last") and ex.source.currentText().endswith("last")
    assert "step 6" in ex.about.text()


def test_switching_to_a_model_without_the_current_tool_falls_back_to_latent(qtbot, explorer_panel, cgan_run, info_run):
    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    assert ex.set_tool("cgan")
    settle(qtbot, ex)
    ex.set_run(str(info_run))  # a z of 8 and no classes: every tool must learn the new layout first
    shown = settle(qtbot, ex)
    assert ex.current_tool.name == "latent" and ex.views.currentIndex() == 0
    assert len(ex.state.base_z) == 8 and np.array_equal(shown, direct(ex.ctx.checkpoint, ex.state.vector(ex.ctx.space)))


def test_the_old_models_pictures_are_covered_while_the_next_one_loads(qtbot, explorer_panel, cgan_run, info_run):
    """Issue 38 item 8: switching models left the previous model's grids on screen with no mark."""
    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    settle(qtbot, ex)
    ex.set_run(str(info_run))
    cover = ex._stale
    assert cover.isVisible() and cover.text().startswith(f"Loading {info_run.name}")
    assert cover.geometry() == ex.views.rect()
    settle(qtbot, ex)
    qtbot.waitUntil(lambda: not cover.isVisible(), timeout=10_000)
    assert ex.ctx.checkpoint.startswith(str(info_run))


def test_inverting_an_image_makes_its_latent_the_current_sample(qtbot, explorer_panel, cgan_run, tmp_path):
    """Invert: the latent found for a PNG becomes the current sample as one undo step, and the message gives
    the reconstruction error; a junk file gets a message and changes nothing."""
    from PIL import Image

    from ganstudio.explorer import invert as inv

    ex = explorer_panel
    open_run(qtbot, ex, cgan_run)
    gen = load_generator(ex.ctx.checkpoint)
    target = gen.render(gen.latent(1, seed=9, label=6))
    png = tmp_path / "six.png"
    Image.fromarray(to_uint8_grid(target, 1, padding=0)[:, :, 0]).save(png)
    before = ex.state
    thread = inv.start_inversion(ex, image=str(png), steps=80, show_progress=False)
    with qtbot.waitSignal(thread.sig_result, timeout=60_000) as done:
        pass
    result = done.args[0]
    # (a 6-step model: whether it finds class 6 again is tests/test_invert.py's business, on a trained one)
    assert ex.state.label == result["label"] and ex.state.base_z == tuple(float(v) for v in result["z"])
    assert result["mse"] < result["start_mse"]
    assert "Inverted six.png: reconstruction error" in ex.message.text()
    ex.undo()
    assert ex.state == before
    thread.wait()
    # a junk file: a message, no state change, the explorer stays usable
    junk = tmp_path / "junk.png"
    junk.write_text("no image here")
    thread = inv.start_inversion(ex, image=str(junk), steps=10, show_progress=False)
    with qtbot.waitSignal(thread.sig_failed, timeout=30_000):
        pass
    assert "not a readable image" in ex.message.text() and ex.state == before
    thread.wait()


def test_infogan_code_buttons_say_which_digit_each_value_draws():
    """The bundled InfoGAN carries its evaluation: each categorical value is labelled with its matched class."""
    from types import SimpleNamespace

    from ganstudio.bundled import models_dir
    from ganstudio.explorer.tools.infogan import matched_classes
    from trainers.checkpoints import read_meta

    ckpt = models_dir() / "infogan-digits" / "checkpoints" / "last.safetensors"
    step = read_meta(ckpt)[1]["step"]
    matched = matched_classes(SimpleNamespace(checkpoint=str(ckpt), info={"step": step}))
    assert sorted(matched["cat"]) == [str(d) for d in range(10)]  # a permutation of the ten digits
    assert matched_classes(SimpleNamespace(checkpoint=str(ckpt), info={"step": step + 1})) == {}
