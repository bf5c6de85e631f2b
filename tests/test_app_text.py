"""The explorer's Text tool (TediGAN) against a tiny StyleGAN of the digits and a tiny text model: on for a StyleGAN
of digits only; without a text model it trains one from its button (progress, cancel) and uses it at once; a prompt
draws n digits, pixel for pixel what ``td.generate`` draws; an unknown word is a red line that keeps the last
digits; an edit starts from the Styles tool's current sample (or the explorer's seed); Open in Styles hands the
styles over; the grid and the edit's path export as PNG; the shortcuts, the settings kept, and a thread that only
works on the latest request."""

import shutil

import numpy as np
import pytest
import torch
from PIL import Image
from PySide6.QtCore import Qt

from trainers.data import load_dataset
from trainers.generator import load_generator
from trainers.loop import train
from trainers.text import captions as cap
from trainers.text import tedigan as td

from .conftest import open_ckpt, tiny_config
from .test_app_attention import _run
from .test_app_explorer import outside_column

pytestmark = pytest.mark.usefixtures("no_thread_leaks")

PROMPT = "a thick slanted seven"
TINY = {"clip": 3, "inverter": 3, "mapper": 3}


@pytest.fixture(scope="module")
def bare_run(tmp_path_factory):
    """A tiny StyleGAN of the digits (16 px) with no text model."""
    folder = tmp_path_factory.mktemp("stylegan-text")
    list(train(tiny_config(folder, model="stylegan", image_size=16, width=4, z_dim=8, batch_size=8, steps=4,
                           data_limit=256, checkpoint_every=4, sample_every=4)))
    return folder / "run"


@pytest.fixture(scope="module")
def sg_ckpt(bare_run, tmp_path_factory):
    """A copy of that run with a tiny text model beside its checkpoint (the bare run keeps none)."""
    run = tmp_path_factory.mktemp("with-text") / "run"
    shutil.copytree(bare_run, run)
    path = run / "checkpoints" / "last.safetensors"
    gen = load_generator(path)
    model = td.train_text_model(gen, load_dataset("digits", limit=500, image_size=16), steps=TINY)
    assert td.store_text_model(model, gen) == td.text_model_path(path)
    return path


@pytest.fixture(scope="module")
def text_model(sg_ckpt):
    return td.load_text_model(td.text_model_path(sg_ckpt), load_generator(sg_ckpt))


