"""ProGAN in the app: the explorer's Resolution tool (on for progan only) shows one z through every toRGB output,
4, 8, 16 px, equal to ``body.outputs``; its α scrubber at 0 is the level below upsampled, at 1 the level itself, in
between ``body.at(z, level, α, fading=True)``, with a note and a marker at the α the checkpoint was trained at; the
training tab shows a progan run's resolution and α above the sample grid and draws them as stepped curves of their
own, not on the loss axis."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from trainers.generator import load_generator
from trainers.loop import train

from .conftest import app_config, open_ckpt, tiny_config

pytestmark = pytest.mark.usefixtures("no_thread_leaks")

PROGAN = dict(model="progan", image_size=16, width=4, z_dim=8, batch_size=8, phase_images=16, data_limit=256)


@pytest.fixture(scope="module")
def pg_run(tmp_path_factory):
    """10 steps of a 16 px ProGAN, two steps a phase: step 4 fades level 1 in (α 0.5), step 8 level 2 (α 0.5), the
    last (step 10) trains 16 px stable."""
    folder = tmp_path_factory.mktemp("progan")
    list(train(tiny_config(folder, steps=10, checkpoint_every=4, sample_every=4, **PROGAN)))
    return folder / "run" / "checkpoints"


def pixels(t: torch.Tensor) -> np.ndarray:
    from trainers.images import to_uint8_grid

    return to_uint8_grid(t[:1], 1, padding=0)


def open_tool(qtbot, ex, path):
    open_ckpt(qtbot, ex, path)
    assert ex.set_tool("resolution")
    tool = ex.tool("resolution")
    settle(qtbot, ex, tool)
    return tool


def settle(qtbot, ex, tool):
    qtbot.waitUntil(lambda: ex.settled and tool.settled and tool.result is not None, timeout=20_000)


def current_z(ex) -> torch.Tensor:
    return torch.from_numpy(ex.ctx.space.z_of(ex.state.vector(ex.ctx.space, ex.ctx.directions)))[None]


def test_resolution_is_on_for_progan_only(qtbot, explorer_panel, pg_run, tmp_path_factory):
    from .test_app_attention import _run

    ex = explorer_panel
    open_tool(qtbot, ex, pg_run / "last.safetensors")
    names = [t.name for t in ex.tools]
    assert ex.off_reason("resolution") == "" and ex.tabbar.tabToolTip(names.index("resolution")) == "Resolution (Alt+-)"
    assert "StyleGAN" in ex.off_reason("styles")
    open_ckpt(qtbot, ex, _run(tmp_path_factory, "dcgan"))
    assert ex.current_tool.name == "latent" and "ProGAN" in ex.off_reason("resolution")
    assert not ex.set_tool("resolution") and "Resolution is off" in ex.message.text()


def test_every_torgb_output_of_the_current_z(qtbot, explorer_panel, pg_run):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, pg_run / "last.safetensors")
    body = load_generator(pg_run / "last.safetensors").G.body
    with torch.no_grad():
        want = [pixels(o) for o in body.outputs(current_z(ex))]
    r = tool.result
    assert [o.shape[0] for o in r.outputs] == [4, 8, 16] and (r.trained_level, r.trained_alpha) == (2, 1.0)
    for k, w in enumerate(want):
        assert np.array_equal(r.outputs[k], w), k
        assert np.array_equal(tool.levels.canvases[k].pixels_shown, w)
        assert tool.levels.titles[k].text() == f"{4 * 2 ** k} px"
    assert not tool.levels.canvases[3].isVisible()  # a 16 px model has no 32 px level
    shown = {k: tool.levels.canvases[k].target()[2] * 4 * 2 ** k for k in range(3)}
    assert len(set(shown.values())) == 1  # every level drawn at one on-screen size, nearest blocks
    assert np.array_equal(ex.images["main"], want[2])  # the current sample: the trained level
    ex.latent_tool.randomize()  # another z: every level follows
    settle(qtbot, ex, tool)
    with torch.no_grad():
        assert np.array_equal(tool.result.outputs[1], pixels(body.outputs(current_z(ex))[1]))


def test_the_alpha_scrubber_blends_the_level_below_into_the_level(qtbot, explorer_panel, pg_run):
    ex = explorer_panel
    path = pg_run / "step_0000008.safetensors"  # fading level 2 in at α 0.5
    tool = open_tool(qtbot, ex, path)
    body = load_generator(path).G.body
    r = tool.result
    assert (r.trained_level, r.trained_alpha) == (2, 0.5) and (r.level, r.alpha) == (2, 0.5)
    assert "trained to level 2 (16 px) at α 0.50 (still fading in)" in tool.note.text()
    assert tool.slider.mark == 0.5 and tool.slider.value() == 50
    assert [tool.level_box.itemData(i) for i in range(tool.level_box.count())] == [1, 2]
    z = current_z(ex)
    with torch.no_grad():
        outs = body.outputs(z)
        low = pixels(F.interpolate(outs[1], scale_factor=2, mode="nearest"))
        assert np.array_equal(ex.images["main"], pixels(body.at(z, 2, 0.5, fading=True).clamp(-1, 1)))
    tool.set_alpha(0.0)
    settle(qtbot, ex, tool)
    assert np.array_equal(tool.result.blend, low) and np.array_equal(tool.result.low, low)
    assert np.array_equal(tool.fade.canvases["blend"].pixels_shown, low)
    tool.set_alpha(1.0)
    settle(qtbot, ex, tool)
    assert np.abs(tool.result.blend.astype(int) - pixels(outs[2]).astype(int)).max() <= 1  # the level itself
    np.testing.assert_allclose(tool.result.blend_raw, outs[2][0].numpy(), atol=1e-5)
    assert np.array_equal(tool.result.high, pixels(outs[2]))
    tool.slider.setValue(30)  # the slider drives the same α
    settle(qtbot, ex, tool)
    with torch.no_grad():
        mix = body.at(z, 2, 0.3, fading=True).clamp(-1, 1)
    np.testing.assert_allclose(tool.result.blend_raw, mix[0].numpy(), atol=1e-6)
    assert tool.alpha_label.text() == "α 0.30"
    tool.set_level(1)  # any grown level's fade: 4 → 8 px
    settle(qtbot, ex, tool)
    with torch.no_grad():
        want = pixels(body.at(z, 1, 0.3, fading=True).clamp(-1, 1))
    assert tool.result.level == 1 and tool.result.blend.shape[0] == 8 and np.array_equal(tool.result.blend, want)
    assert tool.fade_title.text() == "Fade-in of level 1: 4 px → 8 px"
    tool.trained_btn.click()
    assert tool.alpha == 0.5
    pic = tool.composed_picture()  # "Save grid": the levels, then the fade, at the full side
    assert pic.shape == (2 * 18 + 2, 3 * 18 + 2, 3)


def test_a_checkpoint_still_at_4_px_has_no_fade(qtbot, explorer_panel, tmp_path):
    list(train(tiny_config(tmp_path, steps=2, checkpoint_every=2, sample_every=2, **PROGAN)))
    ex = explorer_panel
    tool = open_tool(qtbot, ex, tmp_path / "run" / "checkpoints" / "last.safetensors")
    assert tool.result.trained_level == 0 and tool.result.blend is None and len(tool.result.outputs) == 1
    assert not tool.slider.isEnabled() and "none yet" in tool.fade_title.text()
    assert tool.levels.canvases[1].placeholder == "not grown yet"


def test_the_training_tab_shows_resolution_and_alpha(window, qtbot, tmp_path):
    from ganstudio.panels.growth import growth_text

    cfg = app_config(tmp_path, steps=10, sample_every=2, checkpoint_every=10, **PROGAN)
    session = window.start_run(cfg, cfg["out"])
    with qtbot.waitSignal(session.sig_finished, timeout=60_000):
        pass
    samples, curves = window.view.samples, window.view.curves
    samples.refresh()
    assert samples.growth.isVisible() and samples.growth.text() == "16 px · stable, full size"
    d = session.data

    import json
    from pathlib import Path

    rows = [json.loads(line) for line in (Path(cfg["out"]) / "metrics.jsonl").read_text().splitlines()]
    n = sum("alpha" in r for r in rows)  # what the finished run wrote

    def caught_up() -> bool:  # the run's data and the curves update on timers: wait until both hold every row
        curves.refresh()
        return all(len(d.series[k].y) == n and len(curves.curve_data(k)[1]) == n for k in ("resolution", "alpha"))

    qtbot.waitUntil(caught_up, timeout=10_000)
    assert {"Resolution", "Fade-in α"} <= set(curves.plot_names()) and "resolution" not in curves.legend_text("Losses")
    x, y = curves.curve_data("resolution")
    assert np.array_equal(y, d.series["resolution"].y) and y[0] == 4 and y[-1] == 16
    assert curves.plot("Resolution").listDataItems()[-1].opts["stepMode"] == "left"  # held over each window
    xa, ya = curves.curve_data("alpha")
    assert np.array_equal(ya, d.series["alpha"].y) and ya.min() < 1  # the fade-ins show, unsmoothed
    fading = int(d.series["alpha"].x[int(np.argmin(d.series["alpha"].y))])  # a window inside a fade-in
    assert "fading in" in growth_text(d, fading)
    snaps = [s.step for s in d.snapshots]
    samples.slider.setValue(snaps.index(4))  # scrub back: the label follows the snapshot shown
    assert samples.growth.text() == growth_text(d, 4) and samples.growth.text().startswith("4 → 8 px · fading in")
    samples.slider.setValue(samples.slider.maximum())
    assert samples.growth.text() == "16 px · stable, full size"
