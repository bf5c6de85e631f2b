"""The explorer on the two-domain families, against tiny trained checkpoints.

CycleGAN: the noise tools are off and Translate is current; the strip is input | G(x) | F(G(x)) | target, where
F(G(x)) is the checkpoint's F applied to ``gen.translate(x)`` for the pad's input, and the cycle error map is
|x − F(G(x))| (in [0, 1] units); a stroke moves both; an export without F says there is no way back; the realness
map's place says why there is none. CoGAN: the z tools stay on and Translate is off with its reason; the current
sample is [A | B] of ``G.body.pair`` for the explorer's input vector, and a new seed changes both halves; the
tools' grids say they show domain A. Both families' eval results reach the scores line."""

import json

import numpy as np
import pytest
import torch

from trainers.checkpoints import export_generator
from trainers.generator import load_generator
from trainers.images import to_uint8_grid
from trainers.loop import train

from .conftest import open_ckpt, tiny_config
from .test_app_explorer import pixels
from .test_app_translate import open_tool, stroke

pytestmark = pytest.mark.usefixtures("no_thread_leaks")
NOISE_TOOLS = ("latent", "infogan", "cgan", "arithmetic", "interpolate", "checkpoints", "attention", "biggan")


def _train(tmp_path_factory, model: str, data_b: str):
    folder = tmp_path_factory.mktemp(model)
    list(train(tiny_config(folder, model=model, data="digits-plain", data_b=data_b, width=4, batch_size=4, steps=4,
                           checkpoint_every=4, data_limit=128)))
    return folder / "run" / "checkpoints" / "last.safetensors"


@pytest.fixture(scope="module")
def cyc_ckpt(tmp_path_factory):
    return _train(tmp_path_factory, "cyclegan", "digits-bold")


@pytest.fixture(scope="module")
def cyc_g_only(cyc_ckpt, tmp_path_factory):
    """The same CycleGAN exported with G only (``also`` not naming F)."""
    return export_generator(cyc_ckpt, tmp_path_factory.mktemp("export") / "checkpoints" / "g.safetensors")


@pytest.fixture(scope="module")
def cogan_ckpt(tmp_path_factory):
    return _train(tmp_path_factory, "cogan", "digits-negative")


def way_back(path, x: np.ndarray) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """x, G(x) and F(G(x)) for the pad's input ``x`` (1, C, H, W), straight from the checkpoint."""
    from trainers.generator import load_generator
    from trainers.models.cyclegan import way_back

    x = torch.from_numpy(x)
    y = load_generator(path).translate(x)
    with torch.no_grad():
        return x, y, way_back(load_generator(path))(y)


def u8(t: torch.Tensor) -> np.ndarray:
    return to_uint8_grid(t, 1, padding=0)


def test_cyclegan_shows_the_way_back_and_the_cycle_error(qtbot, explorer_panel, cyc_ckpt):
    from ganstudio.workers.translate import CycleResult

    ex = explorer_panel
    tool = open_tool(qtbot, ex, cyc_ckpt)
    assert ex.current_tool.name == "translate" and ex.off_reason("translate") == ""
    for name in NOISE_TOOLS:
        assert not ex.tabbar.isTabEnabled([t.name for t in ex.tools].index(name))
        assert "use the Translate tool" in ex.off_reason(name)
    b = tool.board
    assert b.columns() == ("input", "output", "back", "target")
    assert [b.headings[k].text() for k in b.columns()] == ["Input (A · digits-plain)", "G(x) (B · digits-bold)",
                                                          "F(G(x)) (back to A)", "Target (B · digits-bold)"]
    assert not b.realness.isVisibleTo(b) and b.cycle.canvas.isVisibleTo(b) and b.back.isVisibleTo(b)
    assert "D_A and D_B" in b.cycle.note.text() and "G-only" not in b.cycle.note.text()

    for step in range(2):  # the held-out input, then the same after a stroke
        if step:
            stroke(qtbot, tool, (4, 16), (28, 16))
            qtbot.waitUntil(lambda: ex.settled and tool.result is not None)
        x, y, back = way_back(cyc_ckpt, tool.input())
        r = tool.result
        assert isinstance(r, CycleResult)
        assert np.array_equal(ex.images["main"], u8(y)) and np.array_equal(r.output, u8(y))
        assert np.array_equal(r.back, u8(back)) and np.array_equal(pixels(b.back.image()), u8(back))
        want = ((x - back).abs() / 2).mean(1)[0].numpy()  # |x − F(G(x))| on a 0–1 scale
        assert r.error.shape == (32, 32)
        np.testing.assert_allclose(r.error, want, rtol=1e-5, atol=1e-6)
        assert f"mean {want.mean():.3f}" in b.cycle.stats.text()
        assert np.array_equal(r.source, u8(x)) and b.cycle.canvas.image() is not None
    assert "F(G(x)) lands from the input" in b.cycle.caption.text()
    top = b.cycle.canvas.top
    assert want.max() <= top and f"0–{top:g}" in b.cycle.stats.text()


