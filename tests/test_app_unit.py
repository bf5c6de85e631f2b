"""UNIT's own view in the Translate tool (issue 20), against a tiny trained UNIT: for the pad's input x the shared
space shows the reconstruction G_A(E_A(x)) and its error, the translation G_B(E_A(x)), and a walk from E_A(x) to the
code of a second image b, each blend decoded in A and in B. Every picture is checked against the checkpoint's own
encode / decode, computed here; the walk follows a stroke, another B digit, and x's own translation as its end.
A CycleGAN gets none of it."""

import numpy as np
import pytest
import torch

from trainers.generator import load_generator
from trainers.images import to_uint8_grid
from trainers.loop import train

from .conftest import tiny_config
from .test_app_explorer import pixels
from .test_app_translate import open_tool, stroke

pytestmark = pytest.mark.usefixtures("no_thread_leaks")


def _train(tmp_path_factory, model: str) -> "Path":  # noqa: F821
    folder = tmp_path_factory.mktemp(model)
    list(train(tiny_config(folder, model=model, data="digits-plain", data_b="digits-bold", width=8, batch_size=4,
                           data_limit=64, steps=4, checkpoint_every=4)))
    return folder / "run" / "checkpoints" / "last.safetensors"


@pytest.fixture(scope="module")
def unit_ckpt(tmp_path_factory):
    return _train(tmp_path_factory, "unit")


@pytest.fixture(scope="module")
def unit_G(unit_ckpt):
    return load_generator(unit_ckpt).G  # the UNITGenerator: encode(x, domain), decode(h, domain); 0 = A, 1 = B


def u8(t: torch.Tensor) -> np.ndarray:
    return to_uint8_grid(t, 1, padding=0)