def pixels(t: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) in [-1, 1] → (N, H, W, 3) uint8, as ``trainers.images.to_uint8_grid`` rounds each image."""
    from trainers.images import to_uint8_grid

    return np.stack([to_uint8_grid(t[i:i + 1], 1, padding=0) for i in range(len(t))])


def settle(qtbot, ex, tool, prompt=None, mode=None):
    def done():
        r = tool.result
        return (ex.settled and tool.settled and r is not None and (prompt is None or r.prompt == prompt)
                and (mode is None or r.mode == mode))

    qtbot.waitUntil(done, timeout=30_000)


def open_tool(qtbot, ex, path, n=3, seed=5, steps=4):
    open_ckpt(qtbot, ex, path)
    assert ex.set_tool("text")
    tool = ex.text_tool
    tool.controls.n.setValue(n)
    tool.controls.seed.setValue(seed)
    tool.controls.steps.setValue(steps)
    tool.generate_now()
    return tool


def current_z(ex) -> torch.Tensor:
    return torch.from_numpy(ex.ctx.space.z_of(ex.state.vector(ex.ctx.space, ex.ctx.directions)))[None]


def test_text_is_on_for_a_stylegan_of_digits_only(qtbot, explorer_panel, sg_ckpt, tmp_path_factory):
    from dataclasses import replace

    ex = explorer_panel
    ex.resize(1280 - 250, 800)  # the explorer in the default window, beside the runs list
    open_ckpt(qtbot, ex, sg_ckpt)
    names = [t.name for t in ex.tools]
    assert ex.off_reason("text") == "" and ex.tabbar.isTabEnabled(names.index("text"))
    assert ex.tabbar.sizeHint().width() <= ex.tabbar.width()  # all thirteen tabs show, no scroll arrows
    assert ex.tabbar.tabToolTip(names.index("text")) == "Text (Alt+T)"
    tool = ex.text_tool
    other = replace(ex.ctx, info={**ex.ctx.info, "dataset": "mnist"})
    assert "trained on mnist" in tool.unavailable(other) and "StyleGAN of digits" in tool.unavailable(other)
    open_ckpt(qtbot, ex, _run(tmp_path_factory, "dcgan"))
    assert not ex.tabbar.isTabEnabled(names.index("text")) and "no styles" in ex.off_reason("text")
    assert not ex.set_tool("text") and "Text is off" in ex.message.text()


def test_training_from_the_button_stores_the_model_and_the_tool_draws(qtbot, explorer_panel, bare_run, monkeypatch):
    from ganstudio.workers.text import training_minutes

    monkeypatch.setattr(td, "STEPS", dict(TINY))
    ex = explorer_panel
    ex.resize(1280 - 250, 800)
    ckpt = bare_run / "checkpoints" / "last.safetensors"
    open_ckpt(qtbot, ex, ckpt)
    assert ex.set_tool("text")
    tool = ex.text_tool
    box = tool.train_box
    assert not tool.ready and box.isVisible() and not tool.controls.prompt.isEnabled()
    assert "no text model yet" in box.note.text()
    assert f"about {training_minutes()} minute" in box.note.text() and "laptop CPU" in box.note.text()
    parts = []
    box.progress.valueChanged.connect(lambda _v: parts.append(box.progress.format().split(":")[0]))
    qtbot.mouseClick(box.train_btn, Qt.MouseButton.LeftButton)
    assert tool.training and box.cancel_btn.isVisible()
    box.show_progress("inverter", 3, 1200)  # the longest line it shows while training
    qtbot.waitUntil(lambda: box.part.isVisible() and box.part.width() > 0)
    assert outside_column(tool) == []
    qtbot.waitUntil(lambda: tool.ready and not tool.training, timeout=60_000)
    path = td.text_model_path(ckpt)
    assert path.exists() and path.with_suffix(".json").exists() and tool.text_path == str(path)
    assert set(parts) == {"clip", "inverter", "mapper"} and parts[-1] == "mapper"
    assert "Trained the text model" in ex.message.text()
    settle(qtbot, ex, tool)  # used at once: it draws the prompt
    c = tool.controls
    assert not box.isVisible() and c.prompt.isEnabled() and tool.result.images.shape[0] == c.n.value()
    assert outside_column(tool) == [] and "beside the checkpoint" in c.about.text()
    path.unlink()
    path.with_suffix(".json").unlink()


def test_cancelling_the_training_writes_nothing(qtbot, explorer_panel, bare_run, monkeypatch):
    monkeypatch.setattr(td, "STEPS", {"clip": 5000, "inverter": 3, "mapper": 3})
    ex = explorer_panel
    ckpt = bare_run / "checkpoints" / "last.safetensors"
    open_ckpt(qtbot, ex, ckpt)
    assert ex.set_tool("text")
    tool = ex.text_tool
    assert tool.train()
    qtbot.waitUntil(lambda: tool.train_box.progress.value() >= 1, timeout=60_000)
    tool.train_box.cancel_btn.click()
    # the thread stops running before its queued ``finished`` reaches the box (which then re-enables Train)
    qtbot.waitUntil(lambda: not tool.training and tool.train_box.train_btn.isEnabled(), timeout=30_000)
    assert not td.text_model_path(ckpt).exists() and not tool.ready
    assert "cancelled" in ex.message.text()


def test_a_prompt_draws_n_digits_as_the_engine_does(qtbot, explorer_panel, sg_ckpt, text_model):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt, n=3, seed=5, steps=4)
    tool.controls.w_weight.setValue(0.05)
    tool.set_prompt(PROMPT)
    settle(qtbot, ex, tool, PROMPT)
    r = tool.result
    assert r.request.w_weight == 0.05 and r.request.keep_every == 1
    gen = load_generator(sg_ckpt)
    want = td.generate(text_model, gen, PROMPT, 3, 5, 4, w_weight=0.05, keep_every=1)
    assert r.images.shape == (3, 16, 16, 3) and np.array_equal(r.images, pixels(want.images))
    assert np.allclose(r.ws, want.ws.numpy(), atol=1e-6)
    said = cap.describe(cap.parse(PROMPT))
    assert said == "class 7 · width thick · slant right" and r.said == said
    before, after = np.mean(want.similarity[0]), np.mean(want.similarity[-1])
    assert f"read as: {said}" in tool.caption.text()
    assert f"similarity {before:.2f} → {after:.2f}" in tool.caption.text()
    grid = tool.board.grid.image()
    assert (grid.width(), grid.height()) == (3 * 18 + 2, 18 + 2)
    assert tool.board.grid.cell_labels == [f"{s:.2f}" for s in want.similarity[-1]]
    assert np.array_equal(ex.images["main"], r.images[0])  # the current sample: the chosen digit
    tool.pick(2)  # the current sample and the path strip follow the chosen digit
    assert np.array_equal(ex.images["main"], r.images[2]) and np.array_equal(tool.composed_picture()[2:18, 38:54],
                                                                            r.images[2])
    assert ex.sample_caption.text() == f"“{PROMPT}”: digit 3 of 3 · similarity {want.similarity[-1][2]:.2f}"
    assert tool.board.grid.marks == {2: "#4c9aff"} and tool.board.path.cell_labels[0] == "start"
    assert len(tool.board.path.cell_labels) == len(want.trajectory) == 5


def test_an_unknown_word_is_a_red_line_and_keeps_the_last_digits(qtbot, explorer_panel, sg_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt)
    tool.set_prompt("a bold 3")
    settle(qtbot, ex, tool, "a bold 3")
    shown, grid = tool.result, tool.board.grid.image()
    tool.set_prompt("a bold sevn")
    qtbot.waitUntil(lambda: bool(tool.error) and tool.settled, timeout=10_000)
    line = tool.controls.error_line
    assert "unknown word 'sevn'" in line.text() and line.isVisible()
    assert "use the words listed below" in line.text() and "thick" in line.toolTip()
    assert "e5534b" in line.styleSheet()
    assert tool.result is shown and tool.board.grid.image() is grid  # the last digits stay
    tool.set_prompt("   ")
    qtbot.waitUntil(lambda: "Type what to draw" in line.text(), timeout=10_000)
    assert tool.result is shown
    tool.set_prompt("a bold 8")
    settle(qtbot, ex, tool, "a bold 8")
    assert not tool.error and not line.isVisible() and tool.result.said.startswith("class 8")


def test_an_edit_starts_from_the_styles_tools_sample(qtbot, explorer_panel, sg_ckpt, text_model):
    ex = explorer_panel
    open_ckpt(qtbot, ex, sg_ckpt)
    assert ex.set_tool("styles")
    styles = ex.tool("styles")
    styles.change(psi=0.5, offset=(1.0, 0.0))
    qtbot.waitUntil(lambda: ex.settled and styles.settled and styles.ws is not None, timeout=20_000)
    ws = styles.ws.copy()
    body = td.style_body(load_generator(sg_ckpt))
    with torch.no_grad():
        assert not np.allclose(ws, body.ws(current_z(ex))[0].numpy())  # not the seed's own w
    assert ex.set_tool("text")
    tool = ex.text_tool
    tool.controls.steps.setValue(3)
    tool.set_mode("edit")
    settle(qtbot, ex, tool, mode="edit")
    r = tool.result
    with torch.no_grad():
        start = pixels(body.render(torch.from_numpy(ws)[None], "const"))
    assert np.array_equal(r.start, start) and np.array_equal(tool.board.start.pixels_shown, start[0])
    want = td.edit(text_model, load_generator(sg_ckpt), tool.controls.prompt.text(), torch.from_numpy(ws), steps=3,
                   image_weight=2.0, w_weight=0.02, keep_every=r.request.keep_every)
    assert np.array_equal(r.images, pixels(want.images)) and np.array_equal(tool.board.edited.pixels_shown,
                                                                            r.images[0])
    assert "the Styles tool's sample" in tool.board.start_note.text()
    ex.latent_tool.randomize()  # a new explorer seed: Styles' sample is another seed's, so the edit starts there
    qtbot.waitUntil(lambda: ex.settled and tool.settled and tool.result is not r, timeout=30_000)
    with torch.no_grad():
        start = pixels(body.render(body.ws(current_z(ex)), "const"))
    assert np.array_equal(tool.result.start, start) and f"seed {ex.state.seed}" in tool.board.start_note.text()


def test_open_in_styles_hands_the_chosen_styles_over(qtbot, explorer_panel, sg_ckpt):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt, n=3)
    settle(qtbot, ex, tool)
    tool.pick(1)
    r = tool.result
    qtbot.mouseClick(tool.board.open_btn, Qt.MouseButton.LeftButton)
    styles = ex.tool("styles")
    assert ex.current_tool is styles
    qtbot.waitUntil(lambda: ex.settled and styles.settled and styles.ws is not None, timeout=20_000)
    assert np.allclose(styles.ws, r.ws[1], atol=1e-5) and not np.allclose(styles.ws, r.ws[0], atol=1e-3)
    assert ex.sample_caption.text().startswith(f'text: "{r.prompt}" projected into W+')
    assert np.array_equal(styles.images["main"], r.images[1])  # the current sample is the chosen digit


def test_the_grid_and_the_edits_path_export_as_png(qtbot, explorer_panel, sg_ckpt, tmp_path):
    from ganstudio.explorer import export as xp

    ex = explorer_panel
    tool = open_tool(qtbot, ex, sg_ckpt, n=5, steps=6)
    settle(qtbot, ex, tool)
    out = np.asarray(Image.open(xp.save_image(ex, tmp_path / "grid.png", scale=1, what="grid")).convert("RGB"))
    assert out.shape == (2 * 18 + 2, 4 * 18 + 2, 3)  # five digits, four a row
    assert np.array_equal(out[2 + 18:2 + 18 + 16, 2:18], tool.result.images[4])
    tool.set_mode("edit")
    settle(qtbot, ex, tool, mode="edit")
    path = tool.result.trajectory
    assert [s for s, _ in path] == [0, 1, 2, 3, 4, 5, 6]
    big = xp.save_image(ex, tmp_path / "path.png", scale=3, what="grid")
    out = np.asarray(Image.open(big).convert("RGB"))
    assert out.shape == (3 * (16 + 4), 3 * (7 * 18 + 2), 3)
    assert np.array_equal(out[6:6 + 48:3, 6:6 + 48:3], tool.result.start[0])


def test_shortcuts_and_kept_settings(qtbot, explorer_panel, sg_ckpt):
    from ganstudio import settings
    from ganstudio.explorer.model import ExplorerModel
    from ganstudio.explorer.tools.text import TextTool

    ex = explorer_panel
    open_ckpt(qtbot, ex, sg_ckpt)
    ex.setFocus()
    qtbot.keyClick(ex, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    tool = ex.text_tool
    assert ex.current_tool is tool
    tool.controls.steps.setValue(2)
    tool.set_prompt("a small 4")
    settle(qtbot, ex, tool, "a small 4")
    sent = tool._latest_id
    c = tool.controls
    c.prompt.setFocus()
    qtbot.keyClick(c.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # again, the same request
    assert tool._latest_id == sent + 1
    qtbot.keyClicks(c.prompt, " tiny")  # typing: one drawing once the keys pause, not one a key
    settle(qtbot, ex, tool, "a small 4 tiny")
    assert tool._latest_id == sent + 2
    assert ex.set_tool("styles")
    qtbot.keyClick(ex, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # off while another tool shows
    assert tool._latest_id == sent + 2
    assert ex.set_tool("text")
    seed, explorer_seed = c.seed.value(), ex.state.seed
    ex.setFocus()
    qtbot.keyClick(ex, Qt.Key.Key_R)  # drawing: R is a new seed of the drawing, not the explorer's
    assert c.seed.value() != seed and ex.state.seed == explorer_seed
    qtbot.keyClick(ex, Qt.Key.Key_E)
    assert tool.mode == "edit" and c.image_weight.isVisible() and not c.n.isVisible()
    settle(qtbot, ex, tool, mode="edit")
    assert settings.get("explorer/text_prompt") == "a small 4 tiny" and settings.get("explorer/text_mode") == "edit"
    assert settings.get("explorer/text_steps", 0, int) == 2
    again = TextTool(ExplorerModel())  # the next session
    kept = again.controls
    assert kept.prompt.text() == "a small 4 tiny" and again.mode == "edit" and kept.steps.value() == 2
    again.shutdown()


def test_the_thread_works_on_the_latest_request_only(qtbot, sg_ckpt):
    from PySide6.QtCore import QCoreApplication

    from ganstudio.workers.render import file_stamp
    from ganstudio.workers.text import TextRequest, TextThread

    thread = TextThread()
    results = []
    thread.sig_result.connect(lambda rid, r: results.append((rid, r)))
    text = str(td.text_model_path(sg_ckpt))
    try:
        with thread._slot.cond:  # the thread cannot take a request until all five are in: it sees the last only
            ids = [thread.request(TextRequest(str(sg_ckpt), file_stamp(str(sg_ckpt)), text, file_stamp(text),
                                              f"a {k}", n=2, steps=2)) for k in range(5)]
        qtbot.waitUntil(lambda: bool(results), timeout=20_000)
        thread.stop()
        QCoreApplication.processEvents()
        assert thread.computed == 1 and [rid for rid, _ in results] == [ids[-1]]
        assert results[0][1].prompt == "a 4" and results[0][1].said == "class 4"
    finally:
        thread.stop()