def test_save_grid_writes_input_g_f_and_target(qtbot, explorer_panel, cyc_ckpt, tmp_path):
    from PIL import Image

    from ganstudio.explorer import export as xp
    from ganstudio.explorer.canvases import grid_cells

    ex = explorer_panel
    tool = open_tool(qtbot, ex, cyc_ckpt)
    saved = np.asarray(Image.open(xp.save_image(ex, tmp_path / "g.png", scale=1, what="grid")).convert("RGB"))
    x, g, f, target = grid_cells(saved, 4, 32)  # four 32 px pictures in a row, 2 px apart
    r = tool.result
    assert [np.array_equal(a, b) for a, b in ((x, r.source), (g, r.output), (f, r.back))] == [True] * 3
    assert np.array_equal(target[..., 0], tool.target(ex.state)[0])


def test_an_export_without_f_says_there_is_no_way_back(qtbot, explorer_panel, cyc_g_only):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, cyc_g_only)
    r = tool.result
    assert r.back is None and r.error is None
    assert tool.board.back.image() is None and tool.board.cycle.canvas.image() is None
    assert "holds G only" in tool.board.cycle.caption.text() and not tool.board.cycle.bar.isVisibleTo(tool.board)
    assert np.array_equal(ex.images["main"], u8(load_generator(cyc_g_only).translate(torch.from_numpy(tool.input()))))


def test_a_pix2pix_opened_after_a_cyclegan_gets_its_own_strip_back(qtbot, explorer_panel, cyc_ckpt,
                                                                    tmp_path_factory):
    from ganstudio.workers.translate import RealnessResult

    from .test_app_attention import _run

    p2p = _run(tmp_path_factory, "pix2pix", data="digits-edges", data_limit=64, width=4, batch_size=4)
    ex = explorer_panel
    b = open_tool(qtbot, ex, cyc_ckpt).board
    assert b.way_back and b.back.isVisibleTo(b)
    tool = open_tool(qtbot, ex, p2p)
    qtbot.waitUntil(lambda: isinstance(tool.result, RealnessResult))
    assert b.columns() == ("input", "output", "target") and not b.way_back
    assert [b.headings[k].text() for k in b.columns()] == ["Input", "Output", "Target"]
    assert b.realness.isVisibleTo(b) and not b.back.isVisibleTo(b) and not b.cycle.canvas.isVisibleTo(b)
    assert tool.view_title.text() == "Input → output → target"