def close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal pictures, give or take one grey level (a batch of blends against one decode at a time)."""
    return a.shape == b.shape and int(np.abs(a.astype(int) - b.astype(int)).max()) <= 1


def shared(qtbot, ex, tool, own: bool | None = None):
    """The newest shared-space result for the current input (and the walk's end, when ``own`` is given)."""
    want = tool.input().tobytes()

    def ready():
        r = tool.shared_result
        return (ex.settled and r is not None and r.source.tobytes() == u8(torch.from_numpy(tool.input())).tobytes()
                and (own is None or r.own == own))

    qtbot.waitUntil(ready, timeout=20_000)
    assert tool.input().tobytes() == want
    return tool.shared_result


def test_unit_shows_reconstruction_translation_and_a_walk_between_two_codes(qtbot, explorer_panel, unit_ckpt,
                                                                            unit_G):
    from ganstudio.workers.translate import BLENDS

    ex = explorer_panel
    tool = open_tool(qtbot, ex, unit_ckpt)
    b = tool.board
    assert tool.unit and b.unit and b.sections.isVisibleTo(b) and b.section() == "shared"
    assert b.shared.recon.isVisibleTo(b) and b.shared.strip.isVisibleTo(b) and not b.cycle.canvas.isVisibleTo(b)
    assert b.headings["back"].text() == "Way back (to A)"
    r = shared(qtbot, ex, tool)
    assert not r.own and tool.partner_mode == "digit" and tool.partner is not None
    assert int(tool.pool.labels[tool.partner]) != int(tool.pool.labels[0])  # another digit than the input's

    x = torch.from_numpy(tool.input())
    partner = torch.from_numpy(tool.partner_input())
    with torch.no_grad():
        mu_a, mu_b = unit_G.encode(x, 0), unit_G.encode(partner, 1)
        recon, translation = unit_G.decode(mu_a, 0), unit_G.decode(mu_a, 1)
        ends = [unit_G.decode(mu_b, 0), unit_G.decode(mu_b, 1)]
        middle = unit_G.decode((mu_a + mu_b) / 2, 0), unit_G.decode((mu_a + mu_b) / 2, 1)
    # the reconstruction panel is decode_A(encode_A(x)), the translation decode_B(encode_A(x)) (the current sample)
    assert np.array_equal(r.recon, u8(recon)) and np.array_equal(pixels(b.shared.recon.image()), u8(recon))
    assert np.array_equal(r.translation, u8(translation)) and np.array_equal(ex.images["main"], u8(translation))
    error = ((x - recon).abs() / 2).mean(1)[0].numpy()
    np.testing.assert_allclose(r.recon_error, error, rtol=1e-5, atol=1e-6)
    assert f"mean {error.mean():.3f}" in b.shared.stats.text()
    assert f"the way back through B: {tool.result.error.mean():.3f}" in b.shared.stats.text()
    # the walk: BLENDS codes from E_A(x) to E_B(b), each decoded in A and in B; its ends are the two codes' decodes
    assert r.strip_a.shape == r.strip_b.shape == (BLENDS, 32, 32, 3) and r.ts[0] == 0 and r.ts[-1] == 1
    assert close(r.strip_a[0], u8(recon)) and close(r.strip_b[0], u8(translation))
    assert close(r.strip_a[-1], u8(ends[0])) and close(r.strip_b[-1], u8(ends[1]))
    assert r.ts[BLENDS // 2] == 0.5 and close(r.strip_a[BLENDS // 2], u8(middle[0]))
    assert close(r.strip_b[BLENDS // 2], u8(middle[1]))
    assert np.array_equal(r.partner, u8(partner))
    gap = float((mu_a - mu_b).abs().mean() / mu_a.abs().mean())
    assert r.code_gap == pytest.approx(gap, rel=1e-5) and f"= {gap:.2f} × |E_A(x)|" in b.shared.walk_note.text()
    assert f"digit {tool.pool.class_name(tool.partner)} (pair {tool.partner})" in b.shared.walk_note.text()


def test_the_walk_follows_a_stroke_another_b_digit_and_the_translations_own_code(qtbot, explorer_panel, unit_ckpt,
                                                                                 unit_G):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, unit_ckpt)
    before = shared(qtbot, ex, tool)
    stroke(qtbot, tool, (4, 16), (28, 16))  # a new input: the newest request wins, every picture follows it
    r = shared(qtbot, ex, tool)
    assert not np.array_equal(r.source, before.source)
    x = torch.from_numpy(tool.input())
    with torch.no_grad():
        assert np.array_equal(r.recon, u8(unit_G.decode(unit_G.encode(x, 0), 0)))

    first = tool.partner
    tool.board.shared.another.click()  # another held-out B digit, of another class than the input's
    assert tool.partner != first
    qtbot.waitUntil(lambda: ex.settled and tool.shared_result.partner.tobytes()
                    == u8(torch.from_numpy(tool.partner_input())).tobytes(), timeout=20_000)
    with torch.no_grad():
        end = unit_G.decode(unit_G.encode(torch.from_numpy(tool.partner_input()), 1), 1)
    assert close(tool.shared_result.strip_b[-1], u8(end))

    combo = tool.board.shared.partner
    combo.setCurrentIndex(combo.findData("own"))  # the walk ends at the code E_B reads out of G(x)
    r = shared(qtbot, ex, tool, own=True)
    assert not tool.board.shared.another.isEnabled() and "x's own translation" in tool.board.shared.walk_note.text()
    with torch.no_grad():
        mu_a = unit_G.encode(x, 0)
        y = unit_G.decode(mu_a, 1)
        back_code = unit_G.encode(y, 1)
    assert np.array_equal(r.partner, u8(y)) and np.array_equal(r.partner, r.translation)
    assert close(r.strip_a[-1], u8(unit_G.decode(back_code, 0).detach()))
    assert close(r.strip_b[-1], u8(unit_G.decode(back_code, 1).detach()))
    steps = len(ex.history._undo)  # the walk's end is a view setting, not an edit: no undo step
    combo.setCurrentIndex(combo.findData("digit"))
    shared(qtbot, ex, tool, own=False)
    assert len(ex.history._undo) == steps


def test_the_tabs_switch_rows_and_save_grid_writes_what_is_shown(qtbot, explorer_panel, unit_ckpt, tmp_path):
    from PIL import Image

    from ganstudio.explorer import export as xp
    from ganstudio.explorer.tools.unit_view import walk_picture
    from ganstudio.workers.translate import BLENDS

    ex = explorer_panel
    tool = open_tool(qtbot, ex, unit_ckpt)
    r = shared(qtbot, ex, tool)
    saved = np.asarray(Image.open(xp.save_image(ex, tmp_path / "walk.png", scale=1, what="grid")).convert("RGB"))
    assert np.array_equal(saved, walk_picture(r))
    assert saved.shape == (2 * 32 + 3 * 2, (BLENDS + 1) * (32 + 2) + 2, 3)
    assert np.array_equal(saved[2:34, 2:34], r.strip_a[0]) and np.array_equal(saved[36:68, -34:-2], r.partner)

    b = tool.board
    b.show_section("cycle")
    assert b.cycle.canvas.isVisibleTo(b) and b.cycle.side.isVisibleTo(b) and not b.cycle.title.isVisibleTo(b)
    assert not b.shared.recon.isVisibleTo(b) and not b.shared.strip.isVisibleTo(b)
    assert "G_A(E_B(G(x))) lands from the input" in b.cycle.caption.text()
    qtbot.waitUntil(lambda: ex.settled)
    saved = np.asarray(Image.open(xp.save_image(ex, tmp_path / "cycle.png", scale=1, what="grid")).convert("RGB"))
    assert saved.shape[0] == 32 + 4 and saved.shape[1] == 4 * 34 + 2  # input | G(x) | way back | target
    b.show_section("shared")
    assert b.shared.strip.isVisibleTo(b) and not b.cycle.canvas.isVisibleTo(b)
    strip = b.shared.strip
    qtbot.mouseMove(strip, strip.column_rect(4, 1).center().toPoint())  # hovering a column outlines it
    qtbot.waitUntil(lambda: strip.hover == 4)
    assert strip.column_at(strip.column_rect(BLENDS, 1).center().x()) == -1  # b's own column is no blend


def test_a_cyclegan_has_no_shared_space(qtbot, explorer_panel, tmp_path_factory):
    ex = explorer_panel
    tool = open_tool(qtbot, ex, _train(tmp_path_factory, "cyclegan"))
    b = tool.board
    assert not tool.unit and not b.unit and b.section() == "cycle"
    assert not b.sections.isVisibleTo(b) and b.cycle.title.isVisibleTo(b) and b.cycle.canvas.isVisibleTo(b)
    assert not any(w.isVisibleTo(b) for w in b.shared.widgets())
    assert [o.name for o in tool.outputs(ex.state)] == ["cycle"] and tool.shared_result is None
    assert b.headings["back"].text() == "F(G(x)) (back to A)"


def test_the_worker_walks_to_the_translations_code_without_a_second_image(unit_ckpt, unit_G):
    """``shared_result`` on the generator itself (no Qt): one row is x alone, and the walk ends at E_B(G_B(E_A(x)))."""
    from ganstudio.workers.translate import render

    gen = load_generator(unit_ckpt)
    x = torch.rand(1, 1, 32, 32) * 2 - 1
    r = render(gen, "shared", x.reshape(1, -1).numpy())
    with torch.no_grad():
        mu_a = unit_G.encode(x, 0)
        y = unit_G.decode(mu_a, 1)
        mu_b = unit_G.encode(y, 1)
        want = [unit_G.decode(mu_b, d) for d in (0, 1)]
    assert r.own and np.array_equal(r.partner, u8(y)) and np.array_equal(r.translation, u8(y))
    assert close(r.strip_a[-1], u8(want[0])) and close(r.strip_b[-1], u8(want[1]))
