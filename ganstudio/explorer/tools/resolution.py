"""The Resolution tool (ProGAN): what growing the network made of one z. The explorer's current latent through
every toRGB output, 4, 8, 16, 32 px side by side (each at its own side, drawn large with nearest-neighbour
blocks), and an α scrubber over the fade-in of one level: the lower level upsampled at α = 0, the new level at
α = 1, the blend the network showed while the level faded in between, with a marker at the α this checkpoint was
trained at.

The pictures come from this tool's own thread (``workers/growth.py``), which keeps only the latest request; the
explorer's current sample stays the generator's own output (the trained level and α, upsampled to the full side).
The level and α of the scrubber are view settings, not undo steps."""

from __future__ import annotations

import random

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...theme import show_transport
from ...workers.growth import GrowthRequest, GrowthResult, GrowthThread
from ...workers.render import Output, file_stamp
from ..canvases import GRID_PAD, side_by_side
from ..common import Tool, WrapLabel, muted_label, titled
from ..latent import ExplorerState
from ..model import Context, ExplorerModel
from .enhance_view import Caption
from .resolution_view import STEPS, MarkedSlider, Panels
from .widgets import heading

PLAY_MS = 40  # the fade animation's frame interval (α 0 → 1 in 2 s)
MAX_LEVELS = 5  # 4 … 64 px, the largest side the family trains (``trainers.models.progan.SIZES``)


def side_of(level: int) -> int:
    return 4 * 2 ** level


def alpha_text(a: float) -> str:
    """α to two decimals, or three just below 1 (a fade-in's last step is not yet α 1)."""
    return f"{a:.3f}" if 0.995 <= a < 1 else f"{a:.2f}"


