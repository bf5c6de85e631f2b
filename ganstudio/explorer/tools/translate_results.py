"""What the Translate tool does with what the render thread brings back: G's output with D's realness map
(Pix2Pix), with F's way back and the cycle error (CycleGAN), or a UNIT's shared space; the realness map's caption,
figures and outlined patch (the hovered one, else the least real); and the picture "Save grid" writes. A mixin of
``TranslateTool``, kept apart from translate.py, which holds the pad, the input and the walk's choices."""

from __future__ import annotations

import numpy as np

from ...panels.samples import to_qimage
from ...workers.translate import CycleResult, RealnessResult, SharedResult
from ..canvases import side_by_side
from .sketchpad import rgb
from .translate_inputs import pad_array
from .translate_view import patch_box
from .unit_view import walk_picture


class TranslateResults:
    """``TranslateTool``'s results: keeps ``result`` and ``shared_result``; needs the tool's ``board``, ``shape``,
    ``target()`` and ``partner_words()``."""

    def take(self, name: str, result) -> None:
        if isinstance(result, SharedResult):
            self.shared_result = result
            self._show_shared()
            return
        if isinstance(result, CycleResult):
            self.result = result
            self.board.output.set_image(to_qimage(result.output))
            self.board.back.placeholder = "No F in this checkpoint"
            self.board.back.set_image(None if result.back is None else to_qimage(result.back))
            self.board.cycle.show(result)
            if self.shared_result is not None:
                self._show_shared()  # its words compare the reconstruction with this way back
            return
        if not isinstance(result, RealnessResult):
            return
        self.result = result
        self.board.output.set_image(to_qimage(result.output))
        self.board.realness.set_result(result)
        self._show_realness()

    def picture(self, name: str, result) -> np.ndarray | None:
        """What "Save grid" writes: input | output | target (target only for a held-out pair); a CycleGAN's
        F(G(x)) after the output, when the checkpoint holds F; a UNIT's walk while its shared space is shown."""
        if isinstance(result, SharedResult):
            return walk_picture(result)
        if not isinstance(result, (RealnessResult, CycleResult)) or self.ctx is None:
            return None
        st = self.state()
        parts = [rgb(pad_array(st.image, self.shape)), result.output]
        if isinstance(result, CycleResult) and result.back is not None:
            parts.append(result.back)
        target = self.target(st)
        if target is not None:
            parts.append(rgb(target))
        return side_by_side(parts)

    def _show_shared(self) -> None:
        r, cyc = self.shared_result, self.result
        cycle_mean = float(cyc.error.mean()) if isinstance(cyc, CycleResult) and cyc.error is not None else None
        self.board.shared.show(r, self.ctx.domains if self.ctx is not None else ("A", "B"),
                               "x's own translation G(x)" if r is not None and r.own else self.partner_words(),
                               cycle_mean)

    def _on_hover(self, i: int, j: int) -> None:
        self._show_realness((i, j) if i >= 0 else None)

    def _show_realness(self, hover: tuple[int, int] | None = None) -> None:
        """The caption, figures and outlined patch of the realness map (the hovered patch, else the least real)."""
        b, r = self.board, self.result
        if r is None:
            return
        if r.realness is None:
            b.realness_caption.setText("This checkpoint holds no D (a generator-only export), so there is nothing to "
                                       "ask how real the output looks. Open the run's own checkpoint to see it.")
            b.realness_stats.setText("")
            b.bar.setVisible(False)
            b.realness.shown = None
            b.realness.update()
            return
        b.bar.setVisible(True)
        score, size = r.realness, r.output.shape[1]
        worst = np.unravel_index(int(score.argmin()), score.shape)
        shown = hover if hover is not None else (int(worst[0]), int(worst[1]))
        b.realness.shown = shown
        b.realness.update()
        x0, y0, x1, y1 = patch_box(r, *shown, size)
        what = "under the mouse" if hover is not None else "least real"
        b.realness_caption.setText(f"How real D finds each {r.patch}×{r.patch} patch of the output for this input: "
                                   f"σ(D(input, output)) on a {score.shape[0]}×{score.shape[1]} grid of patches, "
                                   f"{r.stride} px apart. Hover the map to read a patch.")
        b.realness_stats.setText(f"mean {float(score.mean()):.2f} · from {float(score.min()):.2f} to "
                                 f"{float(score.max()):.2f}\nOutlined ({what}): x {x0}–{x1}, y {y0}–{y1}: "
                                 f"{float(score[shown]):.2f}")
