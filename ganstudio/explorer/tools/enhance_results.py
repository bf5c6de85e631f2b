"""The Enhance tool's side of its own thread (``workers/enhance.py``): loading the held-out images of the open
checkpoint, asking for the strip of an input (an identical request is not sent again), and showing what comes back
(the five panels, their scores and difference maps) in the view. A mixin of ``EnhanceTool``, kept apart from
enhance.py, which chooses the input."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...workers.enhance import EnhanceRequest, EnhanceResult, EnhanceThread
from ...workers.render import file_stamp
from ..latent import ExplorerState
from ..model import Context
from .enhance_inputs import rgb
from .enhance_view import OUTPUTS, TITLES, diff_rgb, score_text, strip_picture

PENDING = ("pending",)  # ``ExplorerState.pair`` while the held-out images are on their way
REAL_TIP = "A held-out image of the model's dataset, its true high-resolution image known (R)"


class EnhanceResults:
    """``EnhanceTool``'s thread and results: keeps ``pool``, ``result``, ``_thread``, ``_latest_id``, ``done_id``,
    ``_asked`` and ``_pool_for``; needs the tool's ``board``, buttons, ``input_picture()`` and ``_held_out()``."""

    @property
    def settled(self) -> bool:
        """Nothing asked of this tool's thread is still on its way (tests wait on this)."""
        return not self._pool_for and self.done_id >= self._latest_id

    def strip(self) -> np.ndarray | None:
        """What "Export strip" and "Save grid" write (``enhance_view.strip_picture``)."""
        if self.result is None or not self._on():
            return None
        own = self.input_picture().own if "hr" not in self.result.images else None
        return strip_picture(self.result, own, self.board.difference)

    def _thread_(self) -> EnhanceThread:
        if self._thread is None:
            self._thread = EnhanceThread(self)
            self._thread.sig_result.connect(self._on_result)
            self._thread.sig_failed.connect(self._on_failed)
            self._thread.sig_pool.connect(self._on_pool)
        return self._thread

    def _load_pool(self, ctx: Context) -> None:
        self._pool_for = ctx.checkpoint
        self.real_btn.setEnabled(False)
        self.next_btn.setEnabled(False)
        self._thread_().load_pool(ctx.checkpoint)

    def _on_pool(self, checkpoint: str, pool, error: str) -> None:
        if checkpoint == self._pool_for:
            self._pool_for = ""
        if not self._on() or checkpoint != self.ctx.checkpoint:
            return  # drawn for a model no longer shown
        self.pool, self.pool_error = pool, error
        for b in (self.real_btn, self.next_btn):
            b.setEnabled(pool is not None)
        self.real_btn.setToolTip(REAL_TIP if pool is not None else f"Off: {error}")
        st = self.state()
        stale = st.pair == PENDING or (st.pair and st.pair[0] == "held-out" and (pool is None or
                                                                                 st.pair[1] != pool.dataset))
        if not stale:
            self.show_state(st)
            self.sig_refresh.emit()
            return
        if pool is not None:
            new = replace(st, **self._held_out(0))
        else:
            new = replace(st, image=bytes(int(np.prod(self.shape))), pair=(), source="a blank input")
            self.sig_message.emit("warning", f"No held-out images: {error}. Open an image to upscale")
        self.model.set_state(new, record=False)

    def _request(self, st: ExplorerState) -> None:
        if st.pair == PENDING:
            return  # the held-out images are on their way: the first one is the input
        pic = self.input_picture(st)
        key = (self.ctx.checkpoint, self.ctx.stamp, st.image, st.pair, id(self.pool))
        if key == self._asked:
            return
        self._asked = key
        req = EnhanceRequest(self.ctx.checkpoint, file_stamp(self.ctx.checkpoint), pic.lr, pic.hr)
        self._latest_id = self._thread_().request(req)

    def _on_result(self, rid: int, result: EnhanceResult) -> None:
        self.done_id = max(self.done_id, rid)
        if rid < self._latest_id or self.ctx is None or result.checkpoint != self.ctx.checkpoint:
            return  # an older input, or another model's
        self.result = result
        self._show_result(result)

    def _on_failed(self, rid: int, message: str) -> None:
        self.done_id = max(self.done_id, rid)
        if rid >= self._latest_id:
            self.sig_message.emit("error", message)

    def _show_result(self, r: EnhanceResult) -> None:
        b = self.board
        own = self.input_picture().own if "hr" not in r.images else None
        for k, canvas in b.panels.items():
            pixels = r.images.get(k)
            if k == "hr" and pixels is None and own is not None:
                pixels = rgb(own)
            canvas.placeholder = {"srresnet": "No SRResNet: hover for why",
                                  "hr": "No true image"}.get(k, "Rendering…")
            canvas.show_pixels(pixels)
        b.panels["srresnet"].setToolTip(r.srresnet_note or TITLES["srresnet"][1])
        b.headings["srresnet"].setEnabled("srresnet" in r.images)
        b.headings["srresnet"].setToolTip(r.srresnet_note or TITLES["srresnet"][1])
        best = max((r.psnr[k] for k in OUTPUTS if k in r.psnr), default=None)
        for k, lab in b.scores.items():
            lab.setText(score_text(r, k, best, own))
        for k, canvas in b.diffs.items():
            d = r.diff.get(k)
            canvas.show_pixels(None if d is None else diff_rgb(d))
            canvas.placeholder = ("No SRResNet" if r.diff else
                                  "No true image to compare with" if k == "lr" else "")
            b.diff_scores[k].setText("" if d is None else f"mean {float(d.mean()):.3f}")
        b.refresh_zoom()