def test_cogan_shows_both_domains_of_the_current_z(qtbot, explorer_panel, cogan_ckpt):
    from ganstudio.workers.pairs import GAP

    ex = explorer_panel
    open_ckpt(qtbot, ex, cogan_ckpt)
    assert ex.current_tool.name == "latent"
    for name in ("latent", "arithmetic", "interpolate"):
        assert ex.off_reason(name) == ""
    assert "CoGAN draws a pair" in ex.off_reason("translate")
    assert not ex.tabbar.isTabEnabled([t.name for t in ex.tools].index("translate"))
    gen = load_generator(cogan_ckpt)

    def halves() -> tuple[np.ndarray, np.ndarray]:
        h = torch.from_numpy(ex.state.vector(ex.ctx.space, ex.ctx.directions)[None].astype(np.float32))
        with torch.no_grad():
            a, b = gen.G.body.pair(h)
        img = ex.images["main"]
        assert img.shape == (32, 2 * 32 + GAP, 3)
        assert np.array_equal(img[:, :32], u8(a)) and np.array_equal(img[:, 32 + GAP:], u8(b))
        assert np.array_equal(pixels(ex.canvas.image()), img)
        return img[:, :32].copy(), img[:, 32 + GAP:].copy()

    a0, b0 = halves()
    assert not np.array_equal(a0, b0)
    assert "one z, both domains: the shared layers decide the digit" in ex.sample_caption.text()
    assert ex.canvas.parts == ("A · digits-plain", "B · digits-negative")
    note = ex._domain_notes["latent"]
    assert note.isVisibleTo(ex) and note.text().startswith("Domain A (digits-plain) only")

    ex.latent_tool.seed.setValue(ex.state.seed + 7)
    qtbot.waitUntil(lambda: ex.settled)
    a1, b1 = halves()
    assert not np.array_equal(a0, a1) and not np.array_equal(b0, b1)
    assert ex.set_tool("interpolate") and ex._domain_notes["interpolate"].isVisibleTo(ex)
    qtbot.waitUntil(lambda: ex.settled)


def test_the_scores_line_shows_both_families_results(qtbot, explorer_panel, cyc_ckpt, cogan_ckpt):
    from trainers.metrics.evaluate import SCHEMA
    from trainers.runfolder import eval_path

    ex = explorer_panel
    results = {
        cyc_ckpt: {"kind": "translation", "metrics": {
            "l1": {"value": 0.05, "baseline": 0.2}, "psnr": {"value": 18.5, "baseline": 9.0},
            "ssim": {"value": 0.8, "baseline": 0.3}, "cycle_l1": {"value": 0.031, "baseline": 0.0},
            "label_preservation": {"value": 0.9, "reference": 0.99, "per_class": [0.9] * 10}}},
        cogan_ckpt: {"kind": "pairs", "metrics": {
            "class_agreement": {"value": 0.93}, "coverage_a": {"value": 10, "of": 10, "histogram": [0.1] * 10},
            "coverage_b": {"value": 9, "of": 10, "histogram": [0.1] * 10}}}}
    paths = []
    try:
        for ckpt, result in results.items():
            path = eval_path(ckpt.parent.parent, 4)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"schema": SCHEMA, "note": "", **result}))
            paths.append(path)
        open_ckpt(qtbot, ex, cyc_ckpt)
        assert "cycle L1 0.031" in ex.scores.label.text() and "PSNR 18.5 dB" in ex.scores.label.text()
        open_ckpt(qtbot, ex, cogan_ckpt)
        assert "pairs agree on the digit 93.0%" in ex.scores.label.text()
    finally:
        for path in paths:
            path.unlink()


def test_unit_goes_back_through_its_own_shared_space(qtbot, explorer_panel, tmp_path_factory):
    """UNIT has no F: its one coupled generator's b2a is the way back the strip and the cycle map show."""
    path = _train(tmp_path_factory, "unit", "digits-bold")
    ex = explorer_panel
    tool = open_tool(qtbot, ex, path)
    assert tool.board.columns() == ("input", "output", "back", "target")
    gen = load_generator(path)
    x = torch.from_numpy(tool.input())
    with torch.no_grad():
        y = gen.G.a2b(x)
        back = gen.G.b2a(y)
    r = tool.result
    assert np.array_equal(r.output, u8(y)) and np.array_equal(r.back, u8(back))
    np.testing.assert_allclose(r.error, ((x - back).abs() / 2).mean(1)[0].numpy(), rtol=1e-5, atol=1e-6)