class ResolutionTool(Tool):
    """Every toRGB output of the current z, and an α scrubber over one level's fade-in (module docstring)."""

    name = "resolution"
    title = "Resolution"
    view_share = 0.7  # four pictures in a row: the current sample (the trained level) gets less room

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.result: GrowthResult | None = None
        self.level: int | None = None  # the fade shown (None: the checkpoint's level, once known)
        self.alpha: float | None = None  # None: the checkpoint's α, once known
        self._known: tuple[int, float] | None = None  # (level, α) the open checkpoint was trained at
        self._thread: GrowthThread | None = None
        self._latest_id = 0
        self.done_id = 0
        self._asked: tuple | None = None
        self.rng = random.Random()

        self.seed_btn = QPushButton("New seed (R)")
        self.seed_btn.setToolTip("Another z: the explorer's current latent (the Latent tool's seed) changes too")
        self.level_box = QComboBox()
        self.level_box.setToolTip("Which level's fade-in the scrubber shows: the new block blended over the one "
                                  "below it")
        self.trained_btn = QPushButton("α as trained")
        self.trained_btn.setToolTip("Put the scrubber at the α this checkpoint was trained at (the orange marker)")
        self.play_btn = QPushButton()
        show_transport(self.play_btn, False, "Play the fade-in", "Pause")
        self.play_btn.setCheckable(True)
        self.play_btn.setToolTip("Sweep α from 0 to 1 over and over, as the network saw the new level arrive")
        form = QFormLayout()
        form.addRow("Fade of", self.level_box)
        lay = QVBoxLayout(self)
        lay.addWidget(self.seed_btn)
        lay.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.trained_btn)
        row.addWidget(self.play_btn)
        lay.addLayout(row)
        lay.addWidget(muted_label(
            "ProGAN trains at 4 px first, then adds a block per side. A new block fades in: its output is blended "
            "over the level below (upsampled) with weight α rising from 0 to 1, then trained on its own (α = 1). "
            "Each level keeps its own toRGB, so one z can be drawn at every side the network has grown to. A "
            "level's toRGB stops learning once the next level has faded in, while the blocks under it go on "
            "changing: in a late checkpoint the smaller sides drift in colour and contrast."))
        lay.addStretch(1)

        self.levels = Panels(list(range(MAX_LEVELS)))
        self.fade = Panels(["low", "blend", "high"])
        self.slider = MarkedSlider()
        self.slider.setToolTip("α of the fade: 0 shows the level below (upsampled), 1 the new level; the orange "
                               "marker is where this checkpoint was trained")
        self.alpha_label = QLabel("α")
        self.alpha_label.setMinimumWidth(64)
        self.fade_title = heading("Fade-in")
        self.note = WrapLabel("")
        self.caption = Caption("")
        scrub = QHBoxLayout()
        scrub.addWidget(QLabel("α"))
        scrub.addWidget(self.slider, 1)
        scrub.addWidget(self.alpha_label)
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.levels)
        bl.addSpacing(10)
        bl.addWidget(self.fade_title)
        bl.addWidget(self.fade)
        bl.addLayout(scrub)
        bl.addWidget(self.note)
        bl.addStretch(1)
        self.view = titled("One z at every resolution", self.caption, body)
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_MS)
        self._timer.timeout.connect(self._advance)

        self.seed_btn.clicked.connect(self.new_seed)
        self.level_box.activated.connect(self._on_level)
        self.trained_btn.clicked.connect(lambda: self.set_alpha(self._known[1]) if self._known else None)
        self.play_btn.toggled.connect(self.set_playing)
        self.slider.valueChanged.connect(lambda v: self.set_alpha(v / STEPS, from_slider=True))

    # -- the tool API --------------------------------------------------------------------------------------
    def unavailable(self, ctx: Context) -> str:
        if ctx.can("growth"):
            return ""
        return "this model does not grow while it trains; Resolution is for ProGAN (train progan on digits)"

    def set_context(self, ctx: Context) -> None:
        super().set_context(ctx)
        self.set_playing(False)
        self.result, self._asked, self._known = None, None, None
        self.level = self.alpha = None
        if self.unavailable(ctx):
            return
        levels = max(1, int(np.log2(max(ctx.side, 4))) - 1)
        self.levels.show_columns(range(levels))
        for k in range(MAX_LEVELS):
            self.levels.titles[k].setText(f"{side_of(k)} px")
            self.levels.canvases[k].show_pixels(None)
            self.levels.canvases[k].placeholder = "Rendering…"
        self.levels.full = self.fade.full = ctx.side or 32
        self.levels.columns = self.fade.columns = max(levels, 3)
        self.levels.fit()
        self.fade.fit()
        self.caption.setText("Each picture is one toRGB output of the current z at its own side, drawn with "
                             "nearest-neighbour blocks.")

    def outputs(self, st: ExplorerState) -> list[Output]:
        """Nothing for the render thread: this tool's thread draws its pictures, asked for here (every time the
        panel renders)."""
        if self._on():
            self._request(st)
        return []

    def composed_picture(self) -> np.ndarray | None:
        """"Save grid": every level's output, then the fade's three pictures, all at the full side (nearest)."""
        r = self.result
        if r is None or not self._on():
            return None
        full = self.ctx.side
        def big(img: np.ndarray) -> np.ndarray:
            f = full // img.shape[0]
            return np.ascontiguousarray(img.repeat(f, 0).repeat(f, 1))

        top = side_by_side([big(o) for o in r.outputs])
        if r.blend is None:
            return top
        bottom = side_by_side([big(r.low), big(r.blend), big(r.high)])
        width = max(top.shape[1], bottom.shape[1])
        pad = lambda a: np.pad(a, ((0, 0), (0, width - a.shape[1]), (0, 0)), constant_values=GRID_PAD)  # noqa: E731
        return np.ascontiguousarray(np.concatenate([pad(top)[:-2], pad(bottom)], axis=0))

    def shutdown(self) -> None:
        self.set_playing(False)
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    # -- public ----------------------------------------------------------------------------------------------
    @property
    def settled(self) -> bool:
        """Nothing asked of this tool's thread is still on its way (tests wait on this)."""
        return self.done_id >= self._latest_id

    def set_level(self, level: int) -> None:
        """Show the fade-in of ``level`` (1 … the trained level)."""
        self.level = int(level)
        i = self.level_box.findData(self.level)
        if i >= 0 and i != self.level_box.currentIndex():
            self.level_box.setCurrentIndex(i)
        self.sig_refresh.emit()

    def set_alpha(self, alpha: float, from_slider: bool = False, quiet: bool = False) -> None:
        """α of the fade (0 … 1); ``quiet``: show it without drawing again."""
        self.alpha = float(np.clip(alpha, 0.0, 1.0))
        if not from_slider:
            self.slider.blockSignals(True)
            self.slider.setValue(round(self.alpha * STEPS))
            self.slider.blockSignals(False)
        self.alpha_label.setText(f"α {self.alpha:.2f}")
        if not quiet:
            self.sig_refresh.emit()

    def set_playing(self, on: bool) -> None:
        if self.play_btn.isChecked() != on:
            self.play_btn.setChecked(on)
            return
        show_transport(self.play_btn, on, "Play the fade-in", "Pause")
        self._timer.start() if on and self._on() else self._timer.stop()

    def new_seed(self) -> None:
        if self.ctx is not None:
            seed = self.rng.randrange(0, 2 ** 31 - 1)
            self.edit("", seed=seed, base_z=tuple(float(v) for v in self.ctx.seed_z(seed)[0]))

    # -- internals -------------------------------------------------------------------------------------------
    def _on(self) -> bool:
        return self.ctx is not None and bool(self.ctx.checkpoint) and not self.unavailable(self.ctx)

    def _on_level(self, _i: int) -> None:
        level = self.level_box.currentData()
        if level is not None:
            self.set_level(int(level))

    def _advance(self) -> None:
        a = (self.alpha or 0.0) + PLAY_MS / 2000
        self.set_alpha(0.0 if a > 1.0 + 1e-9 else min(a, 1.0))

    def _thread_(self) -> GrowthThread:
        if self._thread is None:
            self._thread = GrowthThread(self)
            self._thread.sig_result.connect(self._on_result)
            self._thread.sig_failed.connect(self._on_failed)
        return self._thread

    def _request(self, st: ExplorerState) -> None:
        z = self.ctx.space.z_of(self.plain_vector(st))
        level = self.level if self.level is not None else -1  # -1: the checkpoint's own (learnt from the result)
        alpha = self.alpha if self.alpha is not None else -1.0
        key = (self.ctx.checkpoint, self.ctx.stamp, z.tobytes(), level, alpha)
        if key == self._asked:
            return
        self._asked = key
        req = GrowthRequest(self.ctx.checkpoint, file_stamp(self.ctx.checkpoint), z, level, alpha)
        self._latest_id = self._thread_().request(req)

    def _on_result(self, rid: int, r: GrowthResult) -> None:
        self.done_id = max(self.done_id, rid)
        if rid < self._latest_id or not self._on() or r.checkpoint != self.ctx.checkpoint:
            return  # an older request, or another model's
        if self._known is None:  # the first picture of this checkpoint says where it was trained to
            self._learn(r)
        self.result = r
        self._show(r)

    def _on_failed(self, rid: int, message: str) -> None:
        self.done_id = max(self.done_id, rid)
        if rid >= self._latest_id:
            self.sig_message.emit("error", message)

    def _learn(self, r: GrowthResult) -> None:
        """The checkpoint's level and α: the fade's level list, its default and the slider's marker."""
        self._known = (r.trained_level, r.trained_alpha)
        self.level_box.blockSignals(True)
        self.level_box.clear()
        for k in range(1, r.trained_level + 1):
            self.level_box.addItem(f"level {k}: {side_of(k - 1)} → {side_of(k)} px", k)
        self.level_box.blockSignals(False)
        grown = r.trained_level >= 1
        for w in (self.level_box, self.slider, self.trained_btn, self.play_btn):
            w.setEnabled(grown)
        self.slider.set_mark(r.trained_alpha if grown else None)
        if grown:
            self.level = r.level
            self.level_box.setCurrentIndex(self.level_box.findData(self.level))
            self.set_alpha(r.alpha, quiet=True)

    def _show(self, r: GrowthResult) -> None:
        fading = r.trained_alpha < 1
        state = f"fading in, α {alpha_text(r.trained_alpha)}" if fading else "stable (α 1)"
        for k in range(min(r.levels, MAX_LEVELS)):
            canvas = self.levels.canvases[k]
            if k < len(r.outputs):
                canvas.show_pixels(r.outputs[k])
                trained = " · trained" + (f", α {alpha_text(r.trained_alpha)}" if fading else "")
                self.levels.notes[k].setText(f"level {k}" + (trained if k == r.trained_level else ""))
            else:
                canvas.show_pixels(None)
                canvas.placeholder = "not grown yet"
                self.levels.notes[k].setText(f"level {k}")
        last = r.levels - 1
        where = (f"the full size, {side_of(last)} px (level {last})" if r.trained_level == last else
                 f"{side_of(r.trained_level)} px (level {r.trained_level}; the full size is {side_of(last)} px)")
        self.caption.setText(f"Trained to {where}, {state}. Each picture is one toRGB output of the current z at its "
                             "own side, drawn with nearest-neighbour blocks.")
        self.note.setText(f"This checkpoint was trained to level {r.trained_level} ({side_of(r.trained_level)} px) "
                          f"at α {alpha_text(r.trained_alpha)}" + (" (still fading in)." if fading else " (stable).")
                          + " The orange marker is that α.")
        f = self.fade
        if r.blend is None:
            self.fade_title.setText("Fade-in: none yet (the checkpoint is still at 4 px)")
            for k in f.canvases:
                f.canvases[k].show_pixels(None)
                f.canvases[k].placeholder = "no fade-in before 8 px"
            return
        lo, hi = side_of(r.level - 1), side_of(r.level)
        self.fade_title.setText(f"Fade-in of level {r.level}: {lo} px → {hi} px")
        f.titles["low"].setText(f"α = 0 · {lo} px")
        f.titles["blend"].setText(f"α = {r.alpha:.2f}")
        f.titles["high"].setText(f"α = 1 · {hi} px")
        f.notes["low"].setText(f"level {r.level - 1}, upsampled ×2")
        f.notes["blend"].setText(f"(1 − α)·{lo} px + α·{hi} px")
        f.notes["high"].setText(f"level {r.level}'s own toRGB")
        f.canvases["low"].show_pixels(r.low)
        f.canvases["blend"].show_pixels(r.blend)
        f.canvases["high"].show_pixels(r.high)
        self.alpha_label.setText(f"α {r.alpha:.2f}")
