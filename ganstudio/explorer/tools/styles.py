"""The Styles tool (StyleGAN): StyleGAN3's visualiser on the desktop. Seed A's w (the explorer's current latent,
mapped) moved on a pad along W's two main directions and truncated around the average style (ψ from −1 to 2); a
second seed B whose styles replace A's at the ticked layers (presets: coarse 4–8 px, middle 16 px, fine 32 px and
up); each conv layer's noise on, off or redrawn; the paper's style-mixing grid; any layer's feature maps with a
channel scrubber; and the projection of an image into W / W+, whose styles then become the current w.

The tool draws the explorer's current sample itself (``draws_main``), on its own thread (``workers/styles.py``,
latest request only). Seed A is the explorer's seed, so R and the Latent tool move it; what else makes the sample
(seed B, ψ, the pad, the mix, each layer's noise, an applied projection) is the state's ``styles``
(``latent.Styles``), so Ctrl+Z / Ctrl+Shift+Z undo and redo those edits (a drag of ψ or the pad is one step) and
latent files save and load them. The view's settings (the grid's typed seeds, the layer and channel shown) stay
with the tool (``StyleView``), outside undo. Asking the thread and showing its answers is ``styles_results.py``'s
part."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from trainers.latentfile import STYLE_PSI

from ...workers.render import Output
from ...workers.styles import StylesThread
from ..common import DragSlider, Tool, muted_label, titled
from ..latent import ExplorerState, Styles
from ..model import Context, ExplorerModel
from .enhance_view import Caption
from .styles_project import ProjectionPage
from .styles_state import (GROUPS, VIEW_FIELDS, StyleSettings, StyleView, defaults, describe, fitted, grid_seeds,
                           layout_of)
from .styles_results import StylesResults
from .styles_view import LayersPage, LayerTable, MixingPage, XYPad, cell_image, parse_seeds

def _narrow(w: QWidget) -> QWidget:
    """A button that shares its row's width instead of asking for its text's."""
    w.setMinimumWidth(24)
    w.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    return w


class StylesTool(StylesResults, Tool):
    """Seed A in W, ψ, seed B's styles per layer, noise per layer, the mixing grid, feature maps, projection."""

    name = "styles"
    title = "Styles"
    draws_main = True
    resync = True
    view_share = 0.64
    sig_export = Signal()
    """"Export grid as PNG…": the panel asks where to write the mixing grid (its "Save grid" export)."""

    def __init__(self, model: ExplorerModel):
        super().__init__(model)
        self.viewing = StyleView()
        self.fresh_styles = Styles()  # the open model's styles before any edit (``defaults``)
        self.sides: list[int] = []
        self.images: dict[str, np.ndarray] = {}  # "main", "a", "b" as last shown
        self.grid: np.ndarray | None = None
        self.features: np.ndarray | None = None
        self.ws: np.ndarray | None = None  # the current sample's W+
        self.channel = 0
        self._have: dict[str, tuple] = {}  # part → the inputs of what is shown
        self._wanted: dict[str, tuple] = {}  # part → the inputs of the newest request
        self._thread: StylesThread | None = None
        self._latest_id = 0
        self.done_id = 0
        self._redraws = 0
        self.rng = random.Random()

        self.seed_a, dice_a = self._seed_box("The explorer's seed: its z, mapped to w (R draws a new one)")
        self.seed_b, dice_b = self._seed_box("The second seed: the ticked layers take its styles")
        self.pad = XYPad()
        self.pad_reset = QPushButton("Centre")
        self.pad_reset.setToolTip("Back to seed A's own w")
        self.pad_label = QLabel("")
        self.pad_label.setObjectName("muted")
        self.psi = DragSlider(*STYLE_PSI, 1.0)
        self.psi.setToolTip("Truncation ψ in W: w̄ + ψ(w − w̄). 1 leaves w, 0 gives the average style, negative "
                            "values the opposite one, above 1 exaggerates")
        self.table = LayerTable()
        self.back_btn = QPushButton("Back to seed A")
        self.back_btn.setToolTip("Forget the projection: the current w is seed A's again")
        form = QFormLayout()
        form.addRow("Seed A", self._row(self.seed_a, dice_a))
        form.addRow("ψ", self.psi)
        form.addRow("Seed B", self._row(self.seed_b, dice_b))
        presets = QHBoxLayout()
        for name, (lo, hi) in GROUPS.items():
            b = QPushButton(name)
            b.setToolTip(f"Tick the layers acting at {lo}–{hi} px" if hi < 10 ** 6 else f"Tick layers at {lo} px up")
            b.clicked.connect(lambda _=False, lo=lo, hi=hi: self.set_mix([lo <= s <= hi for s in self.sides]))
            presets.addWidget(_narrow(b))
        none_btn = QPushButton("None")
        none_btn.setToolTip("Seed A's styles everywhere")
        none_btn.clicked.connect(lambda: self.set_mix([False] * len(self.sides)))
        presets.addWidget(_narrow(none_btn))
        noise = QHBoxLayout()
        noise.addWidget(QLabel("All noise"))
        for text, mode, tip in (("On", "const", "Every layer's fixed noise, as the checkpoint samples"),
                                ("Off", "none", "No noise anywhere: the stochastic detail goes"),
                                ("Redraw", "redraw", "A new noise draw in every layer")):
            b = QPushButton(text)
            b.setToolTip(tip)
            b.clicked.connect(lambda _=False, m=mode: self.set_noise_all(m))
            noise.addWidget(_narrow(b))
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel("Drag in W (top two principal directions)"))
        pad_row = QHBoxLayout()
        pad_row.addWidget(self.pad)
        side = QVBoxLayout()
        side.addWidget(self.pad_reset)
        side.addWidget(self.pad_label)
        side.addStretch(1)
        pad_row.addLayout(side)
        lay.addLayout(pad_row)
        lay.addWidget(self.back_btn)
        lay.addWidget(QLabel("Layers that take seed B's style"))
        lay.addLayout(presets)
        lay.addWidget(self.table)
        lay.addLayout(noise)
        lay.addWidget(muted_label("Coarse layers (4–8 px) set the digit and its pose, middle ones (16 px) the "
                                  "stroke, fine ones (32 px and up) texture. Noise adds the stochastic detail."))
        lay.addStretch(1)

        self.mixing = MixingPage()
        self.layers = LayersPage()
        self.projection = ProjectionPage()
        self.pages = QTabWidget()
        self.pages.addTab(self.mixing, "Mixing")
        self.pages.addTab(self.layers, "Layers")
        self.pages.addTab(self.projection, "Projection")
        self.caption = Caption("")
        self.view = titled("Styles", self.caption, self.pages)

        self.seed_a.valueChanged.connect(self._on_seed_a)
        dice_a.clicked.connect(lambda: self.seed_a.setValue(self.rng.randrange(2 ** 31 - 1)))
        self.seed_b.valueChanged.connect(lambda v: self.change(seed_b=int(v)))
        dice_b.clicked.connect(lambda: self.seed_b.setValue(self.rng.randrange(2 ** 31 - 1)))
        self.pad.sig_moved.connect(lambda a, b: self.change("styles.pad", offset=(a, b)))
        self.pad.sig_released.connect(self.model.break_merge)  # a drag on the pad is one undo step
        self.pad_reset.clicked.connect(lambda: self.change(offset=(0.0, 0.0)))
        self.psi.valueChanged.connect(lambda v: self.change("styles.psi", psi=round(float(v), 4)))
        self.psi.sliderReleased.connect(self.model.break_merge)
        self.back_btn.clicked.connect(lambda: self.change(projected=b"", projected_from="", projected_space="",
                                                          projected_seed=0))
        self.table.sig_mix.connect(lambda: self.change(mix=self.table.mixed()))
        self.table.sig_noise.connect(self.set_noise)
        self.mixing.sig_seeds.connect(self._on_grid_seeds)
        self.mixing.export_btn.clicked.connect(self.sig_export)
        self.layers.sig_layer.connect(lambda k: self.change(layer=int(k)))
        self.layers.sig_channel.connect(self.set_channel)
        self.projection.sig_projected.connect(self._on_projected)
        self.projection.sig_message.connect(self.sig_message)

    # -- the tool API --------------------------------------------------------------------------------------
    def unavailable(self, ctx: Context) -> str:
        if ctx.can("styles"):
            return ""
        return "this model has no mapping network or styles; Styles is for StyleGAN (train stylegan on digits)"

    def set_context(self, ctx: Context) -> None:
        old = self.ctx
        super().set_context(ctx)
        self._have, self._wanted = {}, {}
        if self._thread is not None:
            self._thread.forget()
        st = self.state()
        if self.unavailable(ctx):
            self.projection.set_checkpoint("")
            if st.styles is not None:  # no styles to save with this model's latents
                self.model.start_with(replace(st, styles=None))
            return
        sides, w_dim = layout_of(ctx)
        same = old is not None and sides == self.sides and old.info.get("lineage") == ctx.info.get("lineage")
        self.fresh_styles = defaults(sides, w_dim, st.styles.seed_b if st.styles is not None else 1)
        styles = fitted(st.styles, self.fresh_styles, st.seed) if same else self.fresh_styles
        if styles != st.styles:  # another model: its own layers, seed B kept, no projection of the last one
            self.model.start_with(replace(st, styles=styles))
        if not same:
            self.viewing = StyleView()
            self.sides = sides
            self.table.build(sides)
            self.layers.build(sides[:-1])
            self.images, self.grid, self.features, self.ws = {}, None, None, None
            for c in self.mixing.canvases.values():
                c.show_pixels(None)
            for g in (self.mixing.grid, self.layers.all, self.layers.big):
                g.set_image(None)
        self.projection.set_checkpoint(ctx.checkpoint)
        self._show_settings()

    def show_state(self, st: ExplorerState) -> None:
        self.seed_a.blockSignals(True)
        self.seed_a.setValue(st.seed)
        self.seed_a.blockSignals(False)
        self._show_settings(st)

    def outputs(self, st: ExplorerState) -> list[Output]:
        """Nothing for the render thread: this tool's thread draws the current sample and the view, asked for here
        (every time the panel renders)."""
        if self._on():
            self._request(st)
            if "main" in self.images and self._have.get("main") == self._wanted.get("main"):
                self.sig_main.emit(self.images["main"])  # shown again after another tool: nothing new to draw
        return []

    def main_caption(self, st: ExplorerState) -> str:
        return describe(self.settings_of(st), st.seed) if self._on() else ""

    def composed_picture(self) -> np.ndarray | None:
        """"Save grid": the style-mixing grid (sources down, destinations across)."""
        return cell_image(self.grid, corner=False) if self.grid is not None and self._on() else None

    def shutdown(self) -> None:
        self.projection.shutdown()
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    # -- public ----------------------------------------------------------------------------------------------
    @property
    def w_dim(self) -> int:
        return int(self.ctx.info.get("z_dim") or 0) if self.ctx is not None else 0

    @property
    def settings(self) -> StyleSettings:
        """Everything the tool shows and draws from now (the state's styles and the view's settings)."""
        return self.settings_of(self.state())

    def settings_of(self, st: ExplorerState) -> StyleSettings:
        return StyleSettings.of(self.styles(st), self.viewing)

    def styles(self, st: ExplorerState | None = None) -> Styles:
        """The state's styles as they apply to its seed A (this model's defaults where it has none)."""
        st = self.state() if st is None else st
        return fitted(st.styles, self.fresh_styles, st.seed)

    def change(self, key: str = "", **changes) -> None:
        """New settings. Those that make the sample are an edit of the explorer's state (one undo step; edits with
        the same non-empty ``key`` merge: a drag), the view's are the tool's own (drawn again, nothing to undo)."""
        view = {k: changes.pop(k) for k in list(changes) if k in VIEW_FIELDS}
        if changes:
            styles = self.styles()
            new = replace(styles, **changes)
            if new != styles:
                self.edit(key, styles=new)
        if view and replace(self.viewing, **view) != self.viewing:
            self.viewing = replace(self.viewing, **view)
            self._show_settings()
            self.sig_refresh.emit()

    def set_mix(self, flags) -> None:
        self.change(mix=tuple(bool(f) for f in flags))

    def set_noise(self, layer: int, mode) -> None:
        """Conv ``layer``'s noise: "const", "none", or "redraw" (a new draw)."""
        noise = list(self.styles().noise)
        noise[layer] = self._redraw() if mode == "redraw" else mode
        self.change(noise=tuple(noise))

    def set_noise_all(self, mode) -> None:
        """Every conv's noise at once (one undo step)."""
        self.change(noise=tuple(self._redraw() if mode == "redraw" else mode for _ in self.styles().noise))

    def set_channel(self, c: int) -> None:
        self.channel = int(c)
        if self.features is not None:
            self._show_features()

    def use_projection(self, ws: np.ndarray, source: str, space: str = "w") -> None:
        """``ws`` (num_ws, w_dim) becomes the current w (the pad centred, ψ 1, no layer from seed B): one undo step."""
        self.change(projected=np.ascontiguousarray(ws, np.float32).tobytes(), projected_from=source,
                    projected_space=space, projected_seed=self.state().seed, offset=(0.0, 0.0), psi=1.0,
                    mix=(False,) * len(self.sides))

    # -- internals -------------------------------------------------------------------------------------------
    @staticmethod
    def _seed_box(tip: str) -> tuple[QSpinBox, QPushButton]:
        box = QSpinBox()
        box.setRange(0, 2 ** 31 - 1)
        box.setToolTip(tip)
        dice = QPushButton("Random")
        dice.setToolTip("A random seed")
        return box, dice

    @staticmethod
    def _row(*widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        for w in widgets:
            row.addWidget(w, 1 if isinstance(w, QSpinBox) else 0)
        return row

    def _on(self) -> bool:
        return self.ctx is not None and bool(self.ctx.checkpoint) and not self.unavailable(self.ctx)

    def _redraw(self) -> int:
        """The seed of a new noise draw: one no layer uses yet (a loaded file's included)."""
        used = [m for m in self.styles().noise if not isinstance(m, str)]
        self._redraws = max([self._redraws, *used]) + 1
        return self._redraws

    def _on_seed_a(self, seed: int) -> None:
        if self.ctx is not None:  # typing a seed: its own w again (the projection goes in the same undo step)
            st = self.state()
            self.edit("", seed=int(seed), base_z=tuple(float(v) for v in self.ctx.seed_z(seed)[0]),
                      styles=None if st.styles is None else self.styles(st).at(int(seed)))

    def _on_grid_seeds(self) -> None:
        rows = parse_seeds(self.mixing.rows_edit.text(), [])
        cols = parse_seeds(self.mixing.cols_edit.text(), [])
        self.change(grid_rows=tuple(rows) or None, grid_cols=tuple(cols) or None)

    def _on_projected(self, r) -> None:
        if self._on() and r.checkpoint == self.ctx.checkpoint:
            self.use_projection(r.ws, r.source, r.space)

    def grid_seeds(self) -> tuple[list[int], list[int]]:
        """The mixing grid's (sources, destinations)."""
        return grid_seeds(self.settings, self.state().seed)

    def _show_settings(self, st: ExplorerState | None = None) -> None:
        s = self.settings_of(self.state() if st is None else st)
        for w, v in ((self.seed_b, s.seed_b),):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)
        self.psi.set_quietly(s.psi)
        self.pad.set_value(*s.offset)
        self.pad_label.setText(f"PC1 {s.offset[0]:+.2f} σ\nPC2 {s.offset[1]:+.2f} σ")
        self.table.show_values(s.mix, s.noise)
        self.back_btn.setVisible(bool(s.projected))
        rows, cols = grid_seeds(s, (self.state() if st is None else st).seed)
        for edit, seeds in ((self.mixing.rows_edit, rows), (self.mixing.cols_edit, cols)):
            if not edit.hasFocus():
                edit.setText(", ".join(map(str, seeds)))
