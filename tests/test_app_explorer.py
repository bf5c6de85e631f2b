"""The explorer tab against a tiny trained checkpoint: controls change the pixels, requests coalesce and the
last one wins, bad checkpoints give a message."""

import numpy as np
import pytest

from trainers.loop import train

from .conftest import tiny_config

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


def pixels(qimage) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = qimage.convertToFormat(QImage.Format.Format_RGB888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy()


@pytest.fixture
def cgan_run(tmp_path):
    cfg = tiny_config(tmp_path, model="cgan", steps=6, checkpoint_every=3)
    list(train(cfg))
    return tmp_path / "run"


def open_explorer(window, qtbot, run):
    window.open_run(str(run))
    ex = window.explorer
    window.tabs.setCurrentWidget(ex)
    qtbot.waitUntil(lambda: ex.current_image() is not None, timeout=30_000)
    return ex


def wait_new_image(qtbot, ex, before):
    qtbot.waitUntil(lambda: ex.current_image() is not None and not np.array_equal(pixels(ex.current_image()), before),
                    timeout=20_000)
    return pixels(ex.current_image())


def test_explorer_lists_checkpoints_and_every_control_changes_the_image(window, qtbot, cgan_run):
    ex = open_explorer(window, qtbot, cgan_run)
    names = [ex.checkpoint.itemText(i) for i in range(ex.checkpoint.count())]
    assert names[:2] == ["best", "last"] and "step_0000003" in names
    assert ex.label.isVisible() and ex.label.count() == 11 and "step 6" in ex.about.text()
    first = pixels(ex.current_image())
    assert first.shape[0] > 8 * 28  # an 8×8 grid of 28 px digits
    ex.seed.setValue(7)
    after_seed = wait_new_image(qtbot, ex, first)
    ex.label.setCurrentIndex(3)
    after_label = wait_new_image(qtbot, ex, after_seed)
    ex.checkpoint.setCurrentIndex(ex.checkpoint.findText("step_0000003"))
    wait_new_image(qtbot, ex, after_label)
    assert "step 3" in ex.about.text()


def test_requests_coalesce_and_the_last_one_is_shown(window, qtbot, cgan_run):
    ex = open_explorer(window, qtbot, cgan_run)
    thread = ex._thread
    before = thread.renders
    for seed in range(1, 101):  # a fast drag: 100 changes
        ex.seed.setValue(seed)
        ex.render()
    qtbot.waitUntil(lambda: ex._latest_id and thread._pending is None, timeout=20_000)
    qtbot.waitUntil(lambda: "step" in ex.about.text() and thread._last is not None and thread._last.seed == 100,
                    timeout=20_000)
    qtbot.wait(100)
    assert thread.renders - before < 30
    from trainers.generator import load_generator
    from trainers.images import to_uint8_grid

    gen = load_generator(cgan_run / "checkpoints" / "best.safetensors")
    want = to_uint8_grid(gen.render(gen.latent(64, seed=100)), 8)  # class: random, as preselected
    assert np.array_equal(pixels(ex.current_image()), want)
    ex.render()  # the same request again: skipped
    qtbot.wait(200)
    assert thread._last.seed == 100


def test_a_corrupt_checkpoint_is_a_message_not_a_crash(window, qtbot, cgan_run):
    bad = cgan_run / "checkpoints" / "step_0000003.safetensors"
    bad.write_bytes(b"\x00" * 64)
    ex = open_explorer(window, qtbot, cgan_run)
    ex.checkpoint.setCurrentIndex(ex.checkpoint.findText("step_0000003"))
    qtbot.waitUntil(lambda: bool(ex.error.text()), timeout=20_000)
    assert "step_0000003" in ex.error.text()
